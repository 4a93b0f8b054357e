//! Tests of the hosted-page URL builder.

use std::string::ToString;

use super::*;
use crate::{CodeVerifier, RedirectParams};

const OCTETS: [u8; 32] = [
    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77,
    105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
];

#[test]
fn all_parameters_in_order() {
    let verifier = CodeVerifier::from_random(&OCTETS).unwrap();
    let challenge = verifier.challenge();
    let state = State::parse("c3RhdGUtc3RhdGUtc3RhdGU").unwrap();
    let channels = [Channel::Sms, Channel::Whatsapp];
    let url = HostedPageUrl::new("KEY", "cotter://auth", IdentifierType::Phone, &challenge, &state)
        .with_page("http://127.0.0.1:9/app")
        .unwrap()
        .direct_login("+1 555 0100")
        .use_channel(Channel::Whatsapp)
        .phone_channels(&channels)
        .cotter_user_id("u-1")
        .auth_method(LoginMethod::Otp)
        .identifier_field(IdentifierField::Phone);
    assert_eq!(
        url.to_string(),
        "http://127.0.0.1:9/app?api_key=KEY&redirect_url=cotter%3A%2F%2Fauth&type=PHONE\
         &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&state=c3RhdGUtc3RhdGUtc3RhdGU\
         &direct_login=true&input=%2B1%20555%200100&use_channel=WHATSAPP\
         &phone_channels%5B%5D=SMS&phone_channels%5B%5D=WHATSAPP&cotter_user_id=u-1&auth_method=OTP\
         &identifier_field=phone"
    );
    // The parser of this crate reads the encoded values back.
    let text = url.to_string();
    let mut buf = [0u8; 64];
    let params = RedirectParams::parse(&text, &mut buf).unwrap();
    assert_eq!(params.state, Some(state.as_str()));
}

#[test]
fn minimal_url_limits_and_pages() {
    let challenge = CodeVerifier::from_random(&OCTETS).unwrap().challenge();
    let state = State::from_random(&[0; 16]).unwrap();
    let url =
        HostedPageUrl::new("K", "http://localhost:8080", IdentifierType::Email, &challenge, &state);
    let mut buf = [0u8; 256];
    let text = url.write_to(&mut buf).unwrap();
    assert_eq!(
        text,
        "https://js.cotter.app/app?api_key=K&redirect_url=http%3A%2F%2Flocalhost%3A8080&type=EMAIL\
         &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&state=AAAAAAAAAAAAAAAAAAAAAA"
    );
    let len = text.len();
    assert_eq!(url.write_to(&mut [0u8; 64]), Err(Error::BufferTooSmall));
    assert!(url.to_heapless::<256>().is_ok());
    assert_eq!(url.to_heapless::<100>(), Err(Error::BufferTooSmall));
    assert_eq!(url.write_to(&mut std::vec![0u8; len]).unwrap().len(), len);
    // A page that already has a query is extended with `&`.
    let with_query = url.with_page("https://example.com/login?lang=en").unwrap().to_string();
    assert!(with_query.starts_with("https://example.com/login?lang=en&api_key=K&"));
    assert_eq!(url.with_page("javascript:alert(1)").unwrap_err(), Error::InvalidBaseUrl);
    assert_eq!(url.with_page("https://x/app#f").unwrap_err(), Error::InvalidBaseUrl);
    // Debug does not leak the state.
    assert!(!std::format!("{url:?}").contains("AAAAAAAAAAAAAAAAAAAAAA"));
}

#[test]
fn login_methods_are_auth_methods_with_the_same_text() {
    for method in [LoginMethod::Otp, LoginMethod::MagicLink] {
        let auth = AuthMethod::from(method);
        assert_eq!(auth.as_str(), method.as_str());
        assert_eq!(AuthMethod::parse(method.as_str()), Some(auth));
    }
}

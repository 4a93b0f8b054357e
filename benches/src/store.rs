//! The store fixture: a realistic signed-in session (Cotter-sized access and ID tokens, a
//! refresh token, a user ID, a trusted-device key) for the `cotter-store` codec, and the
//! flash operations of one `FlashStore::save` on `SimFlash`, counted rather than timed.

use crate::Fixture;
use base64ct::{Base64UrlUnpadded, Encoding};
use cotter_store::{Session, TokenStore};
use cotter_store_flash::FlashStore;
use cotter_store_flash::sim::SimFlash;

/// The owned parts of a realistic session.
#[derive(Debug)]
pub struct SessionFixture {
    access_token: String,
    id_token: String,
    refresh_token: String,
    user_id: String,
    device_key: [u8; 32],
}

impl SessionFixture {
    /// The fixture's access token, an ID token of Cotter's layout (same header and signature
    /// length), and Cotter-shaped refresh token and user ID.
    #[must_use]
    pub fn new(fixture: &Fixture) -> Self {
        let id_payload = r#"{"client_user_id":"ee1982e9-1596-41db-b1a1-4c1880c1f016","auth_time":"1598129092","identifier":"ada.lovelace@example.com","identifier_type":"EMAIL","receiver":"19024767-a0b2-4221-8faa-ef116dc853d0","expire_at":"1598132692","type":"client_id_token","aud":"19024767-a0b2-4221-8faa-ef116dc853d0","exp":4102444800,"jti":"4e1c6e1f-6e8b-4a5f-9f38-0a7f1b1f6a2b","iat":1598129092,"iss":"https://www.cotter.app","sub":"ee1982e9-1596-41db-b1a1-4c1880c1f016"}"#;
        let (header, _) = fixture.signing_input.split_once('.').unwrap_or_default();
        let signature = Base64UrlUnpadded::encode_string(&fixture.signature);
        let id_token = format!(
            "{header}.{}.{signature}",
            Base64UrlUnpadded::encode_string(id_payload.as_bytes())
        );
        Self {
            access_token: fixture.token.clone(),
            id_token,
            refresh_token: "94:qv2SAJN5u2uHuQ3mQ6Yk0b7dVxj1cXfP0oZ8rT2wE4yLsA".to_owned(),
            user_id: "ee1982e9-1596-41db-b1a1-4c1880c1f016".to_owned(),
            device_key: [0x5a; 32],
        }
    }

    /// The session, borrowing these parts (`expires_at` given, to vary successive saves).
    #[must_use]
    pub fn session(&self, expires_at: u64) -> Session<'_> {
        Session::new(&self.access_token, &self.id_token, &self.refresh_token, expires_at)
            .with_auth_method("OTP")
            .with_user_id(&self.user_id)
            .with_device_key(&self.device_key)
    }
}

/// Flash work of `FlashStore::save`, per save, averaged over a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlashOps {
    /// Saves made.
    pub saves: u64,
    /// The encoded record's length in bytes.
    pub record_len: usize,
    /// `write` (program) calls per save.
    pub program_ops: f64,
    /// Bytes programmed per save.
    pub bytes_programmed: f64,
    /// Sector erases per save.
    pub erase_ops: f64,
    /// `read` calls per save (the read-back check and header reads).
    pub read_ops: f64,
}

/// Sectors of the simulated flash.
pub const FLASH_SECTORS: usize = 4;
/// Erase size of the simulated flash (a common 4 KiB NOR sector).
pub const FLASH_ERASE: usize = 4096;
/// Write size of the simulated flash (a 32-bit word).
pub const FLASH_WRITE: usize = 4;

/// Saves the realistic session `saves` times (each with a new `expires_at`) into a
/// `FlashStore` over 4 × 4 KiB sectors of 4-byte words, and counts the flash operations.
///
/// # Panics
/// When the store cannot be built or a save fails (a broken fixture).
#[must_use]
pub fn flash_save_ops(parts: &SessionFixture, saves: u64) -> FlashOps {
    let mut flash = Box::new(SimFlash::<FLASH_WRITE, FLASH_ERASE, FLASH_SECTORS>::new());
    let range = 0..u32::try_from(FLASH_SECTORS * FLASH_ERASE).expect("fits");
    let mut store = FlashStore::new(&mut *flash, range).expect("flash store");
    // The first save of a blank store is not typical: do it before counting.
    store.save(&parts.session(1)).expect("save");
    store.flash_mut().reset_stats();
    for i in 0..saves {
        store.save(&parts.session(4_102_444_800 + i)).expect("save");
    }
    let record_len = cotter_store::encoded_len(&parts.session(0)).expect("encodable");
    let stats = store.flash().stats();
    #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    let per = |n: u64| n as f64 / saves.max(1) as f64;
    FlashOps {
        saves,
        record_len,
        program_ops: per(stats.program_ops),
        bytes_programmed: per(stats.bytes_programmed),
        erase_ops: per(stats.erase_ops),
        read_ops: per(stats.read_ops),
    }
}

"""Cotter's own python SDK (PyPI `cotter` 0.0.7, unmodified) against a running cotter-emulator.

Environment: COTTER_EMULATOR_URL (http://127.0.0.1:PORT, or https://… for an emulator started with
`--tls`; then REQUESTS_CA_BUNDLE names its `--tls-ca-out` CA file, which the SDK's `requests` trusts
through that variable), optional COTTER_CLIENTS_OUT (a folder for logs). Run with the venv's python. Prints one "ok:" line per check and a final PASS line; exits
non-zero on the first failed check.

What it does:
1. points `cotter.constants` at the emulator and sets BROWSER to `cotter-test-browser`, so the SDK's
   `webbrowser.open` starts a background user that signs in on the hosted page with the OTP from the
   outbox and then GETs the redirect, which lands on the SDK's own one-shot redirect server;
2. `cotter.login_with_email_otp(api_key, port)` completes: the SDK exchanges the code
   (`/verify/get_identity?oauth_token=true`) and returns the identity response;
3. `cotter.validate.validate_access_token` / `validate_id_token` accept the tokens (python-jose,
   ES256, `aud`, `exp`, JWKS `keys[0]`);
4. `cotter.tokenhandler` stores the tokens in a file and reads them back without refreshing, and
   after `POST /dev/clock` moves time past expiry refreshes them (rotated refresh token);
5. after `POST /dev/rotate-key` the SDK (which takes the JWKS's first key) rejects the old token and
   its token handler refreshes to a token under the new key;
6. a token signed by another P-256 key, a token with a changed claim and a token for another
   audience are rejected.

Clock: python-jose judges `exp` by the local clock; the emulator's clock is the real clock plus the
offset that `/dev/clock` adds. So that both sides see the same time pass, `jose.jwt.datetime.now` is
shifted by the emulator's offset (the SDK's code is not touched).
"""

import datetime
import json
import os
import re
import socket
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import emulator_user as emu  # noqa: E402

import cotter  # noqa: E402
import cotter.constants  # noqa: E402
import cotter.tokenhandler  # noqa: E402
import cotter.validate  # noqa: E402
import jose.jwt  # noqa: E402
import jose.utils  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from jose import exceptions as jose_errors  # noqa: E402

API_KEY = emu.API_KEY
IDENTIFIER = "python-sdk@example.com"
REFRESH_TOKEN = re.compile(r"^(\d+):[A-Za-z0-9]{50}$")


class EmulatorClock(datetime.datetime):
    """`datetime` whose `now()` follows the emulator clock (real time + /dev/clock offset)."""

    offset = 0

    @classmethod
    def now(cls, tz=None):
        return datetime.datetime.now(tz) + datetime.timedelta(seconds=cls.offset)


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print(f"ok: {what}", flush=True)


def rejected(fn, *args):
    """The python-jose error `fn(*args)` raises, or None if it accepted."""
    try:
        fn(*args)
    except jose_errors.JOSEError as e:
        return e
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def advance(seconds):
    EmulatorClock.offset = emu.advance_clock(seconds)
    return EmulatorClock.offset


def check_tls(base):
    """Over HTTPS the SDK's `requests` must verify the emulator: it succeeds with the CA from
    REQUESTS_CA_BUNDLE and fails without it."""
    import requests  # the SDK's own HTTP client

    bundle = os.environ.get("REQUESTS_CA_BUNDLE")
    check(bool(bundle) and os.path.isfile(bundle), f"REQUESTS_CA_BUNDLE names the emulator's CA: {bundle}")
    jwks = requests.get(base + "/api/v0/token/jwks", timeout=10)
    check(jwks.status_code == 200 and jwks.json()["keys"], f"requests fetched the JWKS over {jwks.url}")
    try:
        requests.get(base + "/api/v0/token/jwks", timeout=10, verify=requests.certs.where())
        check(False, "requests without the emulator's CA must fail")
    except requests.exceptions.SSLError as e:
        check(True, f"without the CA (certifi's roots only) requests refuses the server: {type(e).__name__}")


def main():
    base = emu.emulator_url()
    out_dir = os.environ.get("COTTER_CLIENTS_OUT") or tempfile.mkdtemp()
    os.makedirs(out_dir, exist_ok=True)
    # 1. Point the SDK at the emulator (module constants, read at call time).
    cotter.constants.CotterBackendURL = base + "/api/v0"
    cotter.constants.CotterJSURL = base
    cotter.constants.CotterJWKSURL = base + "/api/v0/token/jwks"
    jose.jwt.datetime = EmulatorClock
    user_log = os.path.join(out_dir, "python-user.log")
    open(user_log, "w").close()
    os.environ.update({
        "BROWSER": os.path.join(HERE, "cotter-test-browser"),
        "COTTER_USER_PYTHON": sys.executable,
        "COTTER_USER_LOG": user_log,
        "COTTER_USER_IDENTIFIER": IDENTIFIER,
    })
    print(f"cotter SDK {cotter.__file__}; backend {cotter.constants.CotterBackendURL}", flush=True)
    over = ""
    if base.startswith("https://"):
        check_tls(base)
        over = " over HTTPS (requests verifying against REQUESTS_CA_BUNDLE)"

    # 2. Sign in through the SDK.
    port = free_port()
    started = time.monotonic()
    try:
        resp = cotter.login_with_email_otp(API_KEY, port)
    except SystemExit as e:  # the SDK calls sys.exit when the redirect carries ?error=
        raise AssertionError(f"cotter.login_with_email_otp exited: {e}") from None
    finally:
        with open(user_log) as f:
            print(f.read().rstrip(), flush=True)
    took = time.monotonic() - started
    check(isinstance(resp, dict), f"cotter.login_with_email_otp(api_key, {port}) returned the identity "
          f"response in {took:.2f} s")
    check(set(resp) >= {"identifier", "token", "user", "oauth_token"},
          f"response has identifier, token, user, oauth_token (keys: {sorted(resp)})")
    user, oauth = resp["user"], resp["oauth_token"]
    check(user["identifier"] == IDENTIFIER and user["issuer"] == API_KEY,
          f"user {user['ID']} identifier {user['identifier']} issuer {user['issuer']}")
    check(resp["token"]["receiver"] == API_KEY and resp["token"]["identifier"] == IDENTIFIER,
          "identity token names the API key and the identifier")
    check(oauth["token_type"] == "Bearer" and oauth["expires_in"] == 3600
          and oauth["auth_method"] == "OTP", "oauth_token: Bearer, expires_in 3600, auth_method OTP")
    m = REFRESH_TOKEN.match(oauth["refresh_token"])
    check(m is not None, f"refresh token has the form <id>:<50 alphanumerics> (id {m and m.group(1)})")

    # 3. The SDK's validators accept the tokens.
    access = cotter.validate.validate_access_token(oauth["access_token"], API_KEY)
    check(access["aud"] == API_KEY and access["iss"] == "https://www.cotter.app"
          and access["type"] == "client_access_token" and access["scope"] == "access"
          and access["authentication_method"] == "OTP" and access["sub"] == user["ID"],
          "validate_access_token accepts the access token (aud, iss, type, scope, OTP, sub)")
    ident = cotter.validate.validate_id_token(oauth["id_token"], API_KEY)
    check(ident["identifier"] == IDENTIFIER and ident["type"] == "client_id_token"
          and ident["sub"] == user["ID"], "validate_id_token accepts the ID token (identifier, type, sub)")
    kid = jose.jwt.get_unverified_header(oauth["access_token"])["kid"]

    # 4. Token file and refresh after expiry.
    token_file = os.path.join(out_dir, "python-tokens.json")
    cotter.tokenhandler.store_token_to_file(oauth, token_file)
    refreshes = emu.stats()["refresh"]
    same = cotter.tokenhandler.get_token_from_file(token_file, API_KEY)
    check(same == oauth and emu.stats()["refresh"] == refreshes,
          "tokenhandler.get_token_from_file returns the stored tokens without refreshing while valid")
    offset = advance(3600 + 60)
    err = rejected(cotter.validate.validate_access_token, oauth["access_token"], API_KEY)
    check(isinstance(err, jose_errors.ExpiredSignatureError),
          f"after POST /dev/clock (offset {offset} s) the access token is expired: {err}")
    fresh = cotter.tokenhandler.get_token_from_file(token_file, API_KEY)
    check(emu.stats()["refresh"] == refreshes + 1 and fresh["access_token"] != oauth["access_token"],
          "tokenhandler refreshed once (POST /token/<api key>) and got a new access token")
    m2 = REFRESH_TOKEN.match(fresh["refresh_token"])
    check(m2 is not None and m2.group(1) == m.group(1) and fresh["refresh_token"] != oauth["refresh_token"],
          "refresh rotated the refresh token (same id prefix, new secret)")
    with open(token_file) as f:
        check(json.load(f) == fresh, "tokenhandler wrote the refreshed tokens to the file")
    access2 = cotter.validate.validate_access_token(fresh["access_token"], API_KEY)
    check(access2["iat"] >= access["exp"] and access2["authentication_method"] == "OTP",
          "refreshed access token validates, issued after the old one expired, still OTP")
    cotter.validate.validate_id_token(fresh["id_token"], API_KEY)
    check(True, "refreshed ID token validates")

    # 5. Key rotation: the SDK takes keys[0], the emulator lists the signing key first.
    new_kid = emu.dev_json("POST", "/dev/rotate-key")["kid"]
    err = rejected(cotter.validate.validate_access_token, fresh["access_token"], API_KEY)
    check(err is not None, f"after POST /dev/rotate-key ({kid} -> {new_kid}) the SDK rejects the "
          f"old-key token (it checks only JWKS keys[0]): {err}")
    rotated = cotter.tokenhandler.get_token_from_file(token_file, API_KEY)
    header = jose.jwt.get_unverified_header(rotated["access_token"])
    check(header["kid"] == new_kid and cotter.validate.validate_access_token(
        rotated["access_token"], API_KEY)["sub"] == user["ID"],
        "tokenhandler refreshed to a token under the new key, which validates")

    # 6. Forged and altered tokens are rejected.
    forger = ec.generate_private_key(ec.SECP256R1())
    pem = forger.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption())
    claims = jose.jwt.get_unverified_claims(rotated["access_token"])
    forged = jose.jwt.encode(claims, pem.decode(), algorithm="ES256", headers={"kid": new_kid})
    forger_pub = forger.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    check(jose.jwt.decode(forged, forger_pub.decode(), algorithms="ES256", audience=API_KEY)["sub"]
          == user["ID"], "a token with the same claims signed by another P-256 key verifies under that key")
    err = rejected(cotter.validate.validate_access_token, forged, API_KEY)
    check(err is not None, f"validate_access_token rejects it: {err}")
    err = rejected(cotter.validate.validate_id_token, forged, API_KEY)
    check(err is not None, f"validate_id_token rejects it: {err}")
    head, payload, sig = rotated["access_token"].split(".")
    altered_claims = dict(claims, sub="00000000-0000-4000-8000-000000000000")
    altered_payload = jose.utils.base64url_encode(json.dumps(altered_claims).encode()).decode()
    err = rejected(cotter.validate.validate_access_token, f"{head}.{altered_payload}.{sig}", API_KEY)
    check(err is not None, f"a token with a changed sub and the original signature is rejected: {err}")
    err = rejected(cotter.validate.validate_access_token, rotated["access_token"], "another-api-key")
    check(isinstance(err, jose_errors.JWTClaimsError), f"validation for another API key is rejected: {err}")

    print(f"PASS python-sdk{over}: cotter 0.0.7 login_with_email_otp through the hosted page and its redirect "
          f"server, get_identity, validate_access_token/validate_id_token (ES256, aud, exp), tokenhandler "
          f"refresh after /dev/clock expiry and after key rotation, forged/altered/wrong-audience tokens "
          f"rejected", flush=True)


if __name__ == "__main__":
    emu.run_main(main, "python-sdk")

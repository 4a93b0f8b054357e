"""Plays the user in the background for Cotter's python SDK (started by `cotter-test-browser`).

argv[1] is the hosted page URL the SDK opened. Signs in with the OTP from the emulator's outbox,
then GETs the redirect Location, retrying until the SDK's one-shot redirect server listens, and
checks that the SDK answered with `cotter_login_success.html`.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emulator_user  # noqa: E402


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def main():
    url = sys.argv[1]
    identifier = os.environ["COTTER_USER_IDENTIFIER"]
    log(f"user: browser opened {url}")
    location = emulator_user.sign_in_with_otp(url, identifier, log)
    status, _, body = emulator_user.get_with_retry(location)
    if status != 200 or b"cotter-clients-login-success" not in body:
        raise RuntimeError(f"redirect target answered HTTP {status}: {body[:200]!r}")
    log("user: the SDK's redirect server answered with cotter_login_success.html")


def give_up(app_url):
    """Like the hosted page on a failed sign-in: redirect with ?error=, so the SDK stops waiting."""
    redirect = emulator_user.redirect_query(app_url).get("redirect_url")
    if redirect:
        emulator_user.get_with_retry(redirect + "?error=user_could_not_sign_in")
        log(f"user: sent {redirect}?error=user_could_not_sign_in to the SDK")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # reported in the log the SDK test prints
        log(f"user: FAILED: {type(e).__name__}: {e}")
        give_up(sys.argv[1])
        sys.exit(1)

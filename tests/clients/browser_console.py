"""The emulator's development console (`GET /dev/ui`) in a real browser with JavaScript turned off:
Debian's Chromium, headless, through WebDriver (selenium + Debian's chromedriver).

Environment: COTTER_EMULATOR_URL, COTTER_CLIENTS_OUT (screenshots: console.png,
console-revoked.png). Prints one "ok:" line per check and a final PASS line.

Two users sign in (hosted page + code exchange, standard library); the console lists both, and
their sessions; a click on one session's Revoke button (a plain form post, then the redirect back)
marks it revoked, and that session's next refresh fails while the other's still works. The
console's clock form moves the emulator clock.
"""

import base64
import hashlib
import json
import os
import secrets
import shutil
import sys
import tempfile
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import emulator_user as emu  # noqa: E402
from browser_hosted_page import CHROMEDRIVER, CHROMIUM, check, chromium, screenshot, visible  # noqa: E402

from selenium.webdriver.common.by import By  # noqa: E402

REDIRECT = "http://127.0.0.1:9/callback"


def signed_in(base, identifier):
    """Signs `identifier` in through the hosted page; returns the get_identity response."""
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    app_url = f"{base}/app?" + urllib.parse.urlencode({
        "api_key": emu.API_KEY, "redirect_url": REDIRECT, "type": "EMAIL", "code_challenge": challenge,
        "state": "console"})
    query = emu.redirect_query(emu.sign_in_with_otp(app_url, identifier, log=lambda *_: None))
    body = json.dumps({"code_verifier": verifier, "authorization_code": query["code"],
                       "challenge_id": int(query["challenge_id"]), "redirect_url": REDIRECT}).encode()
    status, _, raw = emu.request("POST", f"{base}/api/v0/verify/get_identity", body,
                                 {"Content-Type": "application/json", "API_KEY_ID": emu.API_KEY})
    if status != 200:
        raise RuntimeError(f"get_identity: HTTP {status} {raw[:200]!r}")
    return json.loads(raw)


def refresh(base, token):
    body = json.dumps({"grant_type": "refresh_token", "refresh_token": token}).encode()
    status, _, raw = emu.request("POST", f"{base}/api/v0/token/{emu.API_KEY}", body,
                                 {"Content-Type": "application/json", "API_KEY_ID": emu.API_KEY})
    return status, json.loads(raw)


def main():
    base = emu.emulator_url()
    out_dir = os.environ.get("COTTER_CLIENTS_OUT") or tempfile.mkdtemp()
    for tool in (CHROMIUM, CHROMEDRIVER):
        check(os.access(tool, os.X_OK), f"{tool} is installed")
    emu.dev_json("POST", "/dev/reset")  # a fresh state, also against an emulator used before
    alice = signed_in(base, "alice@example.com")
    bob = signed_in(base, "bob@example.com")
    sessions = emu.dev_json("GET", "/dev/sessions")
    alice_session = next(s["id"] for s in sessions if s["user"] == alice["user"]["ID"])
    check(len(sessions) == 2, f"two users signed in; GET /dev/sessions lists sessions "
          f"{[s['id'] for s in sessions]}")

    user_data_dir = tempfile.mkdtemp(prefix="cotter-chromium-console-")
    # The console must work without JavaScript.
    driver = chromium(user_data_dir, window="1200,1400", javascript=False)
    try:
        version = driver.capabilities.get("browserVersion", "?")
        driver.get(f"{base}/dev/ui")
        notice = driver.find_element(By.ID, "dev-only").text
        check("development only" in notice.lower(), f"the console says {notice.split('.')[0]!r}")
        users = driver.find_element(By.ID, "users").text
        check("alice@example.com" in users and "bob@example.com" in users, "#users lists both users")
        check(driver.find_element(By.ID, f"status-{alice_session}").text == "active",
              f"#sessions shows session {alice_session} active")
        path = screenshot(driver, out_dir, "console.png")
        check(True, f"console rendered with JavaScript disabled; screenshot {path}")
        driver.find_element(By.ID, f"revoke-{alice_session}").click()
        done = visible(driver, "done", f"after clicking #revoke-{alice_session}").text
        status = driver.find_element(By.ID, f"status-{alice_session}").text
        check(driver.current_url.startswith(f"{base}/dev/ui?done=") and status == "revoked",
              f"clicking #revoke-{alice_session} posted the form and came back: {done!r}, status {status}")
        path = screenshot(driver, out_dir, "console-revoked.png")
        code, resp = refresh(base, alice["oauth_token"]["refresh_token"])
        check(code == 400 and "not valid" in resp["msg"],
              f"the revoked session's next refresh fails: HTTP {code} {resp['msg']!r}; screenshot {path}")
        code, _ = refresh(base, bob["oauth_token"]["refresh_token"])
        check(code == 200, "the other user's session still refreshes")
        offset = emu.dev_json("GET", "/dev/clock")["offset"]
        field = driver.find_element(By.ID, "advance")
        field.clear()
        field.send_keys("120")
        driver.find_element(By.ID, "advance-clock").click()
        visible(driver, "done", "after the clock form")
        after = emu.dev_json("GET", "/dev/clock")["offset"]
        check(after == offset + 120, f"the console's clock form moved the clock by 120 s (offset {after} s)")
    finally:
        driver.quit()
        shutil.rmtree(user_data_dir, ignore_errors=True)
    print(f"PASS browser-console: Chromium {version} headless, JavaScript off: /dev/ui lists users and "
          f"sessions, Revoke on session {alice_session} made its next refresh fail (the other session "
          f"kept working), the clock form advanced the clock; screenshots in {out_dir}", flush=True)


if __name__ == "__main__":
    emu.run_main(main, "browser-console")

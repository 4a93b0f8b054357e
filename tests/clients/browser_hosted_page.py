"""A real browser on the emulator's hosted login page: Debian's Chromium driven headless through
WebDriver (selenium + Debian's chromedriver).

Environment: COTTER_EMULATOR_URL (http://127.0.0.1:PORT), COTTER_CLIENTS_OUT (screenshots go there:
hosted-page.png, otp-page.png, otp-error.png). Run with the venv's python. Prints one "ok:" line per
check and a final PASS line; exits non-zero on the first failed check.

Opens `/app` with real parameters (PKCE S256 challenge, state, a redirect_url on a small local HTTP
listener), types the email into #identifier, clicks #submit, types a wrong code (the page shows
#error), then the OTP from `/dev/outbox`, and arrives at the redirect URL with code, state and
challenge_id. The code is then exchanged at `/api/v0/verify/get_identity` with the PKCE verifier.
"""

import base64
import hashlib
import http.server
import json
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import emulator_user as emu  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

IDENTIFIER = "browser@example.com"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print(f"ok: {what}", flush=True)


class Callback(http.server.BaseHTTPRequestHandler):
    """The app's redirect URL: records the query of each GET /callback."""

    received = []

    def do_GET(self):
        parts = urllib.parse.urlsplit(self.path)
        if parts.path == "/callback":
            Callback.received.append(dict(urllib.parse.parse_qsl(parts.query)))
        body = b"<!doctype html><title>App</title><h1 id='signed-in'>Back in the app</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def chromium(user_data_dir, window="800,700", javascript=True):
    """Headless Debian Chromium through chromedriver, with a fresh profile in user_data_dir and
    no background networking (the machine's network is closed)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", f"--window-size={window}", f"--user-data-dir={user_data_dir}"]:
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    return webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))


def visible(driver, element_id, what):
    """Waits up to 15 s for #element_id; on timeout says what the page shows instead."""
    try:
        return WebDriverWait(driver, 15).until(EC.visibility_of_element_located((By.ID, element_id)))
    except TimeoutException:
        errors = driver.find_elements(By.ID, "error")
        shown = errors[0].text if errors else driver.find_element(By.TAG_NAME, "body").text[:200]
        raise AssertionError(f"{what}: no #{element_id} within 15 s at {driver.current_url} "
                             f"(title {driver.title!r}; page says {shown!r})") from None


def screenshot(driver, out_dir, name):
    path = os.path.join(out_dir, name)
    if not driver.save_screenshot(path) or os.path.getsize(path) < 1000:
        raise AssertionError(f"screenshot {path} was not written")
    return path


def main():
    base = emu.emulator_url()
    out_dir = os.environ.get("COTTER_CLIENTS_OUT") or tempfile.mkdtemp()
    os.makedirs(out_dir, exist_ok=True)
    for tool in (CHROMIUM, CHROMEDRIVER):
        check(os.access(tool, os.X_OK), f"{tool} is installed")

    listener = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Callback)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    redirect_url = f"http://127.0.0.1:{listener.server_address[1]}/callback"
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(12)
    app_url = f"{base}/app?" + urllib.parse.urlencode({
        "api_key": emu.API_KEY, "redirect_url": redirect_url, "type": "EMAIL",
        "code_challenge": challenge, "state": state, "auth_method": "OTP"})

    user_data_dir = tempfile.mkdtemp(prefix="cotter-chromium-")
    started = time.monotonic()
    driver = chromium(user_data_dir)
    try:
        version = driver.capabilities.get("browserVersion", "?")
        check(True, f"Chromium {version} started headless through chromedriver in "
              f"{time.monotonic() - started:.1f} s")
        driver.get(app_url)
        field = visible(driver, "identifier", "the hosted page")
        heading = driver.find_element(By.TAG_NAME, "h1").text
        width = field.size["width"]
        path = screenshot(driver, out_dir, "hosted-page.png")
        check(heading == "Sign in" and width > 200, f"/app rendered the sign-in form (h1 {heading!r}, "
              f"#identifier {width}px wide); screenshot {path}")
        field.send_keys(IDENTIFIER)
        driver.find_element(By.ID, "submit").click()
        otp_field = visible(driver, "otp", "after submitting the identifier")
        sent_to = driver.find_element(By.ID, "sent-to").text
        path = screenshot(driver, out_dir, "otp-page.png")
        check(sent_to == IDENTIFIER, f"submitting #identifier showed the code form for {sent_to}; "
              f"screenshot {path}")
        otp = emu.latest_otp(IDENTIFIER)
        wrong = "".join(str((int(c) + 1) % 10) for c in otp)
        otp_field.send_keys(wrong)
        driver.find_element(By.ID, "submit").click()
        error = visible(driver, "error", "after a wrong code").text
        path = screenshot(driver, out_dir, "otp-error.png")
        check(bool(error), f"a wrong code re-rendered the form with #error {error!r}; screenshot {path}")
        otp_field = driver.find_element(By.ID, "otp")
        otp_field.clear()
        otp_field.send_keys(otp)
        driver.find_element(By.ID, "submit").click()
        visible(driver, "signed-in", f"after the right code (expected a redirect to {redirect_url})")
        final = driver.current_url
    finally:
        driver.quit()
        shutil.rmtree(user_data_dir, ignore_errors=True)
    listener.shutdown()

    query = emu.redirect_query(final)
    check(set(query) >= {"code", "state", "challenge_id"} and query["state"] == state,
          f"the browser arrived at {redirect_url} with code, state (ours) and challenge_id {query.get('challenge_id')}")
    check(Callback.received == [query], "the app's listener received exactly that redirect")
    body = json.dumps({"code_verifier": verifier, "authorization_code": query["code"],
                       "challenge_id": int(query["challenge_id"]), "redirect_url": redirect_url}).encode()
    status, _, raw = emu.request("POST", f"{base}/api/v0/verify/get_identity?oauth_token=true", body,
                                 {"Content-Type": "application/json", "API_KEY_ID": emu.API_KEY})
    resp = json.loads(raw) if status == 200 else {}
    check(status == 200 and resp["user"]["identifier"] == IDENTIFIER and resp["oauth_token"]["access_token"],
          f"the browser's code exchanged with our PKCE verifier at get_identity: HTTP {status}, user "
          f"{resp.get('user', {}).get('ID')}")
    print(f"PASS browser: Chromium {version} headless via WebDriver: /app sign-in form, #identifier + #submit, "
          f"wrong code shows #error, OTP from /dev/outbox, redirect to {redirect_url} with code/state/"
          f"challenge_id, code exchanged with the PKCE verifier; screenshots in {out_dir}", flush=True)


if __name__ == "__main__":
    emu.run_main(main, "browser")

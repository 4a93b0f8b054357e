"""Cotter's JS SDK's own sign-in form in a real browser: the unmodified browser bundle of npm
`cotter` 0.3.35 (`dist/cotter.min.js`) on a page served from another loopback port, pointed at the
emulator, runs `signInWithOTP().showEmailForm()` in Debian's Chromium, headless, driven through
WebDriver (selenium + Debian's chromedriver).

Environment: COTTER_EMULATOR_URL, COTTER_NODE_MODULES (the folder holding node_modules/cotter),
COTTER_CLIENTS_OUT (screenshots: js-sdk-form.png, js-sdk-otp.png, js-sdk-signed-in.png). Prints one
"ok:" line per check and a final PASS line; exits non-zero on the first failed check.

The page is on http://127.0.0.1:<other port>, so every API call is cross-origin (CORS with
credentials) and the form is the emulator's `/signup` page in an iframe, talking to the SDK with
postMessage. The page sets what an app pointed at another Cotter would: `CotterBaseURL` (the form's
origin) in the config, and `CotterEnum.BackendURL` (the SDK has no config field for the API base).
Its `Date` follows the emulator's `/dev/clock` offset, as in js_sdk.js.
"""

import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import emulator_user as emu  # noqa: E402
from browser_hosted_page import CHROMEDRIVER, CHROMIUM, check, chromium, screenshot  # noqa: E402

from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

IDENTIFIER = "js-browser@example.com"

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>JS SDK app</title></head>
<body><h1>An app on another origin</h1>
<div id="cotter-form-container" style="width:420px;height:430px;border:1px solid #ccc"></div>
<script>
// The SDK judges expiry with the local clock; follow the emulator's /dev/clock offset.
window.clockOffsetMs = 0;
(function () {
  const RealDate = Date;
  class ClockDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + window.clockOffsetMs); else super(...args);
    }
    static now() { return RealDate.now() + window.clockOffsetMs; }
  }
  window.Date = ClockDate;
})();
window.app = { events: [], success: null, error: null };
</script>
<script src="/cotter.min.js"></script>
<script>
const EMULATOR = %(emulator)s;
const API_KEY = %(api_key)s;
const SDK = typeof Cotter === "function" ? Cotter : Cotter.default;
const Enum = Cotter.CotterEnum || SDK.CotterEnum;
Enum.BackendURL = EMULATOR + "/api/v0";
window.cotter = new SDK({
  ApiKeyID: API_KEY,
  CotterBaseURL: EMULATOR,
  ContainerID: "cotter-form-container",
  OnSuccess: (payload) => { window.app.events.push("OnSuccess"); window.app.success = payload; },
  OnError: (e) => { window.app.events.push("OnError"); window.app.error = String(JSON.stringify(e)); },
});
window.cotter.signInWithOTP().showEmailForm()
  .then((resp) => window.app.events.push("resolved"))
  .catch((e) => { window.app.error = String(e); });
</script></body></html>
"""


def page_server(emulator, bundle):
    page = (PAGE % {"emulator": json.dumps(emulator), "api_key": json.dumps(emu.API_KEY)}).encode()
    with open(bundle, "rb") as f:
        script = f.read()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/":
                body, kind = page, "text/html; charset=utf-8"
            elif self.path == "/cotter.min.js":
                body, kind = script, "application/javascript"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def wait_for(driver, script, what, timeout=15):
    """Polls `script` (returns a value) until it is truthy."""
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: d.execute_script(script))
    except TimeoutException:
        state = driver.execute_script("return JSON.stringify(window.app)")
        raise AssertionError(f"{what}: not within {timeout} s (page state {state})") from None


def run_async(driver, body):
    """Runs an async JS body in the page; returns what it resolves to (errors as {'error': …})."""
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        f"(async () => {{ {body} }})().then(done, (e) => done({{error: String(e)}}));")


def in_form(driver, element_id, what):
    """Switches into the SDK's iframe and waits for #element_id there."""
    driver.switch_to.default_content()
    frame = WebDriverWait(driver, 15).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, "#cotter-form-container iframe")))
    driver.switch_to.frame(frame)
    try:
        return WebDriverWait(driver, 15).until(EC.visibility_of_element_located((By.ID, element_id)))
    except TimeoutException:
        text = driver.find_element(By.TAG_NAME, "body").text[:300]
        raise AssertionError(f"{what}: no #{element_id} in the form (it says {text!r})") from None


def main():
    base = emu.emulator_url()
    out_dir = os.environ.get("COTTER_CLIENTS_OUT") or tempfile.mkdtemp()
    modules = os.environ.get("COTTER_NODE_MODULES")
    if not modules:
        raise SystemExit("COTTER_NODE_MODULES must name the folder holding node_modules/cotter")
    bundle = os.path.join(modules, "node_modules", "cotter", "dist", "cotter.min.js")
    with open(os.path.join(modules, "node_modules", "cotter", "package.json")) as f:
        version = json.load(f)["version"]
    check(version == "0.3.35" and os.path.isfile(bundle), f"npm cotter {version} browser bundle {bundle}")
    for tool in (CHROMIUM, CHROMEDRIVER):
        check(os.access(tool, os.X_OK), f"{tool} is installed")
    seen = emu.dev_json("GET", "/dev/requests")
    since = seen[-1]["id"] if seen else 0
    server = page_server(base, bundle)
    app_url = f"http://127.0.0.1:{server.server_address[1]}/"
    check(app_url.split(":")[2] != base.split(":")[2], f"the app page {app_url} is another origin than {base}")

    user_data_dir = tempfile.mkdtemp(prefix="cotter-chromium-js-")
    driver = chromium(user_data_dir)
    try:
        driver.set_script_timeout(20)
        browser = driver.capabilities.get("browserVersion", "?")
        driver.get(app_url)
        src = driver.find_element(By.CSS_SELECTOR, "#cotter-form-container iframe").get_attribute("src")
        check(src.startswith(f"{base}/signup?challenge=") and "&type=EMAIL&" in src and
              f"&domain=http://127.0.0.1:{server.server_address[1]}&" in src and "&id=" in src,
              f"showEmailForm() put the emulator's form in an iframe: {src.split('?')[0]}?challenge=…&"
              f"type=EMAIL&domain=…&api_key=…&redirect_url=…&state=…&id=…")
        field = in_form(driver, "identifier", "the SDK's form")
        driver.switch_to.default_content()
        path = screenshot(driver, out_dir, "js-sdk-form.png")
        check(True, f"the form is shown (FIRST_LOAD → CONFIG → LOADED); screenshot {path}")
        field = in_form(driver, "identifier", "the SDK's form")
        field.send_keys(IDENTIFIER)
        driver.find_element(By.ID, "submit").click()
        otp_field = in_form(driver, "otp", "after ON_BEGIN → CONTINUE_SUBMIT")
        sent_to = driver.find_element(By.ID, "sent-to").text
        driver.switch_to.default_content()
        path = screenshot(driver, out_dir, "js-sdk-otp.png")
        check(sent_to == IDENTIFIER, f"ON_BEGIN, CONTINUE_SUBMIT: the code went to {sent_to}; screenshot {path}")
        otp = emu.latest_otp(IDENTIFIER)
        otp_field = in_form(driver, "otp", "the code form")
        wrong = "".join(str((int(c) + 1) % 10) for c in otp)
        otp_field.send_keys(wrong)
        driver.find_element(By.ID, "verify").click()
        error = WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "error").text)
        check("not right" in error, f"a wrong code shows {error!r} in the form")
        otp_field = driver.find_element(By.ID, "otp")
        otp_field.clear()
        otp_field.send_keys(otp)
        driver.find_element(By.ID, "verify").click()
        driver.switch_to.default_content()
        success = wait_for(driver, "return window.app.success", "OnSuccess after the OTP")
        oauth = success.get("oauth_token") or {}
        check(oauth.get("access_token") and oauth.get("refresh_token") and
              success.get("email") == IDENTIFIER and success.get("user", {}).get("identifier") == IDENTIFIER,
              f"OnSuccess fired with oauth_token (token_type {oauth.get('token_type')}, expires_in "
              f"{oauth.get('expires_in')}) for {success.get('email')}")
        in_form(driver, "done", "DONE_SUCCESS")
        driver.switch_to.default_content()
        path = screenshot(driver, out_dir, "js-sdk-signed-in.png")
        check(wait_for(driver, "return window.app.events.includes('resolved') && window.app.events",
                       "the showEmailForm() promise") and not driver.execute_script("return window.app.error"),
              f"DONE_SUCCESS reached the form and the showEmailForm() promise resolved; screenshot {path}")
        journal = emu.dev_json("GET", f"/dev/requests?since={since}")
        exchange = [(e["method"], e["status"]) for e in journal if e["path"] == "/api/v0/verify/get_identity"]
        check(exchange == [("OPTIONS", 204), ("POST", 200)],
              f"the SDK exchanged the code itself, cross-origin: {exchange} on /verify/get_identity (a "
              f"preflight, then the POST with its PKCE verifier and the page's origin as redirect_url)")

        # getAccessToken(): cached while valid, refreshed after /dev/clock (cross-origin, with cookie).
        first = run_async(driver, "const t = await cotter.tokenHandler.getAccessToken(); return t && t.token;")
        check(first == oauth["access_token"], "getAccessToken() returns the token from OnSuccess while valid")
        before = emu.stats()["refresh"]
        offset = emu.advance_clock(3600 + 60)
        driver.execute_script(f"window.clockOffsetMs = {offset * 1000};")
        second = run_async(driver, "const t = await cotter.tokenHandler.getAccessToken();"
                                   "return t && {token: t.token, exp: t.getExpiration(), now: Date.now() / 1000};")
        check(isinstance(second, dict) and second.get("token") and second["token"] != first and
              second["exp"] > second["now"] and emu.stats()["refresh"] == before + 1,
              f"after POST /dev/clock (+{offset} s) getAccessToken() refreshed once and returned a new, "
              f"unexpired token")
        rft = driver.execute_script("return localStorage.getItem('rft')")
        cookie_refresh = run_async(driver, f"""
            const r = await fetch({json.dumps(base)} + "/api/v0/token/" + API_KEY, {{method: "POST",
              credentials: "include", headers: {{"Content-Type": "application/json", API_KEY_ID: API_KEY}},
              body: JSON.stringify({{grant_type: "refresh_token"}})}});
            const j = await r.json();
            if (r.ok) {{ localStorage.setItem("rft", j.refresh_token); }}
            return {{status: r.status, id: (j.refresh_token || "").split(":")[0]}};""")
        check(cookie_refresh.get("status") == 200 and cookie_refresh["id"] == rft.split(":")[0],
              "a cross-origin refresh without a token in the body used the HttpOnly cookie (same session)")

        # logOut(): DELETE /token/<key> without a body revokes the cookie's session.
        last = driver.execute_script("return localStorage.getItem('rft')")
        revokes = emu.stats()["revoke"]
        result = run_async(driver, "await cotter.logOut(); return 'done';")
        check(result == "done" and emu.stats()["revoke"] == revokes + 1 and
              driver.execute_script("return localStorage.getItem('rft')") is None,
              "logOut() sent DELETE /token/<api key> (no body) and cleared localStorage")
        status, _, raw = emu.request(
            "POST", f"{base}/api/v0/token/{emu.API_KEY}",
            json.dumps({"grant_type": "refresh_token", "refresh_token": last}).encode(),
            {"Content-Type": "application/json", "API_KEY_ID": emu.API_KEY})
        check(status == 400 and b"not valid" in raw,
              f"the next refresh of that session fails: HTTP {status} {json.loads(raw)['msg']!r}")
        after = run_async(driver, "const t = await cotter.tokenHandler.getAccessToken(); return t === null;")
        check(after is True, "getAccessToken() after logOut() returns null")
        gone = run_async(driver, f"""
            const r = await fetch({json.dumps(base)} + "/api/v0/token/" + API_KEY, {{method: "POST",
              credentials: "include", headers: {{"Content-Type": "application/json", API_KEY_ID: API_KEY}},
              body: JSON.stringify({{grant_type: "refresh_token"}})}});
            return {{status: r.status, msg: (await r.json()).msg}};""")
        check(gone.get("status") == 400 and "none was sent" in gone.get("msg", ""),
              f"logOut() also cleared the cookie: a refresh with credentials sends none ({gone.get('msg')!r})")
    finally:
        driver.quit()
        shutil.rmtree(user_data_dir, ignore_errors=True)
        server.shutdown()
    print(f"PASS browser-js-sdk: Chromium {browser} headless, npm cotter {version} browser bundle unmodified "
          f"on {app_url}: signInWithOTP().showEmailForm() in the emulator's /signup iframe (postMessage), "
          f"OTP from the outbox, OnSuccess with oauth_token, getAccessToken() refreshed after /dev/clock, "
          f"cookie refresh, logOut() revoked the session; screenshots in {out_dir}", flush=True)


if __name__ == "__main__":
    emu.run_main(main, "browser-js-sdk")

"""State that survives a restart (`--state FILE`), through Cotter's own python SDK (PyPI `cotter`
0.0.7, unmodified).

Environment: COTTER_EMULATOR_BIN (the cotter-emulator binary; this script starts and stops its own
emulators), optional COTTER_CLIENTS_OUT. Prints "ok:" lines, the restart figures, and a PASS line.

1. starts `cotter-emulator --port P --state DIR/state.json`, signs in with
   `cotter.login_with_email_otp` (hosted page, the SDK's redirect server), stores the tokens with
   `cotter.tokenhandler`, and enrols a trusted device (a P-256 key made with `cryptography`,
   `PUT /user/methods`);
2. stops it with SIGTERM (exit 0), starts it again on the same port with the same `--state`, and
   checks what came back: the old access and ID tokens still validate against the JWKS
   (`cotter.validate`), the device is still trusted and signs a sign-in (`POST /event/create`), and
   after `POST /dev/clock` past expiry the SDK's token handler refreshes with the old refresh token;
3. the same after SIGKILL (`kill -9`) instead of SIGTERM.
"""

import base64
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import emulator_user as emu  # noqa: E402
import python_sdk as sdk  # noqa: E402  (the clock shift and helpers of python_sdk.py)

import cotter  # noqa: E402
import cotter.constants  # noqa: E402
import cotter.tokenhandler  # noqa: E402
import cotter.validate  # noqa: E402
import jose.jwt  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

check = sdk.check
API_KEY = emu.API_KEY
IDENTIFIER = "restart@example.com"


class Emulator:
    """One cotter-emulator process on `port` with `--state state`."""

    def __init__(self, binary, port, state, log):
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [binary, "--port", str(port), "--state", state, "--quiet"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
        first = self.proc.stdout.readline().strip()
        self.listening_s = time.monotonic() - self.started
        prefix = "cotter-emulator listening on "
        if not first.startswith(prefix):
            self.proc.kill()
            raise AssertionError(f"the emulator's first line is {first!r}")
        self.url = first[len(prefix):]
        self.log = log
        # The first answered request: the JWKS.
        status, _, _ = emu.request("GET", self.url + "/api/v0/token/jwks")
        self.serving_s = time.monotonic() - self.started
        check(status == 200, f"emulator pid {self.proc.pid} at {self.url} (--state {state}) answered "
              f"after {self.serving_s * 1000:.0f} ms")

    def stop(self, sig):
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=10)
        rest = self.proc.stdout.read()
        with open(self.log, "a") as f:
            f.write(rest)
        return code


def device_key():
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, base64.b64encode(der).decode()


def api(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    status, _, raw = emu.request(method, emu.emulator_url() + path, data,
                                 {"Content-Type": "application/json", "API_KEY_ID": API_KEY})
    return status, json.loads(raw) if raw else None


def device_sign_in(user_id, key, public):
    """POST /event/create signed by the device: a sign-in only a trusted device can make."""
    now = emu.dev_json("GET", "/dev/clock")["now"]
    event = "LOGIN_WITH_DEVICE"
    message = f"{user_id}{API_KEY}{event}{now}TRUSTED_DEVICEtrue"
    signature = base64.b64encode(key.sign(message.encode(), ec.ECDSA(hashes.SHA256()))).decode()
    return api("POST", "/api/v0/event/create?oauth_token=true", {
        "issuer": API_KEY, "event": event, "ip": "127.0.0.1", "location": "here", "timestamp": str(now),
        "method": "TRUSTED_DEVICE", "code": signature, "approved": True, "public_key": public,
        "algorithm": "EC", "user_id": user_id})


def came_back(label, user_id, key, public, tokens, token_file, kid):
    """What must survive; returns the refreshed tokens."""
    sdk.EmulatorClock.offset = emu.dev_json("GET", "/dev/clock")["offset"]
    jwks = emu.dev_json("GET", "/api/v0/token/jwks")
    check(jwks["keys"][0]["kid"] == kid, f"{label}: the JWKS has the same signing key (kid {kid[:28]}…)")
    access = cotter.validate.validate_access_token(tokens["access_token"], API_KEY)
    cotter.validate.validate_id_token(tokens["id_token"], API_KEY)
    check(access["sub"] == user_id, f"{label}: the old access and ID tokens still validate against the JWKS")
    status, enrolled = api("GET", f"/api/v0/user/enrolled/{user_id}/TRUSTED_DEVICE/"
                           + base64.urlsafe_b64encode(public.encode()).decode())
    check(status == 200 and enrolled["enrolled"] is True, f"{label}: the device is still trusted")
    status, signed = device_sign_in(user_id, key, public)
    check(status == 200 and signed["approved"] and signed["oauth_token"]["access_token"],
          f"{label}: the device's signed sign-in (POST /event/create) is accepted")
    sdk.EmulatorClock.offset = emu.advance_clock(3600 + 60)
    before = emu.stats()["refresh"]
    fresh = cotter.tokenhandler.get_token_from_file(token_file, API_KEY)
    check(fresh["access_token"] != tokens["access_token"] and emu.stats()["refresh"] == before + 1
          and fresh["refresh_token"].split(":")[0] == tokens["refresh_token"].split(":")[0],
          f"{label}: past expiry the SDK's token handler refreshed with the old refresh token "
          f"(session {fresh['refresh_token'].split(':')[0]}, rotated)")
    return fresh


def main():
    binary = os.environ.get("COTTER_EMULATOR_BIN")
    if not binary or not os.access(binary, os.X_OK):
        raise SystemExit("COTTER_EMULATOR_BIN must name the cotter-emulator binary")
    out_dir = os.environ.get("COTTER_CLIENTS_OUT") or tempfile.mkdtemp()
    work = tempfile.mkdtemp(prefix="cotter-restart-")
    state = os.path.join(work, "state.json")
    log = os.path.join(out_dir, "python-restart-emulators.log")
    open(log, "w").close()
    port = sdk.free_port()

    first = Emulator(binary, port, state, log)
    os.environ["COTTER_EMULATOR_URL"] = first.url
    cotter.constants.CotterBackendURL = first.url + "/api/v0"
    cotter.constants.CotterJSURL = first.url
    cotter.constants.CotterJWKSURL = first.url + "/api/v0/token/jwks"
    jose.jwt.datetime = sdk.EmulatorClock
    user_log = os.path.join(out_dir, "python-restart-user.log")
    open(user_log, "w").close()
    os.environ.update({"BROWSER": os.path.join(HERE, "cotter-test-browser"),
                       "COTTER_USER_PYTHON": sys.executable, "COTTER_USER_LOG": user_log,
                       "COTTER_USER_IDENTIFIER": IDENTIFIER})
    resp = cotter.login_with_email_otp(API_KEY, sdk.free_port())
    user_id, tokens = resp["user"]["ID"], resp["oauth_token"]
    check(resp["user"]["identifier"] == IDENTIFIER, f"signed in with cotter.login_with_email_otp as {user_id}")
    token_file = os.path.join(work, "tokens.json")
    cotter.tokenhandler.store_token_to_file(tokens, token_file)
    key, public = device_key()
    status, enrolled = api("PUT", f"/api/v0/user/methods?cotter_user_id={user_id}",
                           {"method": "TRUSTED_DEVICE", "enrolled": True, "code": public,
                            "algorithm": "EC", "device_type": "DESKTOP", "device_name": "restart test"})
    check(status == 200 and "TRUSTED_DEVICE" in enrolled["enrolled"], "enrolled a P-256 trusted device")
    kid = jose.jwt.get_unverified_header(tokens["access_token"])["kid"]
    saved = json.load(open(state))
    check(user_id in saved["users"] and saved["sessions"], f"{state} holds the user and the session "
          f"({os.path.getsize(state)} bytes, written atomically after each change)")

    figures = []
    for label, sig in (("SIGTERM", signal.SIGTERM), ("SIGKILL", signal.SIGKILL)):
        running = first
        code = running.stop(sig)
        expected = 0 if sig == signal.SIGTERM else -signal.SIGKILL
        check(code == expected, f"{label}: the emulator stopped (exit {code})")
        again = Emulator(binary, port, state, log)
        check(again.url == first.url, f"{label}: started again on {again.url} with the same --state")
        users = emu.dev_json("GET", "/dev/users")
        sessions = emu.dev_json("GET", "/dev/sessions")
        devices = emu.dev_json("GET", "/dev/devices")
        offset = emu.dev_json("GET", "/dev/clock")["offset"]
        back = (f"{len(users)} user, {len(sessions)} session(s) "
                f"({sum(s['status'] == 'active' for s in sessions)} active), {len(devices)} device, "
                f"clock offset {offset} s, signing key {kid[:28]}…")
        check(len(users) == 1 and len(devices) == 1, f"after {label}: {back}")
        tokens = came_back(f"after {label}", user_id, key, public, tokens, token_file, kid)
        figures.append(f"{label}: first line after {again.listening_s * 1000:.0f} ms, serving after "
                       f"{again.serving_s * 1000:.0f} ms; back: {back}")
        first = again
    first.stop(signal.SIGTERM)
    for line in figures:
        print(f"restart {line}", flush=True)
    print("PASS python-restart: cotter 0.0.7 signed in and a device enrolled; after SIGTERM and after "
          "SIGKILL the emulator restarted with the same --state: old tokens validate against the JWKS, "
          "the device is trusted and signs in, the SDK refreshes with the old refresh token; "
          + "; ".join(figures), flush=True)


if __name__ == "__main__":
    emu.run_main(main, "python-restart")

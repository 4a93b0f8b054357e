"""Standard-library helpers shared by the client scripts: talk to a running cotter-emulator and play
the user on its hosted page by following the page's HTML forms (no JavaScript, like a text browser).

Only the standard library is used, so the BROWSER stand-in (`play_user.py`) runs under any Python 3.
"""

import html.parser
import http.client
import json
import os
import ssl
import sys
import time
import traceback
import urllib.parse

API_KEY = os.environ.get("COTTER_API_KEY", "cotter-dev-api-key")


def emulator_url():
    """The emulator's base URL (`http://127.0.0.1:PORT` or, with `--tls`, `https://…`), from
    COTTER_EMULATOR_URL."""
    url = os.environ.get("COTTER_EMULATOR_URL", "").rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise SystemExit("COTTER_EMULATOR_URL must be the emulator's http:// or https:// base URL")
    return url


def tls_context():
    """A verifying TLS context that trusts the CA in REQUESTS_CA_BUNDLE (the emulator's
    `--tls-ca-out` file, which the SDK's `requests` trusts too), or the system's roots."""
    return ssl.create_default_context(cafile=os.environ.get("REQUESTS_CA_BUNDLE") or None)


def request(method, url, body=None, headers=None, timeout=10):
    """One HTTP(S) request without following redirects: (status, headers dict lower-cased, body
    bytes). HTTPS is verified (chain and host name)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, parts.port or 443, timeout=timeout,
                                           context=tls_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def dev_json(method, path, body=None):
    """Calls a /dev/ control (or any JSON endpoint) of the emulator and returns the decoded JSON."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if data is not None else {}
    status, _, raw = request(method, emulator_url() + path, data, headers)
    if status != 200:
        raise RuntimeError(f"{method} {path}: HTTP {status}: {raw[:200]!r}")
    return json.loads(raw)


def advance_clock(seconds):
    """POST /dev/clock; returns the emulator's total clock offset in seconds."""
    return dev_json("POST", "/dev/clock", {"advance": seconds})["offset"]


def stats():
    return dev_json("GET", "/dev/stats")


def latest_otp(identifier):
    """The newest OTP the emulator 'sent' to `identifier` (GET /dev/outbox?identifier=)."""
    q = urllib.parse.urlencode({"identifier": identifier})
    messages = dev_json("GET", "/dev/outbox?" + q)
    otps = [m["otp"] for m in messages if m.get("otp")]
    if not otps:
        raise RuntimeError(f"no OTP in the outbox for {identifier}")
    return otps[-1]


class _Forms(html.parser.HTMLParser):
    """Collects each <form>: action, method and its <input> elements (name, id, value, type)."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""),
                               "method": attrs.get("method", "get").upper(), "inputs": []})
        elif tag == "input" and self.forms:
            self.forms[-1]["inputs"].append(attrs)


def only_form(page):
    parser = _Forms()
    parser.feed(page)
    if len(parser.forms) != 1:
        raise RuntimeError(f"expected one form on the page, found {len(parser.forms)}: {page[:300]}")
    return parser.forms[0]


def submit(page_url, form, fill):
    """Submits `form` like a browser: hidden/default values plus `fill` (input id -> value)."""
    fields = []
    for inp in form["inputs"]:
        name = inp.get("name")
        if not name:
            continue
        value = fill.get(inp.get("id"), inp.get("value") or "")
        fields.append((name, value))
    missing = set(fill) - {inp.get("id") for inp in form["inputs"]}
    if missing:
        raise RuntimeError(f"the form has no input with id {sorted(missing)}")
    url = urllib.parse.urljoin(page_url, form["action"])
    body = urllib.parse.urlencode(fields).encode()
    return url, request(form["method"], url, body,
                        {"Content-Type": "application/x-www-form-urlencoded"})


def sign_in_with_otp(app_url, identifier, log=print):
    """Plays the user from the hosted page URL to the final redirect; returns its Location.

    GET /app?... -> identifier form; submit #identifier -> OTP form; read the OTP from the
    outbox; submit #otp -> 303 to redirect_url?code=..&state=..&challenge_id=..
    """
    status, _, body = request("GET", app_url)
    if status != 200:
        raise RuntimeError(f"GET {app_url}: HTTP {status}: {body[:300]!r}")
    form = only_form(body.decode())
    log(f"user: hosted page served the identifier form (action {form['action']})")
    url, (status, _, body) = submit(app_url, form, {"identifier": identifier})
    if status != 200:
        raise RuntimeError(f"POST {url}: HTTP {status}: {body[:300]!r}")
    otp_form = only_form(body.decode())
    otp = latest_otp(identifier)
    log(f"user: read OTP {otp} for {identifier} from /dev/outbox")
    url, (status, headers, body) = submit(url, otp_form, {"otp": otp})
    if status != 303 or "location" not in headers:
        raise RuntimeError(f"POST {url}: expected 303 with Location, got HTTP {status}: {body[:300]!r}")
    log(f"user: OTP accepted, 303 to {headers['location']}")
    return headers["location"]


def get_with_retry(url, deadline_s=20):
    """GET `url`, retrying while nothing listens there yet (connection refused)."""
    start = time.monotonic()
    while True:
        try:
            return request("GET", url)
        except ConnectionRefusedError:
            if time.monotonic() - start > deadline_s:
                raise
            time.sleep(0.1)


def redirect_query(location):
    """The query of a redirect Location as a dict of single values."""
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def run_main(main, name):
    """Runs `main`; on any error prints the traceback, then one `FAIL name: reason` line, exit 1."""
    try:
        main()
    except BaseException as e:  # noqa: BLE001 - every failure must end in a FAIL line
        traceback.print_exc()
        reason = (str(e).strip().splitlines() or [""])[0]
        print(f"FAIL {name}: {type(e).__name__}: {reason}", flush=True)
        sys.exit(1)

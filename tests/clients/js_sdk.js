// Cotter's own JS SDK (npm `cotter` 0.3.35, unmodified) run headless in Node against a running
// cotter-emulator. See README.md.
//
// Environment: COTTER_EMULATOR_URL (http://127.0.0.1:PORT), COTTER_NODE_MODULES (the folder holding
// node_modules/cotter). Prints one "ok:" line per check and a final PASS line; exits 1 on failure.
//
// The shim gives the SDK what a browser page would: window.localStorage/localStorage,
// window.crypto (Node's WebCrypto), window.location, window.addEventListener, document.getElementById.
// Clock: the SDK judges expiry with `new Date()`; the emulator's clock is the real clock plus the
// offset that POST /dev/clock adds, so `Date` here follows that offset too (both sides see time pass).
"use strict";

const path = require("path");
const nodeCrypto = require("crypto");
const { createRequire } = require("module");

const BASE = (process.env.COTTER_EMULATOR_URL || "").replace(/\/$/, "");
const MODULES = process.env.COTTER_NODE_MODULES;
const API_KEY = process.env.COTTER_API_KEY || "cotter-dev-api-key";
const IDENTIFIER = "js-sdk@example.com";
// The page this "web app" runs on; the SDK sends its origin as redirect_url.
const PAGE = "http://localhost:3000/login";
const REFRESH_TOKEN = /^(\d+):[A-Za-z0-9]{50}$/;

// ---------- browser shim ----------
function makeStorage() {
  const items = new Map();
  return {
    getItem: (k) => (items.has(k) ? items.get(k) : null),
    setItem: (k, v) => void items.set(k, String(v)),
    removeItem: (k) => void items.delete(k),
    clear: () => items.clear(),
  };
}
const localStorage = makeStorage();
globalThis.localStorage = localStorage;
globalThis.window = {
  localStorage,
  sessionStorage: makeStorage(),
  crypto: nodeCrypto.webcrypto,
  location: new URL(PAGE),
  addEventListener: () => {},
};
globalThis.document = { getElementById: () => null };

const RealDate = Date;
let clockOffsetMs = 0;
class EmulatorClockDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + clockOffsetMs);
    else super(...args);
  }
  static now() {
    return RealDate.now() + clockOffsetMs;
  }
}
globalThis.Date = EmulatorClockDate;

// ---------- helpers ----------
function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
  console.log(`ok: ${what}`);
}

async function devJson(method, p, body) {
  const resp = await fetch(BASE + p, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (resp.status !== 200) throw new Error(`${method} ${p}: HTTP ${resp.status} ${await resp.text()}`);
  return resp.json();
}
const stats = () => devJson("GET", "/dev/stats");
async function advance(seconds) {
  const { offset } = await devJson("POST", "/dev/clock", { advance: seconds });
  clockOffsetMs = offset * 1000;
  return offset;
}
const nowSecs = () => Date.now() / 1000;

function parseForm(html) {
  const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
  if (forms.length !== 1) throw new Error(`expected one form, found ${forms.length}: ${html.slice(0, 300)}`);
  const attrs = (s) => Object.fromEntries([...s.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const form = attrs(forms[0][1]);
  const inputs = [...forms[0][2].matchAll(/<input\b([^>]*)>/g)].map((m) => attrs(m[1]));
  return { action: form.action, method: (form.method || "get").toUpperCase(), inputs };
}

async function submitForm(pageUrl, form, fill) {
  const fields = new URLSearchParams();
  for (const input of form.inputs) {
    if (!input.name) continue;
    fields.append(input.name, input.id in fill ? fill[input.id] : input.value || "");
  }
  const url = new URL(form.action, pageUrl).href;
  const resp = await fetch(url, {
    method: form.method,
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: fields.toString(),
    redirect: "manual",
  });
  return { url, resp };
}

// The user on the hosted page: identifier form -> OTP from the outbox -> 303 to redirect_url.
async function playUser(appUrl) {
  const page = await fetch(appUrl);
  if (page.status !== 200) {
    const error = /<p id="error"[^>]*>([^<]*)</.exec(await page.text());
    throw new Error(`GET /app: HTTP ${page.status}: ${error ? error[1] : "no #error on the page"}`);
  }
  let { url, resp } = await submitForm(appUrl, parseForm(await page.text()), { identifier: IDENTIFIER });
  if (resp.status !== 200) throw new Error(`POST ${url}: HTTP ${resp.status}`);
  const otpForm = parseForm(await resp.text());
  const outbox = await devJson("GET", "/dev/outbox?identifier=" + encodeURIComponent(IDENTIFIER));
  const otp = outbox.filter((m) => m.otp).pop().otp;
  console.log(`user: read OTP ${otp} for ${IDENTIFIER} from /dev/outbox`);
  ({ url, resp } = await submitForm(url, otpForm, { otp }));
  if (resp.status !== 303) throw new Error(`POST ${url}: expected 303, got ${resp.status} ${await resp.text()}`);
  const location = resp.headers.get("location");
  console.log(`user: OTP accepted, 303 to ${location}`);
  return new URL(location);
}

let jwks = null;
async function verifySignature(jwt) {
  if (!jwks) jwks = await (await fetch(`${BASE}/api/v0/token/jwks`)).json();
  const [h, p, s] = jwt.split(".");
  const { kid, alg } = JSON.parse(Buffer.from(h, "base64url"));
  const jwk = jwks.keys.find((k) => k.kid === kid);
  if (alg !== "ES256" || !jwk) return false;
  const key = nodeCrypto.createPublicKey({ key: jwk, format: "jwk" });
  return nodeCrypto.verify("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" },
    Buffer.from(s, "base64url"));
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------- the test ----------
async function main() {
  if (!BASE.startsWith("http://") || !MODULES) throw new Error("set COTTER_EMULATOR_URL and COTTER_NODE_MODULES");
  const req = createRequire(path.join(MODULES, "package.json"));
  const version = req("cotter/package.json").version;
  const sdk = req("cotter");
  const Cotter = sdk.default;
  const TokenHandler = req("cotter/lib/handler/TokenHandler").default;
  sdk.CotterEnum.BackendURL = `${BASE}/api/v0`;
  sdk.CotterEnum.JSURL = BASE;
  console.log(`cotter ${version} from ${req.resolve("cotter")}; BackendURL ${sdk.CotterEnum.BackendURL}`);
  check(version === "0.3.35", "npm cotter is version 0.3.35");

  // 1. Sign in: the SDK's own PKCE verifier, challenge and state; the user on the hosted page.
  const result = new Promise((resolve, reject) => {
    globalThis.onCotterResult = { resolve, reject };
  });
  const cotter = new Cotter({
    ApiKeyID: API_KEY,
    Type: "EMAIL",
    OnSuccess: (data) => globalThis.onCotterResult.resolve(data),
    OnError: (err) => globalThis.onCotterResult.reject(err),
  });
  for (let i = 0; i < 100 && !cotter.challenge; i++) await new Promise((r) => setTimeout(r, 10));
  const ours = nodeCrypto.createHash("sha256").update(cotter.verifier).digest("base64url");
  check(/^[0-9a-f]{56}$/.test(cotter.verifier) && cotter.challenge === ours,
    `SDK PKCE: 56-hex verifier, challenge = base64url(SHA-256(verifier)) (${ours})`);
  const redirectUrl = new URL(PAGE).origin;
  const appUrl = `${BASE}/app?` + new URLSearchParams({
    api_key: API_KEY, redirect_url: redirectUrl, type: "EMAIL",
    code_challenge: cotter.challenge, state: cotter.state, auth_method: "OTP",
  });
  const back = await playUser(appUrl);
  const q = Object.fromEntries(back.searchParams);
  check(back.origin === redirectUrl && q.code && q.state === cotter.state && /^\d+$/.test(q.challenge_id),
    `redirect to ${redirectUrl} with code, the SDK's state and challenge_id ${q.challenge_id}`);

  // 2. CotterVerify.prototype.submitAuthorizationCode (what the hosted iframe triggers).
  await cotter.submitAuthorizationCode(
    { authorization_code: q.code, challenge_id: q.challenge_id, state: q.state, client_json: {} },
    cotter.verifier);
  const data = await withTimeout(result, 10000, "submitAuthorizationCode");
  const oauth = data.oauth_token;
  check(data.email === IDENTIFIER && data.user.identifier === IDENTIFIER && oauth && data.token,
    `submitAuthorizationCode -> get_identity: OnSuccess got user ${data.user.ID}, token, oauth_token`);
  check(localStorage.getItem("rft") === oauth.refresh_token && REFRESH_TOKEN.test(oauth.refresh_token),
    `TokenHandler.storeTokens put the refresh token in localStorage["rft"] (${oauth.refresh_token.split(":")[0]}:…)`);
  const me = cotter.getLoggedInUser();
  check(me && me.ID === data.user.ID, "cotter.getLoggedInUser() reads the user stored in localStorage");
  check(await verifySignature(oauth.access_token) && await verifySignature(oauth.id_token),
    "access and ID tokens verify (ES256) under the JWKS key named by their kid");

  // 3. getAccessToken: cached while valid, refreshed after /dev/clock moves past expiry.
  const tokens = cotter.tokenHandler;
  let s0 = await stats();
  let at = await tokens.getAccessToken();
  check(at.getToken ? at.getToken() === oauth.access_token : at.token === oauth.access_token,
    "getAccessToken() returns the stored access token while valid");
  check((await stats()).refresh === s0.refresh, "no refresh request while the token is valid");
  check(at.getAudience() === API_KEY && at.getAuthMethod() === "OTP" && at.getID() === data.user.ID &&
    at.getScope() === "access", "CotterAccessToken: aud = API key, authentication_method OTP, sub = user, scope access");
  let offset = await advance(3600 + 60);
  check(at.getExpiration() < nowSecs(), `after POST /dev/clock (offset ${offset} s) the access token is expired`);
  const rftBefore = localStorage.getItem("rft");
  at = await tokens.getAccessToken();
  let s1 = await stats();
  check(at && at.token !== oauth.access_token && at.getExpiration() > nowSecs() && s1.refresh === s0.refresh + 1,
    "getAccessToken() refreshed once (POST /token/<api key>) and returned a new, unexpired token");
  const rftAfter = localStorage.getItem("rft");
  check(rftAfter !== rftBefore && rftAfter.split(":")[0] === rftBefore.split(":")[0],
    "refresh rotated localStorage[\"rft\"] (same id prefix, new secret)");
  const idt = await tokens.getIDToken();
  check(idt && idt.getIdentifier() === IDENTIFIER && await verifySignature(idt.token),
    "getIDToken() returns the refreshed ID token; it verifies");

  // 4. Five concurrent getAccessToken() at expiry on the page's TokenHandler.
  offset = await advance(3600 + 60);
  s0 = await stats();
  let results = await withTimeout(Promise.all([1, 2, 3, 4, 5].map(() => tokens.getAccessToken())), 15000,
    "5 concurrent getAccessToken");
  s1 = await stats();
  check(results.every((t) => t && t.getExpiration() > nowSecs()),
    `5 concurrent getAccessToken() at expiry all returned unexpired tokens ` +
    `(${s1.refresh - s0.refresh} refresh requests, ${new Set(results.map((t) => t.token)).size} distinct tokens)`);

  // 5. Five "tabs" (TokenHandler instances sharing localStorage) refresh the same token at once:
  //    one rotation, the other four are reuses inside the emulator's grace window.
  const shared = localStorage.getItem("rft");
  const tabs = [1, 2, 3, 4, 5].map(() => new TokenHandler().withApiKeyID(API_KEY));
  s0 = await stats();
  results = await withTimeout(Promise.all(tabs.map((t) => t.getAccessToken())), 15000, "5 tabs");
  s1 = await stats();
  check(results.every((t) => t && t.getExpiration() > nowSecs()) && s1.refresh - s0.refresh === 5 &&
    new Set(results.map((t) => t.token)).size === 1,
    "5 tabs sent 5 refreshes with the same refresh token at once; all succeeded with the same tokens " +
    "(one rotation + four reuses inside the emulator's grace window)");
  check(localStorage.getItem("rft") !== shared, "the shared refresh token was rotated");

  // 6. The session survives: a later refresh with the stored token still works.
  offset = await advance(3600 + 60);
  s0 = await stats();
  at = await tokens.getAccessToken();
  s1 = await stats();
  check(at && at.getExpiration() > nowSecs() && s1.refresh === s0.refresh + 1 && await verifySignature(at.token),
    `later getAccessToken() after expiry (offset ${offset} s) refreshed again: the session survived`);

  // 7. logOut -> TokenHandler.removeTokens -> DELETE /token/<api key>.
  const lastRft = localStorage.getItem("rft");
  s0 = await stats();
  await cotter.logOut();
  s1 = await stats();
  check(s1.revoke === s0.revoke + 1 && localStorage.getItem("rft") === null && cotter.getLoggedInUser() === null,
    "cotter.logOut(): TokenHandler.removeTokens sent DELETE /token/<api key>, cleared rft and the user");
  at = await tokens.getAccessToken();
  check(at === null, "getAccessToken() after logout returns null (refresh without a token is refused)");
  const direct = await fetch(`${BASE}/api/v0/token/${API_KEY}`, {
    method: "POST",
    headers: { API_KEY_ID: API_KEY, "Content-Type": "application/json" },
    body: JSON.stringify({ grant_type: "refresh_token", refresh_token: lastRft }),
  });
  console.log(`note: the SDK's DELETE carries no body (it relies on Cotter's httpOnly cookie, which Node ` +
    `does not keep), so the last refresh token is still usable server-side: POST /token -> HTTP ${direct.status}`);

  console.log(`PASS js-sdk: cotter ${version} in Node: SDK PKCE + hosted page code -> submitAuthorizationCode ` +
    `(get_identity), TokenHandler storeTokens/getAccessToken/getIDToken, refresh after /dev/clock expiry with ` +
    `rotation, 5 concurrent getAccessToken and 5 tabs sharing one refresh token all succeed, session survives, ` +
    `logOut -> removeTokens -> DELETE`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e && e.stack ? e.stack : e);
    const reason = e instanceof Error ? e.message : JSON.stringify(e);
    console.log(`FAIL js-sdk: ${String(reason).split("\n")[0]}`);
    process.exit(1);
  },
);

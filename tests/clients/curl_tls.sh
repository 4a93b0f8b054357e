#!/usr/bin/env bash
# curl against an emulator started with `--tls --tls-ca-out FILE`: with `--cacert FILE` the JWKS
# comes back over a verified TLS connection; without it curl refuses the server (exit 60, "SSL
# certificate problem"). Environment: COTTER_EMULATOR_URL (https://127.0.0.1:PORT), COTTER_CA_FILE.
set -u
url="${COTTER_EMULATOR_URL:?}/api/v0/token/jwks"
ca="${COTTER_CA_FILE:?}"
fail() { echo "FAIL curl-tls: $*"; exit 1; }

case "$url" in https://*) ;; *) fail "COTTER_EMULATOR_URL is not https: $url" ;; esac
body=$(curl --silent --show-error --fail --max-time 10 --cacert "$ca" "$url") || fail "curl --cacert failed"
case "$body" in *'"keys"'*'"kty":"EC"'*) ;; *) fail "no EC key in the JWKS: $body" ;; esac
echo "ok: curl --cacert $(basename "$ca") fetched the JWKS over TLS ($(printf %s "$body" | wc -c) bytes)"

tls=$(curl --silent --max-time 10 --cacert "$ca" --output /dev/null --write-out '%{scheme} %{ssl_verify_result}' "$url")
[ "$tls" = "HTTPS 0" ] || fail "scheme and verify result: $tls"
echo "ok: scheme and certificate verification result: $tls"

curl --silent --show-error --max-time 10 --output /dev/null "$url" 2>err.txt
code=$?
[ "$code" -eq 60 ] || fail "without --cacert curl exited $code, not 60: $(cat err.txt)"
echo "ok: without --cacert curl refuses the server: exit $code, $(head -c 120 err.txt)"
rm -f err.txt
echo "PASS curl-tls: JWKS over verified TLS with --cacert; without it, exit 60 (certificate problem)"

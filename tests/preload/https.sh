#!/usr/bin/env bash
# HttpsURLConnection to openssl s_server with a self-signed certificate, on
# every JDK: a PKIX error without the library, success with the certificate in
# the manifest, the PKIX error again when the manifest also distrusts it.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
ts_require_jdk
ts_require_cmd openssl
pl_setup
ts_selfsigned "$TS_TMP" srv localhost
port=$(ts_free_port)
ts_s_server "$TS_TMP/srv.pem" "$TS_TMP/srv.key" "$port"
url="https://localhost:$port/"
sha=$(ts_sha256_of_pem "$TS_TMP/srv.pem")
cat >"$TS_TMP/trust.json" <<JSON
{ "version": 1, "certificates": [ $(pl_cert_json "$TS_TMP/srv.pem" local-test '["localhost"]') ] }
JSON
cat >"$TS_TMP/distrust.json" <<JSON
{ "version": 1, "certificates": [ $(pl_cert_json "$TS_TMP/srv.pem" local-test '["localhost"]') ],
  "distrust": [ "$sha" ] }
JSON

for jh in $(ts_jdks); do
    if out=$(pl_probe_plain "$jh" https "$url" 2>&1); then
        ts_fail "$jh: connected without the library: $out"
    fi
    echo "$out" | grep -q 'PKIX path building failed' || ts_fail "$jh: expected a PKIX error, got: $out"

    out=$(TRUSTSHIM_LOG=info TRUSTSHIM_MANIFEST="$TS_TMP/trust.json" pl_probe "$jh" https "$url" 2>"$TS_TMP/err") ||
        { cat "$TS_TMP/err" >&2; ts_fail "$jh: failed under the library: $out"; }
    [ "$out" = "OK 200" ] || ts_fail "$jh: expected OK 200, got $out"
    grep -q "info: served .*cacerts (.* 1 from the manifest" "$TS_TMP/err" || ts_fail "$jh: no info line: $(cat "$TS_TMP/err")"
    # TRUSTSHIM_LOG=info: nothing but "served" lines, one per open, in the documented form.
    grep -vxE "$TS_LOG_RE"': info: served /.*/lib/security/cacerts \([0-9]+ entries, 1 from the manifest, 0 distrusted\)' "$TS_TMP/err" &&
        ts_fail "$jh: TRUSTSHIM_LOG=info: unexpected lines above"

    if out=$(TRUSTSHIM_MANIFEST="$TS_TMP/distrust.json" pl_probe "$jh" https "$url" 2>&1); then
        ts_fail "$jh: connected although the certificate is distrusted: $out"
    fi
    echo "$out" | grep -q 'PKIX path building failed' || ts_fail "$jh: expected a PKIX error when distrusted, got: $out"
    ts_log "$jh: PKIX without, OK 200 with, PKIX when distrusted"
done

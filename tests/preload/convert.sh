#!/usr/bin/env bash
# "format" that cannot be applied (a target holding a key, the manifest asking for
# JKS): the file is served merged in its own format with one warning naming it,
# not passed through unchanged; the key entry is kept.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
ts_require_jdk
pl_setup
pl_app_setup
TRUSTSHIM_DISABLE=1 "$jh0/bin/keytool" -genkeypair -keyalg EC -alias me -dname CN=me -validity 30 \
    -keystore "$app/keys.p12" -storetype PKCS12 -storepass s3cret >/dev/null 2>&1 ||
    ts_fail "keytool -genkeypair failed"
cat >"$TS_TMP/manifest.json" <<JSON
{ "version": 1, "format": "jks",
  "certificates": [ $(pl_cert_json "$TS_TMP/srv.pem" local-test '["localhost"]') ],
  "targets": [ { "path": "$app/keys.p12", "password": "s3cret" } ] }
JSON
export TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json"
for jh in $(ts_jdks); do
    out=$("$jh/bin/java" -cp "$PL_CLASSES" TsServe load "$app/keys.p12" PKCS12 s3cret 2>&1)
    [ "$out" = "entries 1" ] || ts_fail "$jh: without the library: $out"
    out=$(ts_with_preload "$jh/bin/java" -Dkeystore.type.compat=false -cp "$PL_CLASSES" TsServe load \
        "$app/keys.p12" PKCS12 s3cret 2>"$TS_TMP/err")
    [ "$out" = "entries 2" ] || ts_fail "$jh: expected the key and the manifest's certificate, as PKCS12: $out $(cat "$TS_TMP/err")"
    [ "$(grep -cE "^$TS_LOG_RE: warning: $app/keys.p12: served as pkcs12" "$TS_TMP/err")" = 1 ] ||
        ts_fail "$jh: expected one warning naming the file: $(cat "$TS_TMP/err")"
    [ "$(grep -cE "^$TS_LOG_RE" "$TS_TMP/err")" = 1 ] || ts_fail "$jh: more than one line: $(cat "$TS_TMP/err")"
done
ts_log "a key store with \"format\": \"jks\" served merged as PKCS12 with one warning, on $(ts_jdks | wc -l) JDK(s)"

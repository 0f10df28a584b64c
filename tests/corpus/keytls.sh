#!/usr/bin/env bash
# A client whose trust store is a KEY store (Tomcat's localhost-rsa.jks style:
# the server's certificate held only as a private-key entry, which the JDK trusts
# through TrustStoreUtil's rule), on every JDK: HTTPS to that server works
# without the library and must keep working with it (the file a targets[] entry
# with its password, the manifest adding another server's certificate, which then
# works too).  JKS and keytool's PKCS12, password not "changeit".
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
ts_require_jdk
ts_require_cmd openssl python3
pl_setup
pw='k3y-st0re-pw'
ts_selfsigned "$TS_TMP" srv localhost
ts_selfsigned "$TS_TMP" other localhost
openssl pkcs12 -export -in "$TS_TMP/srv.pem" -inkey "$TS_TMP/srv.key" -name tomcat -passout pass:srcpass1 \
    -out "$TS_TMP/srv.p12" || ts_fail "openssl pkcs12 -export failed"
jh0=$(ts_jdks | sed -n 1p)
app="$TS_TMP/app"
mkdir -p "$app"
for t in localhost-rsa.jks:JKS localhost-rsa.p12:PKCS12; do
    "$jh0/bin/keytool" -importkeystore -srckeystore "$TS_TMP/srv.p12" -srcstoretype PKCS12 -srcstorepass srcpass1 \
        -destkeystore "$app/${t%%:*}" -deststoretype "${t#*:}" -deststorepass "$pw" -destkeypass "$pw" \
        >/dev/null 2>&1 || ts_fail "keytool -importkeystore ${t%%:*} failed"
done
cat >"$TS_TMP/manifest.json" <<JSON
{ "version": 1,
  "certificates": [ $(pl_cert_json "$TS_TMP/other.pem" other '["localhost"]') ],
  "targets": [ { "path": "$app/localhost-rsa.jks", "password": "$pw" },
               { "path": "$app/localhost-rsa.p12", "password": "$pw" } ] }
JSON
export TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json"
port=$(ts_free_port)
ts_s_server "$TS_TMP/srv.pem" "$TS_TMP/srv.key" "$port"
oport=$(ts_free_port)
ts_s_server "$TS_TMP/other.pem" "$TS_TMP/other.key" "$oport"

failed=0
for jh in $(ts_jdks); do
    for store in localhost-rsa.jks localhost-rsa.p12; do
        props=(-Djavax.net.ssl.trustStore="$app/$store" -Djavax.net.ssl.trustStorePassword="$pw")
        probe=("$jh/bin/java" "${props[@]}" -cp "$PL_CLASSES" TsProbe https)
        out=$("${probe[@]}" "https://localhost:$port/" 2>&1) ||
            ts_fail "$jh: $store: the key entry's server is not trusted even without the library: $out"
        if out=$("${probe[@]}" "https://localhost:$oport/" 2>&1); then
            ts_fail "$jh: $store: the other server is trusted without the library: $out"
        fi
        if ! out=$(ts_with_preload "${probe[@]}" "https://localhost:$port/" 2>&1); then
            ts_log "FAIL $jh: $store: HTTPS to the key entry's server fails under the library: $out"
            failed=1
        fi
        if ! out=$(ts_with_preload "${probe[@]}" "https://localhost:$oport/" 2>&1); then
            ts_log "FAIL $jh: $store: HTTPS to the manifest's server fails under the library: $out"
            failed=1
        fi
    done
    ts_log "$jh: done"
done
[ "$failed" = 0 ] || ts_fail "a key store used as trust store loses trust under the library (see above)"
ts_log "a key store as trust store: its key entry's server and the manifest's server trusted under the library, every JDK"

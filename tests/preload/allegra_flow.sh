#!/usr/bin/env bash
# Allegra's own flow (trackplus/Genji MailBL.setTrustKeyStore, LdapUtil), on
# every JDK: before the mail connection javax.net.ssl.trustStore is cleared,
# then set to <home>/keystore/<mail host>.ks when the directory and the file
# exist; for LDAPS it is set to <home>/keystore/trackplus.ks.  Both then use the
# default SSL socket factory, built once from the store set at the first TLS
# connection.  Mail first then LDAPS, and the reverse, in three layouts (no
# keystore directory; an empty one; a keytool-made <host>.ks and trackplus.ks
# with their own password, given as the directory's password in the manifest): both servers
# trusted every time.  The servers are two `openssl s_server`s; the Java side
# does the TLS handshakes with SSLSocketFactory.getDefault(), as JavaMail and
# JNDI's ldaps do.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
ts_require_jdk
ts_require_cmd openssl
pl_setup
ts_selfsigned "$TS_TMP" mail mail.example.test
ts_selfsigned "$TS_TMP" ldap ldap.example.test
ts_selfsigned "$TS_TMP" own own.example.test
mkdir -p "$TS_TMP/none" "$TS_TMP/empty/keystore" "$TS_TMP/made/keystore"
jh0=$(ts_jdks | sed -n 1p)
# keytool's default store type (PKCS12 on JDK 9+: certificates encrypted with the password).
for f in mail.example.test.ks trackplus.ks; do
    TRUSTSHIM_DISABLE=1 "$jh0/bin/keytool" -importcert -noprompt -alias own -file "$TS_TMP/own.pem" \
        -keystore "$TS_TMP/made/keystore/$f" -storepass other-pw >/dev/null 2>&1 ||
        ts_fail "keytool -importcert $f failed"
done
cat >"$TS_TMP/manifest.json" <<JSON
{ "version": 1,
  "certificates": [ $(pl_cert_json "$TS_TMP/mail.pem" mail '["mail.example.test"]'),
                    $(pl_cert_json "$TS_TMP/ldap.pem" ldap '["ldap.example.test"]') ],
  "keystore_dirs": [ { "path": "$TS_TMP/made/keystore", "password": "other-pw" } ] }
JSON
export TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json"
mail_port=$(ts_free_port)
ts_s_server "$TS_TMP/mail.pem" "$TS_TMP/mail.key" "$mail_port"
ldap_port=$(ts_free_port)
ts_s_server "$TS_TMP/ldap.pem" "$TS_TMP/ldap.key" "$ldap_port"

# flow HOME ORDER [java options]: the steps in ORDER under the library; both must succeed.
flow() {
    local home=$1 order=$2
    shift 2
    ts_with_preload "$jh/bin/java" "$@" -cp "$PL_CLASSES" TsServe allegra "$home" mail.example.test \
        "$mail_port" "$ldap_port" "$order" >"$TS_TMP/out" 2>"$TS_TMP/err" ||
        ts_fail "$jh $home $order: the JVM failed: $(cat "$TS_TMP/err")"
    grep -q '^mail OK' "$TS_TMP/out" && grep -qx 'ldap OK' "$TS_TMP/out" ||
        ts_fail "$jh ${home##*/} $order: $(cat "$TS_TMP/out") $(cat "$TS_TMP/err")"
    [ ! -s "$TS_TMP/err" ] || ts_fail "$jh ${home##*/} $order: stderr: $(cat "$TS_TMP/err")"
}

for jh in $(ts_jdks); do
    # Without the library the mail server is not trusted (the test can fail).
    "$jh/bin/java" -cp "$PL_CLASSES" TsServe allegra "$TS_TMP/made" mail.example.test "$mail_port" "$ldap_port" \
        mail-ldap >"$TS_TMP/out" 2>&1
    grep -q '^mail FAIL' "$TS_TMP/out" || ts_fail "$jh: mail trusted without the library: $(cat "$TS_TMP/out")"
    for order in mail-ldap ldap-mail; do
        ALLEGRA_HOME="$TS_TMP/none" flow "$TS_TMP/none" "$order"
        flow "$TS_TMP/empty" "$order" -DTRACKPLUS_HOME="$TS_TMP/empty"
        flow "$TS_TMP/made" "$order"
        grep -q "^mail OK trustStore=$TS_TMP/made/keystore/mail.example.test.ks" "$TS_TMP/out" ||
            ts_fail "$jh: the keytool-made store was not used: $(cat "$TS_TMP/out")"
    done
    ts_log "$jh: mail and LDAPS trusted in both orders: no keystore directory, an empty one, a keytool-made <host>.ks with its own password"
done

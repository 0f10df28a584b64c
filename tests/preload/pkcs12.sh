#!/usr/bin/env bash
# A fake JRE tree whose lib/security/cacerts is a password-less PKCS12 (made
# here by keytool, as JDK 18+ ships it) is served merged, on every JDK; with
# "format": "pkcs12" the served store is PKCS12 and loads with
# keystore.type.compat=false.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
ts_require_jdk
pl_setup
ts_selfsigned "$TS_TMP" srv mail.example.test
sha=$(ts_sha256_of_pem "$TS_TMP/srv.pem")
jh0=$(ts_jdks | sed -n 1p)
mkdir -p "$TS_TMP/fakejre/lib/security"
store="$TS_TMP/fakejre/lib/security/cacerts"
"$jh0/bin/keytool" -importkeystore -srckeystore /etc/ssl/certs/java/cacerts -srcstorepass changeit \
    -destkeystore "$store" -deststoretype pkcs12 -deststorepass changeit \
    -J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE -J-Dkeystore.pkcs12.macAlgorithm=NONE >/dev/null 2>&1 ||
    ts_fail "keytool -importkeystore failed"
[ "$(head -c1 "$store" | od -An -tx1 | tr -d ' ')" = 30 ] || ts_fail "$store is not DER (PKCS12)"
cat >"$TS_TMP/jks.json" <<JSON
{ "version": 1, "certificates": [ $(pl_cert_json "$TS_TMP/srv.pem" mail '["mail.example.test"]') ] }
JSON
cat >"$TS_TMP/p12.json" <<JSON
{ "version": 1, "format": "pkcs12", "certificates": [ $(pl_cert_json "$TS_TMP/srv.pem" mail '["mail.example.test"]') ] }
JSON

for jh in $(ts_jdks); do
    pl_probe_plain "$jh" load "$store" PKCS12 - >"$TS_TMP/plain.txt" || ts_fail "$jh: cannot load the PKCS12 without the library"
    n=$(sed -n 's/^entries //p' "$TS_TMP/plain.txt")
    [ "$n" -gt 10 ] || ts_fail "$jh: only $n entries in the PKCS12"
    for type in JKS PKCS12; do
        TRUSTSHIM_MANIFEST="$TS_TMP/jks.json" pl_probe "$jh" load "$store" "$type" - >"$TS_TMP/pre.txt" ||
            ts_fail "$jh: loading the served store as $type failed"
        [ "$(sed -n 's/^entries //p' "$TS_TMP/pre.txt")" = $((n + 1)) ] || ts_fail "$jh: expected $((n + 1)) entries as $type"
        grep -qx "mail $sha" "$TS_TMP/pre.txt" || ts_fail "$jh: manifest entry missing ($type)"
        # The base's certificates are all there.
        diff <(grep -v '^entries' "$TS_TMP/plain.txt" | awk '{print $NF}' | sort) \
            <(grep -v -e '^entries' -e '^mail ' "$TS_TMP/pre.txt" | awk '{print $NF}' | sort) >&2 ||
            ts_fail "$jh: base certificates differ"
    done
    # "format": "pkcs12": a PKCS12 that a JVM without dual-format loading reads.
    TRUSTSHIM_MANIFEST="$TS_TMP/p12.json" ts_with_preload "$jh/bin/java" -Dkeystore.type.compat=false \
        -cp "$PL_CLASSES" TsProbe load "$store" PKCS12 - >"$TS_TMP/p12.txt" || ts_fail "$jh: served PKCS12 does not load"
    [ "$(sed -n 's/^entries //p' "$TS_TMP/p12.txt")" = $((n + 1)) ] || ts_fail "$jh: PKCS12: expected $((n + 1)) entries"
    grep -q " $sha\$" "$TS_TMP/p12.txt" || ts_fail "$jh: PKCS12: manifest entry missing"
    # jssecacerts beside it (the JDK prefers it when present) is served too.
    cp "$store" "$TS_TMP/fakejre/lib/security/jssecacerts"
    TRUSTSHIM_MANIFEST="$TS_TMP/jks.json" pl_probe "$jh" load "$TS_TMP/fakejre/lib/security/jssecacerts" JKS - >"$TS_TMP/jsse.txt" ||
        ts_fail "$jh: jssecacerts does not load"
    [ "$(sed -n 's/^entries //p' "$TS_TMP/jsse.txt")" = $((n + 1)) ] || ts_fail "$jh: jssecacerts not served merged"
    rm "$TS_TMP/fakejre/lib/security/jssecacerts"
    ts_log "$jh: password-less PKCS12 base of $n entries served as JKS and as PKCS12 with $((n + 1)); jssecacerts too"
done

#!/usr/bin/env bash
# Keystores encoded by the core, checked by every JDK here: keytool lists
# exactly the expected aliases and SHA-256 fingerprints, and a Java program
# loads them as "JKS" and as "PKCS12" (dual format) and finds every alias.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
ts_require_jdk
ts_require_cmd openssl
ts_tmpdir
KS_TOOL="$TS_BUILD_DIR/bin/ks_tool"
[ -x "$KS_TOOL" ] || ts_fail "$KS_TOOL not built"
cd "$TS_TMP"

newcert() { # newcert FILE CN
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 30 \
        -keyout /dev/null -out "$1" -subj "/CN=$2" 2>/dev/null || ts_fail "openssl req failed"
}
newcert alpha.pem "Alpha Root"
newcert b1.pem "Bundle One"
newcert b2.pem "Bundle Two"
# A bundle with text between the blocks, as CA bundles have.
{ echo "# Bundle One"; cat b1.pem; echo; echo "subject=Bundle Two"; cat b2.pem; echo "end"; } >Bundle.pem
printf 'alpha\t%s\nbundle\t%s\nbundle-2\t%s\n' "$(ts_sha256_of_pem alpha.pem)" \
    "$(ts_sha256_of_pem b1.pem)" "$(ts_sha256_of_pem b2.pem)" | sort >expected

"$KS_TOOL" encode-jks store.jks alpha.pem Bundle.pem || ts_fail "encode-jks failed"
"$KS_TOOL" encode-p12 store.p12 alpha.pem Bundle.pem || ts_fail "encode-p12 failed"
"$KS_TOOL" encode-jks -p s3cret other.jks alpha.pem || ts_fail "encode-jks -p failed"

# keytool -list: "alias, date, trustedCertEntry," then "Certificate fingerprint (SHA-256): AA:..".
keytool_list() { # keytool_list JAVA_HOME FILE ARGS... -> sorted "alias<TAB>sha256"
    local jh=$1 file=$2
    shift 2
    "$jh/bin/keytool" -J-Duser.language=en -J-Duser.country=US -list -keystore "$file" "$@" >kt.out 2>&1 ||
        { cat kt.out >&2; return 1; }
    awk '/, trustedCertEntry, *$/ { sub(/, [A-Z][a-z][a-z] [0-9]+, [0-9]+, trustedCertEntry, *$/, ""); alias = $0; next }
         /^Certificate fingerprint \(SHA-256\): / { fp = $4; gsub(":", "", fp); print alias "\t" tolower(fp) }' kt.out | sort
}

n=0
while read -r jh; do
    n=$((n + 1))
    ts_log "JDK $jh"
    cls="$TS_TMP/classes-$n"
    ts_javac "$jh" "$cls" "$TS_SOURCE_DIR/tests/keystore/LoadStore.java"

    keytool_list "$jh" store.jks -storepass changeit >got || ts_fail "keytool cannot list our JKS"
    diff -u expected got || ts_fail "keytool lists other entries in our JKS"
    grep -q "Keystore type: JKS" kt.out || ts_fail "keytool does not see a JKS"
    if keytool_list "$jh" store.jks -storepass wrongpass >/dev/null 2>&1; then
        ts_fail "keytool accepted our JKS with a wrong password: the digest is not checked?"
    fi
    keytool_list "$jh" other.jks -storepass s3cret >got || ts_fail "keytool rejects a JKS keyed with s3cret"
    [ "$(cut -f1 got)" = alpha ] || ts_fail "other.jks: unexpected entries: $(cat got)"

    keytool_list "$jh" store.p12 -storetype pkcs12 -storepass changeit >got ||
        ts_fail "keytool cannot list our PKCS12"
    diff -u expected got || ts_fail "keytool lists other entries in our PKCS12"

    for f in store.jks store.p12; do
        for type in JKS PKCS12; do
            for pw in changeit -; do
                "$jh/bin/java" -cp "$cls" LoadStore "$f" "$type" "$pw" alpha bundle bundle-2 >java.out ||
                    ts_fail "Java cannot load $f as $type (password $pw)"
                sort java.out | diff -u expected - || ts_fail "Java sees other certificates in $f as $type"
            done
        done
    done
done < <(ts_jdks)
[ "$n" -gt 0 ] || ts_fail "no JDK tested"

# The core reads back what it wrote; the digest is keyed with the password.
"$KS_TOOL" list store.jks changeit | sort | diff -u expected - || ts_fail "ks_tool list store.jks"
"$KS_TOOL" list store.p12 | sort | diff -u expected - || ts_fail "ks_tool list store.p12"
if "$KS_TOOL" list other.jks changeit 2>err; then ts_fail "wrong password accepted"; fi
grep -q "keystore digest mismatch: wrong password or tampered file" err || ts_fail "unclear error: $(cat err)"
ts_log "checked with $n JDK(s)"

#!/usr/bin/env bash
# ts_store_build, judged by each JDK: stores made by keytool (JKS, JCEKS,
# PKCS12 with a key and its chain, a secret key, a trusted certificate; store
# passwords ordinary, empty and non-ASCII) and by `openssl pkcs12 -export`
# (-legacy, -descert, -certpbe NONE -nomac, the AES defaults).  For each, what
# the JDK sees in the served store with the store's password is what it sees
# in the file (every alias, kind, certificate and recoverable key), minus the
# distrusted trusted entry, plus the added certificate as a trusted entry; a
# wrong password fails on both; a refusal names its reason.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
ts_require_jdk
ts_require_cmd openssl
ts_tmpdir
KS_TOOL="$TS_BUILD_DIR/bin/ks_tool"
[ -x "$KS_TOOL" ] || ts_fail "$KS_TOOL not built"
cd "$TS_TMP"

hex() { printf %s "$1" | od -An -tx1 | tr -d ' \n'; }
fp_of() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }
mkcert() { # mkcert NAME CN
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -keyout "$1.key" \
        -out "$1.pem" -subj "/CN=$2" 2>/dev/null || ts_fail "openssl req failed"
}
mkcert add "Added One"
mkcert trusted "Trusted"
mkcert other "Other Trusted"
add_fp=$(fp_of add.pem)
trusted_fp=$(fp_of trusted.pem)
uni="pässwörd-ü€𝄞"

# judge JAVA_HOME TYPE ORIGINAL SERVED PASSWORD [DISTRUSTED_FP]
judge() {
    local jh=$1 type=$2 orig=$3 served=$4 pw=$5 gone=${6:-}
    local what="$orig ($type, $(basename "$jh"))"
    "$jh/bin/java" -cp "$cls" StoreView compare "$type" "$orig" "$served" "$(hex "$pw")" >cmp.out ||
        ts_fail "$what: the JDK cannot load both: $(grep LOAD-FAILED cmp.out)"
    sed -n '1,/^--$/p' cmp.out | sed '$d' >orig.view
    sed -n '/^--$/,$p' cmp.out | sed '1d' | grep -v '^wrong \|^none ' >served.view
    # Every original entry but the distrusted trusted one, unchanged (keys recoverable) ...
    if [ -n "$gone" ]; then
        grep -q "	trusted	$gone	" orig.view || ts_fail "$what: the distrusted entry is not in the original"
        grep -v "	trusted	$gone	" orig.view >want.view
    else
        cp orig.view want.view
    fi
    comm -23 want.view served.view >missing
    [ ! -s missing ] || ts_fail "$what: entries lost: $(cat missing)"
    ! grep -q "	$gone	" served.view || [ -z "$gone" ] || ts_fail "$what: the distrusted certificate is still served"
    # ... plus the added certificate as a trusted entry.
    grep -q "	trusted	$add_fp	-\$" served.view || ts_fail "$what: the added certificate is not a trusted entry"
    [ "$(wc -l <served.view)" -eq $(($(wc -l <want.view) + 1)) ] || ts_fail "$what: unexpected entries: $(diff want.view served.view)"
    # A wrong password fails on both, a missing one loads on both as it did.
    for bad in wrong none; do
        grep -q "^$bad \([01]\) \1\$" cmp.out ||
            ts_fail "$what: password $bad: original and served store differ: $(grep "^$bad " cmp.out)"
    done
    ts_log "$what: $(wc -l <orig.view) entries kept, $( [ -n "$gone" ] && echo "1 distrusted removed, ")1 added; wrong password refused as on the original"
}

# serve ORIGINAL SERVED PASSWORD [ks_tool options]: builds, or fails the test
serve() {
    local orig=$1 served=$2 pw=$3
    shift 3
    "$KS_TOOL" store "$orig" "$served" -p "$pw" -a add.pem "$@" 2>err || ts_fail "$orig: not served: $(cat err)"
}

# refused ORIGINAL REASON ks_tool-options: the build must refuse with that reason
refused() {
    local orig=$1 reason=$2
    shift 2
    if "$KS_TOOL" store "$orig" refused.out -a add.pem "$@" 2>err; then
        ts_fail "$orig ($*): served, expected a refusal ($reason)"
    fi
    grep -q "refused ($reason)" err || ts_fail "$orig ($*): expected refused ($reason), got: $(cat err)"
    ts_log "$orig ($*): refused ($reason): $(sed 's/.*): //' err)"
}

# The OpenSSL-made stores: once, judged by every JDK.
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -keyout rsa.key -out rsa.pem -subj "/CN=OSSL Key" 2>/dev/null ||
    ts_fail "openssl req failed"
cat trusted.pem other.pem >extra.pem
ossl=()
for variant in legacy descert nomac aes; do
    case $variant in
    legacy) opts=(-legacy) ;;
    descert) opts=(-descert) ;;
    nomac) opts=(-certpbe NONE -nomac) ;;
    aes) opts=() ;;
    esac
    openssl pkcs12 -export -in rsa.pem -inkey rsa.key -certfile extra.pem -name osslkey -out "ossl-$variant.p12" \
        -passout pass:s3cret123 "${opts[@]}" 2>err || ts_fail "openssl pkcs12 -export $variant: $(cat err)"
    ossl+=("ossl-$variant.p12")
done
openssl pkcs12 -export -in rsa.pem -inkey rsa.key -certfile extra.pem -name osslkey -out ossl-encnomac.p12 \
    -passout pass:s3cret123 -nomac -certpbe AES-256-CBC 2>/dev/null || ts_fail "openssl pkcs12 -export -nomac failed"
openssl pkcs12 -export -in rsa.pem -inkey rsa.key -name osslkey -out ossl-uni.p12 -passout "pass:$uni" 2>/dev/null ||
    ts_fail "openssl pkcs12 -export (non-ASCII password) failed"

n=0
while read -r jh; do
    n=$((n + 1))
    kt="$jh/bin/keytool"
    cls="$TS_TMP/classes-$n"
    ts_javac "$jh" "$cls" "$TS_SOURCE_DIR/tests/keystore/StoreView.java"
    ts_log "JDK $jh"
    for type in jks jceks pkcs12; do
        f="k$n.$type"
        rm -f "$f" ca.jks
        # A key whose chain is two long (signed by a CA), a trusted certificate, and a
        # secret key where the format holds one.
        "$kt" -genkeypair -keystore ca.jks -storetype jks -storepass s3cret123 -keypass s3cret123 -alias ca \
            -keyalg EC -dname "CN=Test CA" -ext bc:c >/dev/null 2>&1 || ts_fail "keytool -genkeypair (ca) failed"
        "$kt" -genkeypair -keystore "$f" -storetype "$type" -storepass s3cret123 -keypass s3cret123 -alias mykey \
            -keyalg EC -dname "CN=Key $type" >/dev/null 2>&1 || ts_fail "keytool -genkeypair ($type) failed"
        "$kt" -certreq -keystore "$f" -storetype "$type" -storepass s3cret123 -alias mykey 2>/dev/null |
            "$kt" -gencert -keystore ca.jks -storepass s3cret123 -alias ca 2>/dev/null >signed.pem ||
            ts_fail "keytool -gencert failed"
        "$kt" -exportcert -rfc -keystore ca.jks -storepass s3cret123 -alias ca >ca.pem 2>/dev/null
        "$kt" -importcert -noprompt -keystore "$f" -storetype "$type" -storepass s3cret123 -alias ca-root \
            -file ca.pem >/dev/null 2>&1 || ts_fail "keytool -importcert ca ($type) failed"
        "$kt" -importcert -noprompt -keystore "$f" -storetype "$type" -storepass s3cret123 -alias mykey \
            -file signed.pem >/dev/null 2>&1 || ts_fail "keytool -importcert reply ($type) failed"
        "$kt" -importcert -noprompt -keystore "$f" -storetype "$type" -storepass s3cret123 -alias Trusted \
            -file trusted.pem >/dev/null 2>&1 || ts_fail "keytool -importcert ($type) failed"
        if [ "$type" != jks ]; then
            "$kt" -genseckey -keystore "$f" -storetype "$type" -storepass s3cret123 -keypass s3cret123 -alias sec \
                -keyalg AES -keysize 128 >/dev/null 2>&1 || ts_fail "keytool -genseckey ($type) failed"
        fi
        serve "$f" "served-$f" s3cret123 -d "$trusted_fp"
        judge "$jh" "$type" "$f" "served-$f" s3cret123 "$trusted_fp"
        refused "$f" integrity -p wrong-password
        refused "$f" password -n
        # The empty password and (JKS: every JDK; PKCS12: where the JDK writes it) a non-ASCII one.
        "$jh/bin/java" -cp "$cls" StoreView repass "$type" "$f" "$(hex s3cret123)" "empty-$f" "" ||
            ts_fail "cannot make $type with an empty password"
        serve "empty-$f" "served-empty-$f" "" -d "$trusted_fp"
        judge "$jh" "$type" "empty-$f" "served-empty-$f" "" "$trusted_fp"
        if "$jh/bin/java" -cp "$cls" StoreView repass "$type" "$f" "$(hex s3cret123)" "uni-$f" "$(hex "$uni")" 2>/dev/null; then
            serve "uni-$f" "served-uni-$f" "$uni" -d "$trusted_fp"
            judge "$jh" "$type" "uni-$f" "served-uni-$f" "$uni" "$trusted_fp"
        else
            ts_log "$(basename "$jh") does not write $type with a non-ASCII password (keys need ASCII): not made"
        fi
        # Converting a store that holds keys is refused; its own format is kept.
        other=$([ "$type" = pkcs12 ] && echo jks || echo pkcs12)
        refused "$f" convert -p s3cret123 -f "$other"
    done
    # JDK 8's keytool defaults (RC2-40 certificates, 3DES keys, SHA-1 MAC): the distrusted
    # entry sits in the RC2 safe, which is re-encrypted with RC2-40.
    rm -f "jdk8-$n.p12"
    "$kt" -importkeystore -srckeystore "k$n.pkcs12" -srcstorepass s3cret123 -destkeystore "jdk8-$n.p12" \
        -deststoretype pkcs12 -deststorepass s3cret123 \
        -J-Dkeystore.pkcs12.certProtectionAlgorithm=PBEWithSHA1AndRC2_40 \
        -J-Dkeystore.pkcs12.keyProtectionAlgorithm=PBEWithSHA1AndDESede \
        -J-Dkeystore.pkcs12.macAlgorithm=HmacPBESHA1 >/dev/null 2>&1 || ts_fail "keytool (JDK 8 algorithms) failed"
    openssl pkcs12 -in "jdk8-$n.p12" -info -noout -passin pass:s3cret123 -legacy 2>&1 |
        grep -q "pbeWithSHA1And40BitRC2-CBC" || ts_fail "jdk8-$n.p12 is not RC2-encrypted"
    serve "jdk8-$n.p12" "served-jdk8-$n.p12" s3cret123 -d "$trusted_fp"
    judge "$jh" pkcs12 "jdk8-$n.p12" "served-jdk8-$n.p12" s3cret123 "$trusted_fp"
    # OpenSSL's: its extra certificates carry no trust attribute (no JDK trusts them), so
    # nothing is distrusted there; the key and every bag stay.
    for f in "${ossl[@]}"; do
        serve "$f" "served-$n-$f" s3cret123
        judge "$jh" pkcs12 "$f" "served-$n-$f" s3cret123
    done
    # Non-ASCII: OpenSSL writes UTF-8 as BMPString; JDK 17 cannot open it, later JDKs can.
    serve ossl-uni.p12 "served-$n-ossl-uni.p12" "$uni"
    a=0 b=0
    "$jh/bin/java" -cp "$cls" StoreView view pkcs12 ossl-uni.p12 "$(hex "$uni")" >/dev/null || a=1
    "$jh/bin/java" -cp "$cls" StoreView view pkcs12 "served-$n-ossl-uni.p12" "$(hex "$uni")" >/dev/null || b=1
    [ "$a" = "$b" ] || ts_fail "ossl-uni.p12: the original loads=$((1 - a)), the served store loads=$((1 - b))"
    if [ "$a" = 0 ]; then
        judge "$jh" pkcs12 ossl-uni.p12 "served-$n-ossl-uni.p12" "$uni"
    else
        ts_log "ossl-uni.p12 ($(basename "$jh")): neither the original nor the served store loads, as expected of this JDK"
    fi
done < <(ts_jdks)

# A MAC-less PKCS12 whose encrypted safe cannot be opened without a password is refused only
# when something would have to be looked up in it.
refused ossl-encnomac.p12 password -n
"$KS_TOOL" store ossl-encnomac.p12 plain.out -n 2>err || ts_fail "nothing to add, no password: refused: $(cat err)"
cmp -s ossl-encnomac.p12 plain.out || ts_fail "nothing to add or remove: the bytes changed"
ts_log "nothing to add or remove: served byte for byte"

#!/usr/bin/env bash
# Makes the keystore corpus of the contract tests (issue 8) in
# $TS_BUILD_DIR/tests/corpus: stores nobody wrote by hand, made by the keytool of
# every JDK found, by openssl pkcs12 -export, and taken from Debian's
# python3-cryptography-vectors.  Writes there:
#   stores/NAME         the keystores
#   corpus.tsv          NAME, type to load it as, "pw" or "none", its password
#   manifest.json       every store a targets[] entry with its password, add1/add2
#                       trusted, old distrusted (the tests write their own, per mode)
#   certs/*.pem         the certificates inside (and add1/add2/old for the manifest)
#   classes/            JdkView compiled (release 11: every JDK found runs it)
# Reuses an existing corpus made by the same script with the same JDKs.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
ts_require_jdk
ts_require_cmd openssl python3
export LC_ALL=C.UTF-8

out="$TS_BUILD_DIR/tests/corpus"
vectors=/usr/lib/python3/dist-packages/cryptography_vectors/pkcs12
[ -d "$vectors" ] || ts_skip "$vectors missing: apt-get install python3-cryptography-vectors (.ci/install-deps)"
[ -f /etc/ssl/certs/java/cacerts ] || ts_skip "/etc/ssl/certs/java/cacerts missing (ca-certificates-java)"
stamp="$(cat "$0" "$TS_SOURCE_DIR/tests/corpus/JdkView.java" | sha256sum | cut -c1-16) $(ts_jdks | tr '\n' ' ')"
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ]; then
    ts_log "corpus up to date: $(wc -l <"$out/corpus.tsv") stores in $out"
    exit 0
fi
rm -rf "$out"
mkdir -p "$out/stores" "$out/certs"
ts_on_exit "[ -f '$out/stamp' ] || rm -rf '$out'"
cd "$out/certs" || ts_fail "cannot enter $out/certs"

NONASCII='pässwörd€'
LONG=$(printf 'a1B2c3D4e5%.0s' {1..10})
PLAIN='s3cret-pw'

# The certificates: a CA and a leaf it signed (the key entries' 2-certificate
# chain), two self-signed trust anchors, "old" (in the stores, distrusted by the
# tests' manifest) and add1/add2 (only in the manifest).
cert() { # NAME CN [openssl req args]
    local n=$1 cn=$2
    shift 2
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
        -keyout "$n.key" -out "$n.pem" -subj "/CN=$cn" "$@" 2>/dev/null || ts_fail "openssl req $n failed"
}
cert ca "Corpus CA" -addext basicConstraints=critical,CA:true
cert t1 "Corpus Trusted One"
cert t2 "Corpus Trusted Two"
cert old "Corpus Distrusted"
cert add1 "Corpus Added One"
cert add2 "Corpus Added Two"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -subj "/CN=corpus.example.test" \
    -out leaf.csr 2>/dev/null || ts_fail "openssl req leaf failed"
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
    -out leaf.pem 2>/dev/null || ts_fail "openssl x509 -req leaf failed"
openssl pkcs12 -export -in leaf.pem -inkey leaf.key -certfile ca.pem -name server \
    -passout pass:srcpass1 -out chain.p12 || ts_fail "openssl pkcs12 chain.p12 failed"

add() { # NAME TYPE pw|none PASSWORD
    [ -s "$out/stores/$1" ] || ts_fail "$1 was not made"
    printf '%s\t%s\t%s\t%s\n' "$@" >>"$out/corpus.tsv"
}

# keytool: every JDK x JKS, JCEKS, PKCS12 x trusted-only, key (2-certificate
# chain), secret key (not JKS), mixed (key + trusted + old + secret), empty.
# Passwords: trusted, key and mixed, secret, empty.  JDK 17 cannot derive a PBES2
# key from a non-ASCII password ("Password is not ASCII"; JCEKS keys neither), so its PKCS12 stores
# fall back to an ASCII one where keytool refuses.
declare -A pw_of=(
    [jks]="$NONASCII|$LONG|-|$PLAIN"
    [jceks]="$NONASCII|$LONG|$PLAIN|$LONG"
    [pkcs12]="$NONASCII|$LONG|$NONASCII|$PLAIN"
)
for jh in $(ts_jdks); do
    v=$("$jh/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    kt() { "$jh/bin/keytool" "$@" >/dev/null 2>&1 || ts_fail "jdk$v: keytool $*"; }
    # ascii_if_refused FILE PASSWORD: the password to use for FILE's kind of entry.
    ascii_if_refused() {
        if ! "$jh/bin/keytool" -genseckey -alias probe -keyalg AES -keysize 128 -keystore "$1.probe" \
            -storetype PKCS12 -storepass "$2" -keypass "$2" >/dev/null 2>&1; then
            ts_log "jdk$v: keytool refuses PKCS12 password '$2': using '$PLAIN' for $(basename "$1")"
            echo "$PLAIN"
        else
            echo "$2"
        fi
        rm -f "$1.probe"
    }
    for type in jks jceks pkcs12; do
        T=${type^^}
        IFS='|' read -r p q r e <<<"${pw_of[$type]}"
        s="$out/stores/jdk$v-$type"
        if [ "$type" = pkcs12 ]; then
            p=$(ascii_if_refused "$s" "$p")
            r=$(ascii_if_refused "$s" "$r")
        fi
        kt -importcert -noprompt -alias t1 -file t1.pem -keystore "$s-trusted" -storetype "$T" -storepass "$p"
        kt -importcert -noprompt -alias old -file old.pem -keystore "$s-trusted" -storetype "$T" -storepass "$p"
        add "jdk$v-$type-trusted" "$T" pw "$p"
        kt -importkeystore -srckeystore chain.p12 -srcstoretype PKCS12 -srcstorepass srcpass1 -srcalias server \
            -destkeystore "$s-key" -deststoretype "$T" -deststorepass "$q" -destkeypass "$q" -destalias server
        add "jdk$v-$type-key" "$T" pw "$q"
        cp "$s-key" "$s-mixed"
        kt -importcert -noprompt -alias t2 -file t2.pem -keystore "$s-mixed" -storetype "$T" -storepass "$q"
        kt -importcert -noprompt -alias old -file old.pem -keystore "$s-mixed" -storetype "$T" -storepass "$q"
        if [ "$type" != jks ]; then
            kt -genseckey -alias aes -keyalg AES -keysize 128 -keystore "$s-secret" -storetype "$T" -storepass "$r" -keypass "$r"
            add "jdk$v-$type-secret" "$T" pw "$r"
            kt -genseckey -alias hmac -keyalg HmacSHA256 -keysize 256 -keystore "$s-mixed" -storetype "$T" -storepass "$q" -keypass "$q"
        fi
        add "jdk$v-$type-mixed" "$T" pw "$q"
        kt -importcert -noprompt -alias t1 -file t1.pem -keystore "$s-empty" -storetype "$T" -storepass "$e"
        kt -delete -alias t1 -keystore "$s-empty" -storetype "$T" -storepass "$e"
        add "jdk$v-$type-empty" "$T" pw "$e"
    done
    # JDK 8's PKCS12 algorithms (RC2-40 certificates, 3DES key, SHA-1 MAC), which
    # keystore.pkcs12.legacy brings back.
    kt -J-Dkeystore.pkcs12.legacy -importkeystore -srckeystore "$s-mixed" -srcstoretype PKCS12 -srcstorepass "$q" \
        -destkeystore "$s-legacy" -deststoretype PKCS12 -deststorepass "$LONG" -destkeypass "$LONG"
    add "jdk$v-pkcs12-legacy" PKCS12 pw "$LONG"
    # A password-less PKCS12 cacerts, as JDK 18+ ships it (jvm-facts.md).
    kt -importkeystore -srckeystore /etc/ssl/certs/java/cacerts -srcstorepass changeit \
        -destkeystore "$out/stores/jdk$v-cacerts-p12" -deststoretype PKCS12 -deststorepass changeit \
        -J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE -J-Dkeystore.pkcs12.macAlgorithm=NONE
    add "jdk$v-cacerts-p12" PKCS12 pw changeit
done

# Empty passwords (keytool refuses fewer than 6 characters): the first JDK's
# mixed stores written again by the KeyStore API.
jh0=$(ts_jdks | sed -n 1p)
v0=$("$jh0/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
ts_javac "$jh0" "$out/classes" --release 11 "$TS_SOURCE_DIR/tests/corpus/JdkView.java"
for type in jks jceks pkcs12; do
    src="jdk$v0-$type-mixed"
    pw=$(awk -F'\t' -v n="$src" '$1 == n { print $4 }' "$out/corpus.tsv")
    "$jh0/bin/java" -cp "$out/classes" JdkView repass "$out/stores/$src" "${type^^}" "$pw" \
        "$out/stores/$type-emptypw" "" || ts_fail "repass $src failed"
    add "$type-emptypw" "${type^^}" pw ""
done

# Tampered: the JKS/JCEKS digest's last byte flipped (a null password still loads them).
for src in "jdk$v0-jks-mixed" "jdk$v0-jceks-trusted"; do
    t=$(awk -F'\t' -v n="$src" '$1 == n { print $2 "\t" $3 "\t" $4 }' "$out/corpus.tsv")
    python3 - "$out/stores/$src" "$out/stores/$src-tampered" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-1] ^= 0x01
open(sys.argv[2], "wb").write(b)
PY
    printf '%s-tampered\t%s\n' "$src" "$t" >>"$out/corpus.tsv"
done

# Bytes after the store (a padded copy, a partial overwrite): the JDK stops reading at the
# JKS digest and after the PKCS12 PFX, so they load as the originals do.
for src in "jdk$v0-jks-mixed" "jdk$v0-jceks-trusted" "jdk$v0-pkcs12-mixed"; do
    t=$(awk -F'\t' -v n="$src" '$1 == n { print $2 "\t" $3 "\t" $4 }' "$out/corpus.tsv")
    { cat "$out/stores/$src"; printf 'trailing bytes\n'; } >"$out/stores/$src-trailing"
    printf '%s-trailing\t%s\n' "$src" "$t" >>"$out/corpus.tsv"
done

# openssl pkcs12 -export: the key entry with its chain under each encryption.
ossl() { # NAME PASSWORD [pkcs12 args]
    local n=$1 pw=$2
    shift 2
    openssl pkcs12 -export -in leaf.pem -inkey leaf.key -certfile ca.pem -name server \
        -passout "pass:$pw" -out "$out/stores/$n" "$@" 2>/dev/null || ts_fail "openssl pkcs12 -export $n ($*) failed"
    add "$n" PKCS12 pw "$pw"
}
ossl ossl-aes "$PLAIN"
ossl ossl-aes-emptypw ""
ossl ossl-aes-long "$LONG"
ossl ossl-legacy "$NONASCII" -legacy
ossl ossl-legacy-long "$LONG" -legacy
ossl ossl-descert "$LONG" -descert
ossl ossl-nocertpbe-nomac "$PLAIN" -certpbe NONE -nomac
ossl ossl-nocrypt-nomac "$PLAIN" -certpbe NONE -keypbe NONE -nomac
ossl ossl-rc4 "$NONASCII" -legacy -certpbe PBE-SHA1-RC4-128 -keypbe PBE-SHA1-RC4-128
cat t1.pem t2.pem >certs-only.pem
openssl pkcs12 -export -nokeys -in certs-only.pem -passout "pass:$PLAIN" -out "$out/stores/ossl-certs-only" ||
    ts_fail "openssl pkcs12 -export -nokeys failed"
add ossl-certs-only PKCS12 pw "$PLAIN"

# pyca's vectors; passwords as in its test suite (tests/hazmat/primitives/test_pkcs12.py):
# "cryptography" for cert-*/no-cert-key-*, "password" for *-pwd, none for *-no-pwd.
for f in "$vectors"/*.p12; do
    n=$(basename "$f" .p12)
    cp "$f" "$out/stores/pyca-$n"
    case "$n" in
    *-no-pwd | no-password) add "pyca-$n" PKCS12 none "" ;;
    *-pwd) add "pyca-$n" PKCS12 pw password ;;
    *) add "pyca-$n" PKCS12 pw cryptography ;;
    esac
done

python3 "$TS_SOURCE_DIR/tests/corpus/corpus.py" manifest "$out" "$out/manifest.json" || ts_fail "corpus.py manifest failed"
n=$(wc -l <"$out/corpus.tsv")
[ "$n" -ge 40 ] || ts_fail "only $n stores made"
echo "$stamp" >"$out/stamp"
ts_log "made $n stores in $out"

#!/usr/bin/env bash
# The core decodes real trust stores exactly as the JDK sees them: Debian's
# /etc/ssl/certs/java/cacerts (JKS), a password-less PKCS12 copy made by
# keytool, each JDK's own lib/security/cacerts (PKCS12 on 18+), a JKS and a
# password-protected PKCS12 holding a private key.  Same SHA-256 set as keytool.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
ts_require_jdk
ts_require_cmd openssl
ts_tmpdir
KS_TOOL="$TS_BUILD_DIR/bin/ks_tool"
[ -x "$KS_TOOL" ] || ts_fail "$KS_TOOL not built"
cd "$TS_TMP"

# Sorted SHA-256 fingerprints of the trusted entries keytool lists.
keytool_fps() { # keytool_fps JAVA_HOME FILE ARGS...
    local jh=$1 file=$2
    shift 2
    "$jh/bin/keytool" -J-Duser.language=en -J-Duser.country=US -list -keystore "$file" "$@" >kt.out 2>&1 ||
        { cat kt.out >&2; return 1; }
    awk '/, trustedCertEntry, *$/ { trusted = 1; next }
         /, PrivateKeyEntry, *$/ { trusted = 0; next }
         /^Certificate fingerprint \(SHA-256\): / { if (trusted) { fp = $4; gsub(":", "", fp); print tolower(fp) } }' kt.out | sort
}
# Sorted SHA-256 fingerprints the core decodes.
core_fps() { # core_fps FILE [PASSWORD]
    "$KS_TOOL" list "$@" >core.out || return 1
    cut -f2 core.out | sort
}
same_set() { # same_set WHAT A B
    [ -s "$2" ] || ts_fail "$1: keytool listed nothing"
    diff -u "$2" "$3" >/dev/null || { diff -u "$2" "$3" | head -20 >&2; ts_fail "$1: the core and keytool disagree"; }
    ts_log "$1: $(wc -l <"$2") certificates, same as the JDK"
}

system=/etc/ssl/certs/java/cacerts
n=0
while read -r jh; do
    n=$((n + 1))
    kt="$jh/bin/keytool"
    ts_log "JDK $jh"

    if [ -f "$system" ]; then
        keytool_fps "$jh" "$system" -storepass changeit >want || ts_fail "keytool cannot list $system"
        core_fps "$system" changeit >got || ts_fail "the core cannot decode $system"
        same_set "$system (password)" want got
        core_fps "$system" >got || ts_fail "the core cannot decode $system without a password"
        same_set "$system (no password)" want got
        # A password-less PKCS12 copy, as jvm-facts.md makes it.
        rm -f nopass.p12
        "$kt" -importkeystore -srckeystore "$system" -srcstorepass changeit -destkeystore nopass.p12 \
            -deststoretype pkcs12 -deststorepass changeit -J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE \
            -J-Dkeystore.pkcs12.macAlgorithm=NONE >/dev/null 2>&1 || ts_fail "keytool -importkeystore failed"
        openssl pkcs12 -in nopass.p12 -info -noout -passin pass: 2>&1 | grep -q "MAC is absent" ||
            ts_fail "keytool's nopass.p12 has a MAC: not the password-less layout"
        keytool_fps "$jh" nopass.p12 -storetype pkcs12 -storepass changeit >want2 || ts_fail "keytool cannot list nopass.p12"
        same_set "password-less PKCS12 copy (keytool)" want want2
        core_fps nopass.p12 >got || ts_fail "the core cannot decode the password-less PKCS12"
        same_set "password-less PKCS12 copy" want2 got
        core_fps nopass.p12 changeit >got || ts_fail "the core cannot decode the password-less PKCS12 with a password"
        same_set "password-less PKCS12 copy (password)" want2 got
        # A password-protected copy with this keytool's default algorithms.
        rm -f protected.p12
        "$kt" -importkeystore -srckeystore "$system" -srcstorepass changeit -destkeystore protected.p12 \
            -deststoretype pkcs12 -deststorepass pr0tected >/dev/null 2>&1 || ts_fail "keytool -importkeystore (protected) failed"
        core_fps protected.p12 pr0tected >got || ts_fail "the core cannot decode the protected PKCS12"
        same_set "password-protected PKCS12 copy" want2 got
        if "$KS_TOOL" list protected.p12 changeit >/dev/null 2>err; then
            ts_fail "protected.p12: a wrong password was accepted"
        fi
    else
        ts_log "no $system here: Debian's cacerts not checked"
    fi

    own=$(readlink -f "$jh/lib/security/cacerts")
    [ -f "$own" ] || ts_fail "$jh has no lib/security/cacerts"
    [ "$own" != "$(readlink -f "$system" 2>/dev/null)" ] || ts_log "$jh/lib/security/cacerts is $system"
    keytool_fps "$jh" "$own" -storepass changeit >want || ts_fail "keytool cannot list $own"
    core_fps "$own" >got || ts_fail "the core cannot decode $own"
    same_set "$own ($(head -c4 "$own" | od -An -tx1 | tr -d ' '))" want got

    # A JKS with a private key, and a password-protected PKCS12 (keytool's defaults).
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -keyout /dev/null \
        -out trusted.pem -subj "/CN=Trusted $n" 2>/dev/null
    fp=$(ts_sha256_of_pem trusted.pem)
    for type in jks pkcs12; do
        rm -f "withkey.$type"
        "$kt" -genkeypair -keystore "withkey.$type" -storetype "$type" -storepass s3cret123 -keypass s3cret123 \
            -alias mykey -keyalg EC -dname "CN=Key $n" >/dev/null 2>&1 || ts_fail "keytool -genkeypair ($type) failed"
        "$kt" -importcert -noprompt -keystore "withkey.$type" -storetype "$type" -storepass s3cret123 \
            -alias "Trusted-$n" -file trusted.pem >/dev/null 2>&1 || ts_fail "keytool -importcert ($type) failed"
        keytool_fps "$jh" "withkey.$type" -storepass s3cret123 >want || ts_fail "keytool cannot list withkey.$type"
        [ "$(cat want)" = "$fp" ] || ts_fail "withkey.$type: keytool lists $(cat want)"
        "$KS_TOOL" list "withkey.$type" s3cret123 >got 2>err || ts_fail "the core cannot decode withkey.$type: $(cat err)"
        # The key entry counts too: TrustStoreUtil trusts its chain's first certificate.
        keyfp=$("$kt" -exportcert -rfc -keystore "withkey.$type" -storetype "$type" -storepass s3cret123 -alias mykey |
            openssl x509 -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
        { printf 'trusted-%s\t%s\n' "$n" "$fp"; printf 'mykey\t%s\n' "$keyfp"; } | sort >want2
        sort got | diff -u want2 - || ts_fail "withkey.$type: wrong entries"
        grep -q ", 2 entries" err || ts_fail "withkey.$type: the key entry was not decoded: $(cat err)"
        if "$KS_TOOL" list "withkey.$type" wrongpass >/dev/null 2>err; then
            ts_fail "withkey.$type: a wrong password was accepted"
        fi
        grep -q "wrong password or tampered file" err || ts_fail "withkey.$type: unclear error: $(cat err)"
        ts_log "withkey.$type: trusted entry and the key's certificate found, wrong password refused"
    done

    # What the JVM's TLS trusts from odd JKS files equals what the core
    # decodes: an uppercase alias is never trusted, of a repeated alias only
    # the last entry counts.  keytool cannot write these: Python does.
    cls="$TS_TMP/classes-$n"
    ts_javac "$jh" "$cls" "$TS_SOURCE_DIR/tests/keystore/TrustedSet.java"
    for i in 1 2 3 4; do
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -keyout /dev/null \
            -outform DER -out "odd$i.der" -subj "/CN=Odd $i" 2>/dev/null || ts_fail "openssl req failed"
    done
    python3 - odd.jks odd1.der:Upper odd2.der:dup odd3.der:dup odd4.der:lower <<'PY' || ts_fail "cannot write odd.jks"
import hashlib, struct, sys
out, body = sys.argv[1], b""
for arg in sys.argv[2:]:
    path, alias = arg.split(":")
    der = open(path, "rb").read()
    body += struct.pack(">IH", 2, len(alias)) + alias.encode() + struct.pack(">qH", 0, 5) + b"X.509"
    body += struct.pack(">I", len(der)) + der
data = struct.pack(">III", 0xFEEDFEED, 2, len(sys.argv) - 2) + body
digest = hashlib.sha1("changeit".encode("utf-16-be") + b"Mighty Aphrodite" + data).digest()
open(out, "wb").write(data + digest)
PY
    for f in odd.jks "$system" nopass.p12; do
        [ -f "$f" ] || continue
        "$jh/bin/java" -cp "$cls" TrustedSet "$f" JKS - | sort -u >want || ts_fail "Java cannot load $f"
        core_fps "$f" | sort -u >got || ts_fail "the core cannot decode $f"
        same_set "$f: what the JVM trusts" want got
        [ "$f" != odd.jks ] || [ "$(cat got)" = "$(printf '%s\n' "$(openssl x509 -inform DER -in odd3.der -noout -fingerprint -sha256)" "$(openssl x509 -inform DER -in odd4.der -noout -fingerprint -sha256)" | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f' | sort)" ] ||
            ts_fail "odd.jks: expected exactly Odd 3 and Odd 4 to be trusted"
    done
done < <(ts_jdks)
[ "$n" -gt 0 ] || ts_fail "no JDK tested"

#!/usr/bin/env bash
# One definition of a manifest certificate: DER.  The BER variants OpenSSL reads
# (an outer length in 5 bytes, an indefinite outer length, a TBSCertificate length
# in 5 bytes), in a DER file, a PEM file and a PKCS#7 bundle, are refused by add
# with a line saying what to do, and nothing changes: check, render and a JVM
# still see the manifest whole.  The JDK is the judge of what DER is: it refuses
# the 5-byte lengths and re-encodes the indefinite one, so pinning the file's
# bytes could never match what the JVM sees.  fetch too: a server's BER
# TBSCertificate is refused.  The loader uses the same definition: a
# hand-edited BER entry is named by check.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/cli/lib.sh"
ts_require_jdk

expect 0 "$T" init
mkcert good "Good DER"
mkcert ber "BER Variant"
expect 0 "$T" add "$TS_TMP/good.pem"
openssl x509 -in "$TS_TMP/ber.pem" -outform DER -out "$TS_TMP/ber.der"

# The variants, made from the DER certificate; each in DER, PEM and PKCS#7.
python3 "$TS_SOURCE_DIR/tests/lib/ber_variants.py" "$TS_TMP/ber.der" "$TS_TMP"
# OpenSSL reads every one of them (which is how add used to store them).
for v in outer5 indef tbs5; do
    openssl x509 -inform DER -in "$TS_TMP/$v.der" -noout || ts_fail "openssl does not read $v.der"
    openssl pkcs7 -inform DER -in "$TS_TMP/$v.p7b" -print_certs -noout || ts_fail "openssl does not read $v.p7b"
done

snapshot
for v in outer5 indef tbs5; do
    for f in der pem p7b; do
        expect 2 "$T" add "$TS_TMP/$v.$f"
        error_is "$v.$f: "
        has "$ERR" "certificate is BER, not DER"
        case "$v.$f" in
        tbs5.*) has "$ERR" "inside the signed TBSCertificate): the JVM refuses it" ;;
        *.p7b) has "$ERR" "re-encode the bundle with 'openssl pkcs7 -in FILE -print_certs -out FILE.pem'" ;;
        *) has "$ERR" "re-encode it with 'openssl x509 -in FILE -outform DER -out FILE.der'" ;;
        esac
        unchanged "add $v.$f"
    done
done

# The manifest is whole for check, render and a JVM reading cacerts through the library.
expect 0 "$T" check
expect 0 "$T" render -o "$TS_TMP/out.jks" --no-base
has "$OUT" "1 entry: base 0, added 1"

# The advice works for the outer variants, and the pin is the JDK's getEncoded().
for v in outer5 indef; do
    openssl x509 -inform DER -in "$TS_TMP/$v.der" -outform DER -out "$TS_TMP/$v.fixed.der"
    cmp -s "$TS_TMP/$v.fixed.der" "$TS_TMP/ber.der" || ts_fail "openssl x509 did not give the DER back for $v"
done
expect 0 "$T" add "$TS_TMP/indef.fixed.der"
expect 0 "$T" check
for jh in $(ts_jdks); do
    cls="$TS_TMP/classes-$(basename "$jh")"
    ts_javac "$jh" "$cls" "$TS_SOURCE_DIR/tests/cli/java/Encoded.java" "$TS_SOURCE_DIR/tests/keystore/TrustedSet.java"
    [ "$("$jh/bin/java" -cp "$cls" Encoded "$TS_TMP/outer5.der")" = refused ] || ts_fail "$jh reads a 5-byte outer length"
    [ "$("$jh/bin/java" -cp "$cls" Encoded "$TS_TMP/tbs5.der")" = refused ] || ts_fail "$jh reads a 5-byte TBSCertificate length"
    [ "$("$jh/bin/java" -cp "$cls" Encoded "$TS_TMP/indef.der")" = "$(sha ber)" ] ||
        ts_fail "$jh: getEncoded() of the indefinite-length file is not the DER's"
    cacerts=$(readlink -f "$jh/lib/security/cacerts")
    seen=$(ts_with_preload "$jh/bin/java" -cp "$cls" TrustedSet "$cacerts" JKS -) || ts_fail "$jh: TrustedSet under the library"
    grep -qx "$(sha good)" <<<"$seen" || ts_fail "$jh: the JVM lost the manifest's first certificate"
    grep -qx "$(sha ber)" <<<"$seen" || ts_fail "$jh: the JVM does not see the re-encoded certificate under its pin"
    expect 0 "$T" render -o "$TS_TMP/r.jks" --no-base
    [ "$("$jh/bin/java" -cp "$cls" TrustedSet "$TS_TMP/r.jks" JKS - | sort)" = "$(printf '%s\n' "$(sha good)" "$(sha ber)" | sort)" ] ||
        ts_fail "$jh: rendered keystore"
done

# fetch: what the server sends is what the JVM gets.  OpenSSL's s_server re-encodes the outer
# variants to DER (only the signed TBSCertificate is sent as read), so fetch pins the DER; the
# TBSCertificate variant reaches the client as BER and is refused, nothing added.
port=$(ts_free_port)
ts_s_server "$TS_TMP/tbs5.pem" "$TS_TMP/ber.key" "$port"
snapshot
expect 1 "$T" fetch "https://127.0.0.1:$port" --add --trust-on-first-use
has "$ERR" "certificate 1 of the chain is not valid: certificate is BER, not DER"
has "$ERR" "the JVM refuses it"
unchanged "fetch of a BER certificate"
port=$(ts_free_port)
ts_s_server "$TS_TMP/outer5.pem" "$TS_TMP/ber.key" "$port"
expect 0 "$T" remove "$(sha ber)"
expect 0 "$T" fetch "https://127.0.0.1:$port" --add --trust-on-first-use
has "$OUT" "sha256:   $(sha ber)"
expect 0 "$T" check

# The loader: an entry hand-edited into BER (pin updated too) is named, not served.
python3 - "$TRUSTSHIM_MANIFEST" "$TS_TMP/indef.pem" "$TS_TMP/indef.der" <<'PY'
import hashlib, json, sys
m = json.load(open(sys.argv[1]))
m["certificates"][1]["pem"] = open(sys.argv[2]).read()
m["certificates"][1]["sha256"] = hashlib.sha256(open(sys.argv[3], "rb").read()).hexdigest()
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
expect 2 "$T" check
has "$ERR" "certificates[1].pem: PEM block 1: certificate is BER, not DER (length at byte 1)"
ts_log "ok"

#!/usr/bin/env bash
# Small seed corpora for the fuzz targets, made from openssl (and keytool when a
# JDK is there), one directory per target:  tests/fuzz/seeds.sh OUTDIR
# Small on purpose: a target runs at the speed of its largest inputs (a 165 KB
# cacerts runs at ~1,000/s), so every seed here is a few hundred bytes to a few KB.
# Nothing is checked in: the seeds are made again by whoever fuzzes.
set -euo pipefail
out=${1:?usage: seeds.sh OUTDIR}
src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
keytool=
for jh in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    if [ -n "$jh" ] && [ -x "$jh/bin/keytool" ]; then keytool=$jh/bin/keytool; break; fi
done

cert() { # NAME CN: NAME.pem, NAME.der, NAME.key (EC P-256: the smallest usual certificate)
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
        -subj "/CN=$2" -keyout "$1.key" -out "$1.pem" 2>/dev/null
    openssl x509 -in "$1.pem" -outform DER -out "$1.der"
}
cert a a.example.test
cert b b.example.test
openssl req -x509 -newkey rsa:1024 -nodes -sha1 -days 1 -subj "/CN=old" -keyout r.key -out r.pem 2>/dev/null

# Certificate input (fuzz_certs, fuzz_cert_loader; fuzz_keystore with selector 3).
d=$out/certs
mkdir -p "$d"
cp a.der "$d/a.der"
cp a.pem "$d/a.pem"
cp r.pem "$d/rsa-sha1.pem"
{ echo "text before"; cat a.pem; echo "between"; cat b.pem; cat a.key; } >"$d/bundle.pem"
openssl crl2pkcs7 -nocrl -certfile a.pem -certfile b.pem -outform DER -out "$d/chain.p7b"
openssl crl2pkcs7 -nocrl -certfile a.pem -out "$d/chain.p7b.pem"
openssl x509 -in a.pem -addtrust serverAuth -out "$d/trusted.pem"
mkdir -p ber
python3 "$src/tests/lib/ber_variants.py" a.der ber
for v in outer5 indef tbs5; do cp "ber/$v.der" "$d/ber-$v.der"; cp "ber/$v.p7b" "$d/ber-$v.p7b"; done

# PEM text (fuzz_pem: our decoder against PEM_read_bio): the certificate seeds' PEM, headers.
d=$out/pem
mkdir -p "$d"
cp a.pem "$d/a.pem"
cp "$out/certs/bundle.pem" "$out/certs/trusted.pem" "$out/certs/chain.p7b.pem" "$d/"
openssl ec -in a.key -aes128 -passout pass:x -out "$d/encrypted-key.pem" 2>/dev/null
sed 's/$/\r/' a.pem >"$d/crlf.pem"

# Keystores (fuzz_keystore: selector 0 no password, 1 changeit, 6 non-ASCII, 5 ts_store_build;
# fuzz_render: 0 none, 1 changeit, 2 non-ASCII).
d=$out/keystore
mkdir -p "$d"
sel() { { printf "\\x$(printf %02x "$1")"; cat "$2"; } >"$d/$3"; }
nonascii=$(printf 'p\xc3\xa4sswort-\xe6\x97\xa5')
if [ -n "$keytool" ]; then
    kt() { "$keytool" -importcert -noprompt "$@" >/dev/null 2>&1 || echo "seeds.sh: keytool refused: $*" >&2; }
    kt -alias a -file a.pem -keystore one.jks -storepass changeit -storetype JKS
    kt -alias b -file b.pem -keystore one.jks -storepass changeit -storetype JKS
    kt -alias a -file a.pem -keystore twice.jks -storepass changeit -storetype JKS
    kt -alias again -file a.pem -keystore twice.jks -storepass changeit -storetype JKS
    kt -alias a -file a.pem -keystore one.p12 -storepass changeit -storetype PKCS12
    kt -alias a -file a.pem -keystore na.jks -storepass "$nonascii" -storetype JKS
    # (keytool refuses a non-ASCII PKCS12 password: "getSecretKey failed: Password is not ASCII")
    sel 0 one.jks jks-nopass; sel 1 one.jks jks; sel 1 twice.jks jks-twice
    sel 0 one.p12 p12-nopass; sel 1 one.p12 p12; sel 6 na.jks jks-nonascii
else
    echo "seeds.sh: no keytool: JKS seeds left out" >&2
fi
openssl pkcs12 -export -nokeys -in a.pem -passout "pass:$nonascii" -out na-openssl.p12 2>/dev/null
openssl pkcs12 -export -inkey a.key -in a.pem -passout pass:changeit -out key.p12 2>/dev/null
sel 6 na-openssl.p12 p12-openssl-nonascii; sel 1 key.p12 p12-private-key
# PKCS12 with nested SafeContents (a safeContentsBag holding the cert bag), no MAC.
python3 - a.der b.der nested.p12 <<'PY'
import sys
def tlv(tag, body):
    n = len(body)
    ln = bytes([n]) if n < 128 else (b"\x81" + bytes([n]) if n < 256 else b"\x82" + n.to_bytes(2, "big"))
    return bytes([tag]) + ln + body
def oid(s):
    p = [int(x) for x in s.split(".")]
    out = bytes([40 * p[0] + p[1]])
    for v in p[2:]:
        b = [v & 0x7F]
        v >>= 7
        while v:
            b.append(0x80 | (v & 0x7F))
            v >>= 7
        out += bytes(reversed(b))
    return tlv(0x06, out)
seq = lambda *x: tlv(0x30, b"".join(x))
trusted = seq(oid("2.16.840.1.113894.746875.1.1"), tlv(0x31, oid("2.5.29.37.0")))
def certbag(der, name):
    fn = seq(oid("1.2.840.113549.1.9.20"), tlv(0x31, tlv(0x1E, name.encode("utf-16-be"))))
    val = seq(oid("1.2.840.113549.1.9.22.1"), tlv(0xA0, tlv(0x04, der)))
    return seq(oid("1.2.840.113549.1.12.10.1.3"), tlv(0xA0, val), tlv(0x31, fn + trusted))
inner = seq(certbag(open(sys.argv[1], "rb").read(), "inner"))
outer = seq(seq(oid("1.2.840.113549.1.12.10.1.6"), tlv(0xA0, inner)),
            certbag(open(sys.argv[2], "rb").read(), "outer"))
data = oid("1.2.840.113549.1.7.1")
auth = seq(seq(data, tlv(0xA0, tlv(0x04, outer))))
open(sys.argv[3], "wb").write(seq(tlv(0x02, b"\x03"), seq(data, tlv(0xA0, tlv(0x04, auth)))))
PY
sel 0 nested.p12 p12-nested
mkdir -p "$out/render"
for f in "$d"/*; do # render's selector: 0 none, 1 changeit, 2 non-ASCII
    b=$(head -c1 "$f" | od -An -tu1 | tr -d ' ')
    { printf "\\x$(printf %02x $((b == 6 ? 2 : b)))"; tail -c +2 "$f"; } >"$out/render/$(basename "$f")"
done
printf '\x00' >"$out/render/no-base"
for f in jks p12; do [ -f "$d/$f" ] && { printf '\x05'; tail -c +2 "$d/$f"; } >"$d/store-$f"; done
for f in "$out/certs"/*; do sel 3 "$f" "cert-$(basename "$f")"; done

# Manifests (fuzz_manifest) and manifests naming files (fuzz_manifest_files: @1..@4 are pins).
d=$out/manifest
mkdir -p "$d"
cp "$src"/tests/manifest/good/*.json "$src"/tests/manifest/bad/*.json "$d/" 2>/dev/null || true
d=$out/manifest_files
mkdir -p "$d"
printf '{"version":1,"certificates":[{"sha256":"@1","file":"bundle.pem"},{"sha256":"@3","file":"bundle.pem"},{"sha256":"@4","file":"one.der","hosts":["h.example.test"]}]}' >"$d/bundle"
printf '{"version":1,"certificates":[{"sha256":"@2","file":"chain.p7b"},{"sha256":"@4","file":"chain.p7b"},{"sha256":"@1","file":"sub/link.pem"}]}' >"$d/p7b"
printf '{"version":1,"certificates":[{"sha256":"@1","file":"bad.pem"},{"sha256":"@2","file":"empty.pem"},{"sha256":"@3","file":"missing.pem"}]}' >"$d/bad"

# The rest: URLs, a server's side of fetch's exchange (selector: 0 SMTP, 1 IMAP, 2 POP3, 3 LDAP
# with STARTTLS, 4 TLS from the first byte), paths and
# command lines (0 normalize, 1 <host>.ks, 2 cmdline, 3 log level, 0x83 SOURCE_DATE_EPOCH),
# fileio (odd: /proc/self/fd/ + the rest; even: a made tree + the rest), CLI argv.
d=$out/url; mkdir -p "$d"
for u in https://example.test smtp://mail.example.test:587 imaps://[::1]:993/x ldap://10.0.0.1 \
    pop3://h:110 example.test:443 "smtps://h:0" "https://h:65536" "https://user@h/"; do
    printf '%s' "$u" >"$d/$(printf '%s' "$u" | md5sum | cut -c1-8)"
done
d=$out/reply; mkdir -p "$d"
printf '\x00220 mail ESMTP\r\n250-mail\r\n250-SIZE 1000\r\n250 STARTTLS\r\n220 go\r\n' >"$d/smtp"
printf '\x00220-a\r\n220 b\r\n250 mail\r\n' >"$d/smtp-no-starttls"
printf '\x01* OK IMAP ready\r\n* CAPABILITY IMAP4rev1 STARTTLS\r\nts1 OK begin\r\n' >"$d/imap"
printf '\x01* BYE\r\n' >"$d/imap-bye"
printf '\x02+OK POP3\r\n+OK begin TLS\r\n' >"$d/pop3"
printf '\x03\x30\x0c\x02\x01\x01\x78\x07\x0a\x01\x00\x04\x00\x04\x00' >"$d/ldap"
printf '\x03\x30\x84\x00\x00\x00\x0c\x02\x01\x01\x78\x07\x0a\x01\x34\x04\x00\x04\x02no' >"$d/ldap-refused"
printf '\x03\x15\x03\x01\x00\x02\x02\x46' >"$d/ldap-tls-alert"
printf '\x04\x15\x03\x03\x00\x02\x02\x28' >"$d/tls-alert"
printf '\x04\x16\x03\x03\x00\x04\x0e\x00\x00\x00' >"$d/tls-hello-done"
printf '\x04220 mail ESMTP\r\n' >"$d/tls-plaintext"
printf '\x00220 mail ESMTP\r\n250 STARTTLS\r\n220 go\r\n\x15\x03\x03\x00\x02\x02\x28' >"$d/smtp-then-alert"
d=$out/target; mkdir -p "$d"
printf '\x00/usr/lib/jvm/x/../java/./lib//security/cacerts/' >"$d/normalize"
printf '\x01/opt/allegra/keystore/mail.example.test.ks' >"$d/ks"
printf '\x02java\0-DALLEGRA_HOME=/opt/a\0-Dx=y\0-DALLEGRA_HOME=/opt/b\0-jar\0x.jar' >"$d/cmdline"
printf '\x03debug' >"$d/log"
printf '\x46java\0-XX:VMOptionsFile=vm\0-DALLEGRA_HOME=/after\0Main' >"$d/vmoptionsfile"
printf '\x831700000000' >"$d/epoch"; printf '\x839223372036854775' >"$d/epoch-max"
printf '\x839223372036854776' >"$d/epoch-over"; printf '\x83-1' >"$d/epoch-neg"
d=$out/fileio; mkdir -p "$d"
printf '\x013' >"$d/fd"; printf '\x00safe/m.json' >"$d/safe"; printf '\x00open/m.json' >"$d/open"; printf '\x00link' >"$d/link"
d=$out/opt; mkdir -p "$d"
printf 'add\0--alias\0a\0--host=h.example.test\0f.pem\0--manifest\0/m.json' >"$d/add"
printf 'fetch\0--timeout=2.5\0--add\0smtp://h:25' >"$d/fetch"
printf 'exec\0--with\0x\0--\0java\0-version' >"$d/exec"
printf 'render\0-o\0out.jks\0--format\0pkcs12\0-h' >"$d/render"
echo "seeds in $out: $(find "$out" -type f | wc -l) files, largest $(find "$out" -type f -printf '%s\n' | sort -n | tail -1) bytes"

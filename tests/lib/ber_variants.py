#!/usr/bin/env python3
# The BER variants of a DER certificate that OpenSSL reads and the JDK does not
# (or re-encodes): an outer length in 5 bytes, an indefinite outer length, a
# TBSCertificate length in 5 bytes.  Each as DER, PEM and a PKCS#7 bundle:
#   ber_variants.py CERT.der OUTDIR   ->  OUTDIR/{outer5,indef,tbs5}.{der,pem,p7b}
import base64
import sys


def head(b, o):
    n = b[o + 1]
    if n < 0x80:
        return o + 2, n
    k = n & 0x7F
    return o + 2 + k, int.from_bytes(b[o + 2:o + 2 + k], "big")


def tlv(tag, body):
    n = len(body)
    if n < 128:
        ln = bytes([n])
    elif n < 256:
        ln = b"\x81" + bytes([n])
    else:
        ln = b"\x82" + n.to_bytes(2, "big")
    return bytes([tag]) + ln + body


der = open(sys.argv[1], "rb").read()
d = sys.argv[2]
o, n = head(der, 0)
body = der[o:o + n]
to, tn = head(body, 0)
tbs5 = b"\x30\x85" + tn.to_bytes(5, "big") + body[to:]
variants = {
    "outer5": b"\x30\x85" + n.to_bytes(5, "big") + body,
    "indef": b"\x30\x80" + body + b"\x00\x00",
    "tbs5": b"\x30\x82" + len(tbs5).to_bytes(2, "big") + tbs5,
}
signed, data = bytes.fromhex("06092a864886f70d010702"), bytes.fromhex("06092a864886f70d010701")
for name, c in variants.items():
    open(f"{d}/{name}.der", "wb").write(c)
    b64 = base64.b64encode(c).decode()
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    with open(f"{d}/{name}.pem", "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n")
    sd = tlv(0x30, bytes.fromhex("020101") + tlv(0x31, b"") + tlv(0x30, data) + tlv(0xA0, c) + tlv(0x31, b""))
    open(f"{d}/{name}.p7b", "wb").write(tlv(0x30, signed + tlv(0xA0, sd)))

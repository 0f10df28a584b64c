#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Small test servers for trustshim's fetch and verify: SMTP, IMAP, POP3 and
LDAP with STARTTLS, plain TLS, and misbehaving servers.  127.0.0.1 only.

  starttls_server.py --proto smtp|imap|pop3|ldap|tls --port P --cert C --key K
                     [--mode ok|refuse|silent|plaintext|close|no-starttls]

Modes:
  ok          the protocol's greeting, STARTTLS accepted, TLS handshake
  refuse      STARTTLS refused (SMTP 454, IMAP NO, POP3 -ERR, LDAP unavailable)
  no-starttls SMTP only: EHLO reply without STARTTLS
  silent      accepts connections and never sends a byte
  drip        SMTP only: a "220-" greeting line every 0.3 s, never the last one
  full        a listening socket whose accept queue is full: connecting hangs
              (for connect timeouts; do not probe the port, wait for "ready")
  plaintext   a plain-text SMTP-like server (for a TLS port): greets in text
  close       closes the connection as soon as the client sends something
              (for TLS: during the handshake), else after half a second
Writes "ready" to stdout once listening.
"""
import argparse
import socket
import socketserver
import ssl
import sys
import threading
import time

STARTTLS_OID = b"1.3.6.1.4.1.1466.20037"


def ber_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def ber(tag, content):
    return bytes([tag]) + ber_len(len(content)) + content


def read_ber(f):
    """One BER element from a binary file object, or None at EOF."""
    head = f.read(2)
    if len(head) < 2:
        return None
    n = head[1]
    extra = b""
    if n & 0x80:
        extra = f.read(n & 0x7F)
        n = int.from_bytes(extra, "big")
    return head + extra + f.read(n)


class Handler(socketserver.StreamRequestHandler):
    def send(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def line(self):
        return self.rfile.readline().decode(errors="replace").rstrip("\r\n")

    def tls(self):
        ctx = self.server.tls_ctx
        try:
            s = ctx.wrap_socket(self.connection, server_side=True)
            # let the client finish; it closes after reading the certificates
            s.settimeout(10)
            try:
                s.recv(1)
            except (OSError, ssl.SSLError):
                pass
            s.close()
        except (OSError, ssl.SSLError):
            pass

    def handle(self):
        mode = self.server.mode
        proto = self.server.proto
        if mode == "silent":
            self.connection.settimeout(60)
            try:
                while self.connection.recv(4096):
                    pass
            except OSError:
                pass
            return
        if mode == "drip":
            try:
                for i in range(1000):
                    self.send("220-mail.example.test still greeting, line %d" % i)
                    time.sleep(0.3)
            except OSError:
                pass
            return
        if mode == "plaintext":
            self.send("220 plain.example.test ESMTP plain text, not TLS")
            while True:
                data = self.rfile.readline()
                if not data:
                    return
                self.send("500 5.5.1 command not recognized")
        if mode == "close":
            # a TLS client speaks first: close once it has; a STARTTLS client waits: close soon
            self.connection.settimeout(0.5)
            try:
                self.connection.recv(1)
            except OSError:
                pass
            return
        getattr(self, "handle_" + proto)()

    def handle_tls(self):
        self.tls()

    def handle_smtp(self):
        mode = self.server.mode
        self.send("220 mail.example.test ESMTP test server")
        while True:
            cmd = self.line()
            if not cmd:
                return
            verb = cmd.split(" ")[0].upper()
            if verb == "EHLO":
                self.send("250-mail.example.test greets you")
                self.send("250-PIPELINING")
                if mode != "no-starttls":
                    self.send("250-STARTTLS")
                self.send("250 8BITMIME")
            elif verb == "STARTTLS":
                if mode == "refuse":
                    self.send("454 4.7.0 TLS not available due to temporary reason")
                    continue
                self.send("220 2.0.0 Ready to start TLS")
                self.tls()
                return
            elif verb == "QUIT":
                self.send("221 2.0.0 Bye")
                return
            else:
                self.send("502 5.5.2 command not implemented")

    def handle_imap(self):
        self.send("* OK [CAPABILITY IMAP4rev1 STARTTLS] imap.example.test ready")
        while True:
            cmd = self.line()
            if not cmd:
                return
            tag, _, rest = cmd.partition(" ")
            verb = rest.split(" ")[0].upper()
            if verb == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1 STARTTLS")
                self.send(tag + " OK CAPABILITY completed")
            elif verb == "STARTTLS":
                if self.server.mode == "refuse":
                    self.send(tag + " NO [UNAVAILABLE] TLS not available")
                    continue
                self.send(tag + " OK Begin TLS negotiation now")
                self.tls()
                return
            else:
                self.send(tag + " BAD unknown command")

    def handle_pop3(self):
        self.send("+OK pop.example.test POP3 ready")
        while True:
            cmd = self.line()
            if not cmd:
                return
            verb = cmd.split(" ")[0].upper()
            if verb == "STLS":
                if self.server.mode == "refuse":
                    self.send("-ERR TLS not available")
                    continue
                self.send("+OK Begin TLS negotiation")
                self.tls()
                return
            if verb == "QUIT":
                self.send("+OK bye")
                return
            self.send("-ERR unknown command")

    def handle_ldap(self):
        msg = read_ber(self.rfile)
        if msg is None:
            return
        # LDAPMessage: 30 L 02 01 id 77 L 80 L oid
        body = msg[2:] if msg[1] < 0x80 else msg[2 + (msg[1] & 0x7F):]
        msgid = body[2:2 + body[1]]
        ok = STARTTLS_OID in msg and self.server.mode != "refuse"
        code = 0 if ok else 52
        diag = b"" if ok else b"TLS not configured"
        resp = ber(0x0A, bytes([code])) + ber(0x04, b"") + ber(0x04, diag) + ber(0x8A, STARTTLS_OID)
        out = ber(0x30, ber(0x02, msgid) + ber(0x78, resp))
        self.wfile.write(out)
        self.wfile.flush()
        if ok:
            self.tls()


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def full_backlog(port):
    """listen(0), never accept, and fill the queue with our own connections."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(0)
    fillers = []
    for _ in range(4):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(c)
    print("ready", flush=True)
    while True:
        time.sleep(60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proto", required=True, choices=["smtp", "imap", "pop3", "ldap", "tls"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--mode", default="ok",
                    choices=["ok", "refuse", "silent", "plaintext", "close", "no-starttls", "full",
                             "drip"])
    a = ap.parse_args()
    if a.mode == "full":
        return full_backlog(a.port)
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.proto = a.proto
    srv.mode = a.mode
    srv.tls_ctx = None
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        srv.tls_ctx = ctx
    print("ready", flush=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        t.join()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

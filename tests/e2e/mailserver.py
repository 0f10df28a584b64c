#!/usr/bin/env python3
"""A tiny mail server for trustshim's end-to-end tests (standard library only).

SMTP with STARTTLS (mail is refused until TLS is on) and IMAPS (TLS from the
first byte), sharing one in-memory mailbox, both on 127.0.0.1.  It speaks just
enough of each protocol for Jakarta Mail's SMTPTransport and IMAPStore: EHLO,
STARTTLS, MAIL, RCPT, DATA, QUIT; CAPABILITY, LOGIN, LIST, SELECT/EXAMINE,
FETCH (FLAGS, UID, RFC822.SIZE, INTERNALDATE, BODY[] and BODY.PEEK[] with a
partial range), NOOP, CLOSE, LOGOUT.  Every command line is logged, so a test
that fails shows what the client asked for.

    mailserver.py --cert C.pem --key C.key --smtp-port P --imaps-port Q \
                  --user U --password W [--log FILE]
"""

import argparse
import re
import socketserver
import ssl
import sys
import threading
import time

MAILBOX = []  # raw messages (bytes, CRLF line ends), shared by both servers
LOCK = threading.Lock()
LOG = sys.stderr


def log(proto, text):
    with LOCK:
        LOG.write("%s %s %s\n" % (time.strftime("%H:%M:%S"), proto, text))
        LOG.flush()


class LineIO:
    """Reads CRLF lines from a socket that may be replaced by its TLS wrapper."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def readline(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                return None
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r")

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)


class SmtpHandler(socketserver.BaseRequestHandler):
    def handle(self):
        io = LineIO(self.request)
        tls = False
        io.send("220 localhost ESMTP trustshim-test\r\n")
        while True:
            line = io.readline()
            if line is None:
                return
            text = line.decode("utf-8", "replace")
            log("smtp", "C: " + text)
            verb = text.split(" ", 1)[0].upper()
            if verb == "EHLO":
                ext = "250-localhost\r\n"
                if not tls:
                    ext += "250-STARTTLS\r\n"
                io.send(ext + "250 8BITMIME\r\n")
            elif verb == "HELO":
                io.send("250 localhost\r\n")
            elif verb == "STARTTLS" and not tls:
                if io.buf:
                    io.send("501 pipelined data after STARTTLS\r\n")
                    return
                io.send("220 go ahead\r\n")
                try:
                    io.sock = self.server.tls.wrap_socket(self.request, server_side=True)
                except (OSError, ValueError) as e:
                    log("smtp", "TLS handshake failed: %s" % e)
                    return
                tls = True
            elif verb in ("MAIL", "RCPT") and not tls:
                io.send("530 5.7.0 must issue a STARTTLS command first\r\n")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                io.send("250 ok\r\n")
            elif verb == "DATA" and tls:
                io.send("354 end with <CRLF>.<CRLF>\r\n")
                lines = []
                while True:
                    data = io.readline()
                    if data is None:
                        return
                    if data == b".":
                        break
                    lines.append(data[1:] if data.startswith(b".") else data)
                with LOCK:
                    MAILBOX.append(b"\r\n".join(lines) + b"\r\n")
                log("smtp", "stored a message of %d lines" % len(lines))
                io.send("250 queued\r\n")
            elif verb == "QUIT":
                io.send("221 bye\r\n")
                return
            else:
                io.send("502 command not implemented\r\n")


FETCH_ITEM = re.compile(r"(BODY(?:\.PEEK)?\[\](?:<(\d+)\.(\d+)>)?|[A-Z0-9.]+)", re.I)


def imap_seqset(spec, count):
    """The message numbers (1-based) a sequence set like 1:*,3 names."""
    result = []
    for part in spec.split(","):
        lo, _, hi = part.partition(":")
        lo = count if lo == "*" else int(lo)
        hi = lo if not hi else (count if hi == "*" else int(hi))
        lo, hi = min(lo, hi), max(lo, hi)
        result.extend(n for n in range(lo, hi + 1) if 1 <= n <= count)
    return result


class ImapHandler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            sock = self.server.tls.wrap_socket(self.request, server_side=True)
        except (OSError, ValueError) as e:
            log("imap", "TLS handshake failed: %s" % e)
            return
        io = LineIO(sock)
        user = self.server.user
        password = self.server.password
        authed = False
        selected = False
        io.send("* OK [CAPABILITY IMAP4rev1] trustshim-test ready\r\n")
        while True:
            line = io.readline()
            if line is None:
                return
            text = line.decode("utf-8", "replace")
            log("imap", "C: " + (text if " LOGIN " not in text.upper() else text.split(" ")[0] + " LOGIN ..."))
            parts = text.split(" ", 2)
            if len(parts) < 2:
                io.send("* BAD missing command\r\n")
                continue
            tag, cmd = parts[0], parts[1].upper()
            arg = parts[2] if len(parts) > 2 else ""
            uid = False
            if cmd == "UID":
                uid = True
                sub = arg.split(" ", 1)
                cmd, arg = sub[0].upper(), (sub[1] if len(sub) > 1 else "")
            with LOCK:
                messages = list(MAILBOX)
            if cmd == "CAPABILITY":
                io.send("* CAPABILITY IMAP4rev1\r\n%s OK done\r\n" % tag)
            elif cmd == "NOOP":
                io.send("%s OK done\r\n" % tag)
            elif cmd == "LOGOUT":
                io.send("* BYE\r\n%s OK bye\r\n" % tag)
                return
            elif cmd == "LOGIN":
                words = [w.strip('"') for w in arg.split(" ")]
                if words == [user, password]:
                    authed = True
                    io.send("%s OK logged in\r\n" % tag)
                else:
                    io.send("%s NO wrong user or password\r\n" % tag)
            elif not authed:
                io.send("%s BAD log in first\r\n" % tag)
            elif cmd == "LIST":
                if "INBOX" in arg.upper() or "%" in arg or "*" in arg:
                    io.send('* LIST (\\HasNoChildren) "/" INBOX\r\n')
                io.send("%s OK done\r\n" % tag)
            elif cmd in ("SELECT", "EXAMINE"):
                selected = True
                io.send("* FLAGS (\\Seen)\r\n* %d EXISTS\r\n* 0 RECENT\r\n"
                        "* OK [UIDVALIDITY 1] ok\r\n* OK [UIDNEXT %d] ok\r\n"
                        "* OK [PERMANENTFLAGS ()] ok\r\n%s OK [READ-ONLY] done\r\n"
                        % (len(messages), len(messages) + 1, tag))
            elif cmd == "CLOSE" and selected:
                selected = False
                io.send("%s OK done\r\n" % tag)
            elif cmd == "FETCH" and selected:
                spec, _, items = arg.partition(" ")
                items = items.strip("()")
                for n in imap_seqset(spec, len(messages)):
                    io.send(self.fetch_response(n, messages[n - 1], items, uid))
                io.send("%s OK done\r\n" % tag)
            else:
                log("imap", "unsupported: " + text)
                io.send("%s BAD not supported here\r\n" % tag)

    @staticmethod
    def fetch_response(n, raw, items, uid):
        out = [b"UID %d" % n] if uid else []
        for m in FETCH_ITEM.finditer(items):
            item = m.group(1).upper()
            if item.startswith("BODY"):
                data = raw
                origin = ""
                if m.group(2) is not None:
                    start, length = int(m.group(2)), int(m.group(3))
                    data = raw[start:start + length]
                    origin = "<%d>" % start
                out.append(b"BODY[]%s {%d}\r\n" % (origin.encode(), len(data)) + data)
            elif item == "FLAGS":
                out.append(b"FLAGS ()")
            elif item == "UID" and not uid:
                out.append(b"UID %d" % n)
            elif item == "RFC822.SIZE":
                out.append(b"RFC822.SIZE %d" % len(raw))
            elif item == "INTERNALDATE":
                out.append(b'INTERNALDATE "01-Jan-2026 00:00:00 +0000"')
            elif item != "UID":
                log("imap", "fetch item ignored: " + item)
        return b"* %d FETCH (" % n + b" ".join(out) + b")\r\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--smtp-port", type=int, required=True)
    ap.add_argument("--imaps-port", type=int, required=True)
    ap.add_argument("--user", default="test")
    ap.add_argument("--password", default="secret")
    ap.add_argument("--log")
    args = ap.parse_args()

    global LOG
    if args.log:
        LOG = open(args.log, "a", encoding="utf-8")

    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(args.cert, args.key)

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.daemon_threads = True
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", args.smtp_port), SmtpHandler)
    smtp.tls = tls
    imaps = socketserver.ThreadingTCPServer(("127.0.0.1", args.imaps_port), ImapHandler)
    imaps.tls = tls
    imaps.user, imaps.password = args.user, args.password
    log("main", "smtp on %d, imaps on %d" % (args.smtp_port, args.imaps_port))
    threading.Thread(target=imaps.serve_forever, daemon=True).start()
    try:
        smtp.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# trustshim fetch against real servers on 127.0.0.1: openssl s_server (TLS), the
# Python STARTTLS servers (SMTP, IMAP, POP3, LDAP), slapd (LDAP StartTLS, ldaps),
# and servers that misbehave.  Pinning, trust on first use, every error path.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/cli/lib.sh"
. "$TS_SOURCE_DIR/tests/servers/slapd.sh"
ts_require_cmd openssl python3

expect 0 "$T" init
ts_selfsigned "$TS_TMP" srv localhost
SRV=$(sha srv)
# a chain: root CA -> server certificate, served with the root
mkcert root "Test Root CA" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
openssl req -new -newkey rsa:2048 -nodes -keyout "$TS_TMP/leaf.key" -out "$TS_TMP/leaf.csr" \
    -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$TS_TMP/leaf.ext"
openssl x509 -req -in "$TS_TMP/leaf.csr" -CA "$TS_TMP/root.pem" -CAkey "$TS_TMP/root.key" \
    -CAcreateserial -days 30 -sha256 -extfile "$TS_TMP/leaf.ext" -out "$TS_TMP/leaf.pem" 2>/dev/null
cat "$TS_TMP/leaf.pem" "$TS_TMP/root.pem" >"$TS_TMP/leafchain.pem"

P_TLS=$(ts_free_port)
ts_s_server "$TS_TMP/srv.pem" "$TS_TMP/srv.key" "$P_TLS"
P_CHAIN=$(ts_free_port)
ts_s_server "$TS_TMP/leaf.pem" "$TS_TMP/leaf.key" "$P_CHAIN" -cert_chain "$TS_TMP/root.pem"

# --- TLS: the chain is printed, not verified; nothing is added without --add
snapshot
expect 0 "$T" fetch "https://localhost:$P_TLS"
has "$OUT" "https://localhost:$P_TLS presented 1 certificate:"
has "$OUT" "subject:  CN=localhost"
has "$OUT" "sha256:   $SRV"
has "$OUT" "to trust [0], confirm its SHA-256 with the server's administrator, then run:"
has "$OUT" "  trustshim fetch https://localhost:$P_TLS --add --sha256 $SRV"
unchanged "fetch without --add"
expect 0 "$T" fetch "127.0.0.1:$P_TLS"
has "$OUT" "sha256:   $SRV"
# two certificates: the last (the root) is the default pick
expect 0 "$T" fetch "localhost:$P_CHAIN"
has "$OUT" "presented 2 certificates"
has "$OUT" "[1] (chosen)"
has "$OUT" "subject:  CN=Test Root CA"
# SNI is the URL's host: a server with a certificate per name shows the one for "localhost",
# and its default one to a client that sends no name (an IP address)
P_SNI=$(ts_free_port)
ts_s_server "$TS_TMP/srv.pem" "$TS_TMP/srv.key" "$P_SNI" -servername localhost \
    -cert2 "$TS_TMP/leaf.pem" -key2 "$TS_TMP/leaf.key"
expect 0 "$T" fetch "https://localhost:$P_SNI"
has "$OUT" "sha256:   $(sha leaf)"
expect 0 "$T" fetch "https://127.0.0.1:$P_SNI"
has "$OUT" "sha256:   $SRV"
# --pick leaf: the server's own
expect 0 "$T" fetch "localhost:$P_CHAIN" --pick leaf
has "$OUT" "[0] (chosen)"
hasnt "$OUT" "[1] (chosen)"
has "$OUT" "--add --sha256 $(sha leaf)"
expect 0 "$T" --manifest "$TS_TMP/pick.json" init
expect 0 "$T" --manifest "$TS_TMP/pick.json" fetch "localhost:$P_CHAIN" --pick leaf --add --trust-on-first-use
has "$OUT" "[0] (to add)"
expect 0 "$T" --manifest "$TS_TMP/pick.json" list --json
has "$OUT" "$(sha leaf)"
hasnt "$OUT" "$(sha root)"
# --alias is lowercased as keytool does (and as add does); without it the alias is the
# certificate's CN, not the URL's host
expect 0 "$T" --manifest "$TS_TMP/alias.json" init
expect 0 "$T" --manifest "$TS_TMP/alias.json" fetch "localhost:$P_CHAIN" --pick leaf --add \
    --trust-on-first-use --alias Corp-Leaf
has "$OUT" "added corp-leaf"
expect 0 "$T" --manifest "$TS_TMP/alias.json" fetch "127.0.0.1:$P_CHAIN" --add --trust-on-first-use
hasnt "$OUT" "added 127.0.0.1"
expect 0 "$T" --manifest "$TS_TMP/alias.json" list --json
python3 - "$TS_TMP/.out" "$(sha leaf)" "$(sha root)" <<'PY' || ts_fail "fetch --alias: $OUT"
import json, sys
a = {e["sha256"]: e["alias"] for e in json.load(open(sys.argv[1]))["certificates"]}
assert a[sys.argv[2]] == "corp-leaf", a
assert a[sys.argv[3]] == "test-root-ca", a
PY
snapshot
expect 2 "$T" fetch "localhost:$P_CHAIN" --add --trust-on-first-use --alias "x [jdk]"
error_is "trustshim: error: --alias: 'x [jdk]' is not a valid alias"
unchanged "fetch with an invalid --alias"

# --- pinning: a mismatch refuses and changes nothing
expect 1 "$T" fetch "https://localhost:$P_TLS" --add --sha256 "$(sha root)"
error_is "trustshim: error: https://localhost:$P_TLS: pin mismatch: no certificate presented has SHA-256 $(sha root); nothing added"
# ... after showing what was presented, so the admin can compare
has "$OUT" "sha256:   $SRV"
hasnt "$OUT" "(to add)"
unchanged "pin mismatch"
expect 1 "$T" fetch "https://localhost:$P_TLS" --sha256 "$(sha root)"
error_is "pin mismatch: no certificate presented has SHA-256 $(sha root)"
hasnt "$ERR" "nothing added"
# ... a match (colons and uppercase allowed) adds that certificate, with the host, source and time
pin=$(openssl x509 -in "$TS_TMP/srv.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
expect 0 "$T" fetch "https://localhost:$P_TLS" --add --sha256 "$pin"
has "$OUT" "added localhost"
expect 0 "$T" list --json
python3 - "$TS_TMP/.out" "$SRV" "https://localhost:$P_TLS" <<'PY' || ts_fail "fetched entry: $OUT"
import json, sys
e = json.load(open(sys.argv[1]))["certificates"][0]
assert e["sha256"] == sys.argv[2] and e["hosts"] == ["localhost"], e
assert e["source"] == "fetch " + sys.argv[3], e
assert e["added"].endswith("Z"), e
PY
# the pin picks the leaf of a chain even though the default would be the root
expect 0 "$T" fetch "localhost:$P_CHAIN" --add --sha256 "$(sha leaf)" --alias leaf-pinned
has "$OUT" "added leaf-pinned"
has "$OUT" "[0] (to add)"
# the same again: already there, nothing changes
snapshot
expect 0 "$T" fetch "localhost:$P_CHAIN" --add --sha256 "$(sha leaf)"
has "$OUT" "already in the manifest as leaf-pinned"
unchanged "fetch --add of a certificate already there"
# ... from another host name: the entry now lists that host too (its <host>.ks needs it), nothing else
expect 0 "$T" fetch "127.0.0.1:$P_CHAIN" --add --sha256 "$(sha leaf)"
has "$OUT" "already in the manifest as leaf-pinned (sha256 $(sha leaf)): now also for host 127.0.0.1"
[ -z "$ERR" ] || ts_fail "fetch --add from another host: unexpected stderr: $ERR"
expect 0 "$T" list --json
python3 - "$TS_TMP/.out" "$(sha leaf)" <<'PY' || ts_fail "fetch --add from another host: $OUT"
import json, sys
e = [e for e in json.load(open(sys.argv[1]))["certificates"] if e["sha256"] == sys.argv[2]]
assert len(e) == 1 and e[0]["alias"] == "leaf-pinned", e
assert e[0]["hosts"] == ["localhost", "127.0.0.1"], e[0]["hosts"]
PY
snapshot
expect 0 "$T" fetch "127.0.0.1:$P_CHAIN" --add --sha256 "$(sha leaf)"
has "$OUT" "already in the manifest as leaf-pinned"
has "$OUT" "nothing changed"
unchanged "fetch --add again from a host the entry lists"

# --- trust on first use: refused without a terminal, accepted when asked for
expect 1 "$T" fetch "localhost:$P_CHAIN" --add
error_is "refusing to add a certificate that is not pinned: no terminal to confirm"
unchanged "TOFU without a terminal"
expect 0 "$T" fetch "localhost:$P_CHAIN" --add --trust-on-first-use --pick all
has "$OUT" "already in the manifest as leaf-pinned"
has "$OUT" "added test-root-ca (sha256"
expect 0 "$T" list --json
has "$OUT" "$(sha root)"
# on a terminal it asks; "n" refuses, "y" adds
expect 0 "$T" remove "$(sha root)"
snapshot
set +e
out=$(printf 'n\n' | script -qec "'$T' fetch localhost:$P_CHAIN --add" /dev/null 2>&1)
rc=$?
set -e
[ "$rc" = 1 ] || ts_fail "answer n: exit $rc: $out"
has "$out" "Trust this certificate for localhost:$P_CHAIN? [y/N]"
has "$out" "not confirmed; nothing added"
unchanged "TOFU answered no"
# of two, the leaf is pinned already: that is said before asking, and only the root is asked for
out=$(printf 'n\n' | script -qec "'$T' fetch localhost:$P_CHAIN --add --pick all" /dev/null 2>&1) && ts_fail "answer n: $out"
has "$out" "pinned:   already in the manifest as leaf-pinned"
has "$out" "Trust this certificate for localhost:$P_CHAIN? [y/N]"
[ "$(grep -n 'already in the manifest as leaf-pinned' <<<"$out" | head -1 | cut -d: -f1)" -lt \
    "$(grep -n 'Trust this certificate' <<<"$out" | cut -d: -f1)" ] || ts_fail "pinned said after asking: $out"
unchanged "TOFU of two answered no"
# a terminal sees one line while connecting and waiting, cleared before the chain is shown
has "$out" "connecting to localhost:$P_CHAIN (TLS)"
has "$out" $'\r\e[K'
# all of them pinned: nothing to confirm, even on a terminal
out=$(printf '' | script -qec "'$T' fetch localhost:$P_CHAIN --add --pick leaf" /dev/null 2>&1) || ts_fail "already pinned: $out"
hasnt "$out" "Trust this"
has "$out" "already in the manifest as leaf-pinned"
unchanged "fetch --add of a pinned certificate on a terminal"
out=$(printf 'y\n' | script -qec "'$T' fetch localhost:$P_CHAIN --add" /dev/null 2>&1) || ts_fail "answer y: $out"
has "$out" "added test-root-ca (sha256"
expect 0 "$T" list --json
has "$OUT" "$(sha root)"

# --- STARTTLS: SMTP (and submission), IMAP, POP3, LDAP
P=$(ts_free_port); py_server smtp "$P" ok srv
expect 0 "$T" fetch "smtp://localhost:$P"
has "$OUT" "sha256:   $SRV"
expect 0 "$T" fetch "submission://127.0.0.1:$P"
has "$OUT" "sha256:   $SRV"
P=$(ts_free_port); py_server imap "$P" ok srv
expect 0 "$T" fetch "imap://localhost:$P"
has "$OUT" "sha256:   $SRV"
P_POP=$(ts_free_port); py_server pop3 "$P_POP" ok srv
expect 0 "$T" fetch "pop3://localhost:$P_POP"
has "$OUT" "sha256:   $SRV"
P=$(ts_free_port); py_server ldap "$P" ok srv
expect 0 "$T" fetch "ldap://localhost:$P"
has "$OUT" "sha256:   $SRV"
# slapd: StartTLS (our hand-made BER request) and ldaps
P_LDAP=$(ts_free_port)
P_LDAPS=$(ts_free_port)
chmod 0644 "$TS_TMP/srv.key"
ts_slapd "$TS_TMP/slapd" "$P_LDAP" "$P_LDAPS" "$TS_TMP/srv.pem" "$TS_TMP/srv.key"
expect 0 "$T" fetch "ldap://localhost:$P_LDAP"
has "$OUT" "sha256:   $SRV"
expect 0 "$T" fetch "ldaps://localhost:$P_LDAPS"
has "$OUT" "sha256:   $SRV"
expect 0 "$T" fetch "ldap://localhost:$P_LDAP" --add --sha256 "$SRV" --alias slapd
has "$OUT" "already in the manifest"
# verify speaks the same StartTLS: the certificate is in the manifest, the name matches
expect 0 "$T" verify "ldap://localhost:$P_LDAP" --no-base
has "$OUT" "yes: ldap://localhost:$P_LDAP is trusted"
expect 0 "$T" verify "ldaps://localhost:$P_LDAPS" --no-base

# --- refusals
snapshot
P=$(ts_free_port); py_server smtp "$P" refuse
expect 1 "$T" fetch "smtp://localhost:$P" --add --trust-on-first-use
error_is "smtp://localhost:$P: server refused STARTTLS: 454 4.7.0 TLS not available due to temporary reason"
P=$(ts_free_port); py_server smtp "$P" no-starttls
expect 1 "$T" fetch "smtp://localhost:$P"
error_is "server does not offer STARTTLS"
P=$(ts_free_port); py_server imap "$P" refuse
expect 1 "$T" fetch "imap://localhost:$P"
error_is "server refused STARTTLS: NO [UNAVAILABLE] TLS not available"
P=$(ts_free_port); py_server pop3 "$P" refuse
expect 1 "$T" fetch "pop3://localhost:$P"
error_is "server refused STLS: -ERR TLS not available"
P=$(ts_free_port); py_server ldap "$P" refuse
expect 1 "$T" fetch "ldap://localhost:$P"
error_is "server refused StartTLS: result 52 (unavailable): TLS not configured"
# slapd without a certificate refuses StartTLS its own way
P=$(ts_free_port)
ts_slapd "$TS_TMP/slapd-notls" "$P"
expect 1 "$T" fetch "ldap://localhost:$P"
error_is "ldap://localhost:$P: server refused StartTLS: result"
unchanged "refused STARTTLS"

# --- a server that never answers: each step times out, clearly, in time
P=$(ts_free_port); py_server smtp "$P" silent
start=$SECONDS
expect 1 "$T" fetch "smtp://localhost:$P" --timeout 1
error_is "smtp://localhost:$P: timed out after 1 s waiting for the SMTP greeting"
expect 1 "$T" fetch "https://localhost:$P" --timeout 1
error_is "timed out after 1 s waiting for the TLS handshake"
expect 1 "$T" fetch "imap://localhost:$P" --timeout 0.5
error_is "timed out after 0.5 s waiting for the IMAP greeting"
expect 1 "$T" fetch "pop3://localhost:$P" --timeout 0.5
error_is "timed out after 0.5 s waiting for the POP3 greeting"
expect 1 "$T" fetch "ldap://localhost:$P" --timeout 0.5
error_is "timed out after 0.5 s waiting for the LDAP StartTLS response"
# the connection itself: a port whose accept queue is full
P=$(ts_free_port)
python3 "$SERVERS/starttls_server.py" --proto tls --port "$P" --mode full >"$TS_TMP/full.out" 2>&1 &
full_pid=$!
ts_on_exit "kill $full_pid 2>/dev/null; wait $full_pid 2>/dev/null"
for _ in $(seq 50); do grep -q ready "$TS_TMP/full.out" && break; sleep 0.1; done
grep -q ready "$TS_TMP/full.out" || ts_fail "the full-backlog server did not start: $(cat "$TS_TMP/full.out")"
expect 1 "$T" fetch "https://127.0.0.1:$P" --timeout 1
error_is "https://127.0.0.1:$P: timed out after 1 s waiting for the connection"
((SECONDS - start < 15)) || ts_fail "timeouts took $((SECONDS - start)) s"

# --- the wrong protocol
P=$(ts_free_port); py_server smtp "$P" plaintext
expect 1 "$T" fetch "https://localhost:$P"
error_is "https://localhost:$P: not a TLS server (got plain text: '220 plain.example.test ESMTP plain text, not TLS')"
expect 1 "$T" fetch "imap://localhost:$P"
error_is "not an IMAP server (got '220 plain.example.test ESMTP plain text, not TLS')"
expect 1 "$T" fetch "pop3://localhost:$P"
error_is "not a POP3 server"
expect 1 "$T" fetch "ldap://localhost:$P"
error_is "not an LDAP server (got plain text: '220 plain.example.test"
expect 1 "$T" fetch "smtp://localhost:$P_POP"
error_is "not an SMTP server (got '+OK pop.example.test POP3 ready' while waiting for the SMTP greeting)"
# closed during the handshake / before the greeting
P=$(ts_free_port); py_server tls "$P" close
expect 1 "$T" fetch "https://localhost:$P"
error_is "https://localhost:$P: connection closed during the TLS handshake"
expect 1 "$T" fetch "smtp://localhost:$P"
error_is "connection closed while waiting for the SMTP greeting"
# nobody listening; an unknown host
P=$(ts_free_port)
expect 1 "$T" fetch "https://127.0.0.1:$P"
error_is "https://127.0.0.1:$P: cannot connect: Connection refused"
expect 1 "$T" fetch "https://no-such-host.invalid:443" --timeout 2
error_is "cannot resolve no-such-host.invalid"
unchanged "failed fetches"
# --add with no manifest: said before connecting (nothing to confirm, no server needed)
rm -f "$TS_TMP/none.json"
expect 2 "$T" --manifest "$TS_TMP/none.json" fetch "https://localhost:$P_TLS" --add --sha256 "$SRV"
error_is "$TS_TMP/none.json: no such manifest (create it with 'trustshim init')"
hasnt "$OUT" "presented"
expect 2 "$T" --manifest "$TS_TMP/none.json" fetch "https://127.0.0.1:$P" --add
error_is "$TS_TMP/none.json: no such manifest"
# --- what the server chose, and the names the certificates are for
expect 0 "$T" fetch "localhost:$P_CHAIN"
has "$OUT" "connected: TLSv1.3, TLS_"
has "$OUT" "  names:    DNS:localhost, IP:127.0.0.1"
P_12=$(ts_free_port)
ts_s_server "$TS_TMP/srv.pem" "$TS_TMP/srv.key" "$P_12" -tls1_2
expect 0 "$T" fetch "localhost:$P_12"
has "$OUT" "connected: TLSv1.2, TLS_ECDHE_RSA_WITH_"

# --- --pem, -o FILE, --json
expect 0 "$T" fetch "localhost:$P_CHAIN" --pem
[ "$OUT" = "$(cat "$TS_TMP/leafchain.pem")" ] || ts_fail "--pem is not the chain: $OUT"
expect 0 "$T" fetch "localhost:$P_CHAIN" -o "$TS_TMP/got.pem"
cmp -s "$TS_TMP/got.pem" "$TS_TMP/leafchain.pem" || ts_fail "-o: not the chain"
has "$OUT" "presented 2 certificates"
expect 0 "$T" fetch "localhost:$P_CHAIN" -o "$TS_TMP/got.pem" --pick leaf
cmp -s "$TS_TMP/got.pem" "$TS_TMP/leaf.pem" || ts_fail "-o --pick leaf: not the leaf"
expect 0 "$T" fetch "localhost:$P_CHAIN" --json
python3 - "$TS_TMP/.out" "$(sha leaf)" "$(sha root)" "$TS_TMP/leaf.pem" "$P_CHAIN" <<'PY' || ts_fail "fetch --json: $OUT"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["url"] == "localhost:" + sys.argv[5] and o["servername"] == "localhost", o
assert o["connected_to"] == "localhost:" + sys.argv[5], o
assert o["protocol"] == "TLSv1.3" and o["cipher"].startswith("TLS_"), o
c = o["certificates"]
assert [x["sha256"] for x in c] == [sys.argv[2], sys.argv[3]], c
assert c[0]["names"] == ["DNS:localhost", "IP:127.0.0.1"] and c[0]["pinned_as"] == "leaf-pinned", c[0]
assert c[1]["chosen"] and not c[0]["chosen"] and c[1]["ca"] and c[1]["self_signed"], c
assert c[0]["pem"] == open(sys.argv[4]).read(), c[0]["pem"]
assert c[0]["subject"] == "CN=localhost" and c[0]["not_after"].endswith("Z"), c[0]
PY
expect 2 "$T" fetch "localhost:$P_CHAIN" --json --add
error_is "--json only shows"

# --- --connect HOST:PORT and --servername NAME, as s_client has
expect 0 "$T" fetch "https://mail.example.invalid" --connect "127.0.0.1:$P_SNI" --servername localhost
has "$OUT" "connected to 127.0.0.1:$P_SNI, server name localhost: TLSv1.3"
has "$OUT" "sha256:   $(sha leaf)"
# the URL's host is the name sent when no --servername is given
expect 0 "$T" fetch "https://localhost:$P_SNI" --connect "127.0.0.1:$P_SNI"
has "$OUT" "sha256:   $(sha leaf)"
# ... and the host pinned for is the server's name, not the address reached
expect 0 "$T" --manifest "$TS_TMP/sni.json" init
expect 0 "$T" --manifest "$TS_TMP/sni.json" fetch "https://mail.example.invalid" --connect "127.0.0.1:$P_SNI" \
    --servername localhost --add --trust-on-first-use --pick leaf
expect 0 "$T" --manifest "$TS_TMP/sni.json" list --json
python3 - "$TS_TMP/.out" "$(sha leaf)" <<'PY' || ts_fail "fetch --servername --add: $OUT"
import json, sys
e = json.load(open(sys.argv[1]))["certificates"]
assert len(e) == 1 and e[0]["sha256"] == sys.argv[2] and e[0]["hosts"] == ["localhost"], e
PY
expect 2 "$T" fetch "https://localhost" --connect nonsense
error_is "--connect: 'nonsense' is not HOST:PORT"

# --- the whole exchange is bounded: a server that keeps greeting ("220-" lines) forever
P=$(ts_free_port); py_server smtp "$P" drip
start=$SECONDS
expect 1 "$T" fetch "smtp://localhost:$P" --timeout 2
error_is "smtp://localhost:$P: timed out after 2 s waiting for the SMTP greeting"
((SECONDS - start <= 4)) || ts_fail "--timeout 2 took $((SECONDS - start)) s against a dripping server"

# --- the scheme that fits the port
P=$(ts_free_port); py_server smtp "$P" plaintext
expect 1 "$T" fetch "https://localhost:$P"
error_is "not a TLS server (got plain text: '220 plain.example.test ESMTP plain text, not TLS'); the port speaks plain text first (STARTTLS): use smtp://localhost:$P"
P=$(ts_free_port); py_server imap "$P" ok srv
expect 1 "$T" fetch "https://localhost:$P"
error_is "use imap://localhost:$P"
expect 1 "$T" fetch "smtp://localhost:$P_TLS" --timeout 1
error_is "timed out after 1 s waiting for the SMTP greeting; no greeting; if the port expects TLS from the first byte: use smtps://localhost:$P_TLS"
expect 1 "$T" fetch "pop3://localhost:$P_TLS" --timeout 0.5
error_is "use pop3s://localhost:$P_TLS"
expect 1 "$T" fetch "ldap://localhost:$P_TLS" --timeout 1
error_is "if the port expects TLS from the first byte: use ldaps://localhost:$P_TLS"

# --- a renewed certificate: which entry it replaces, and --replace
expect 0 "$T" list --json
python3 - "$TS_TMP/.out" "$SRV" <<'PY' || ts_fail "before renewal: $OUT"
import json, sys
e = [e for e in json.load(open(sys.argv[1]))["certificates"] if e["sha256"] == sys.argv[2]]
assert len(e) == 1 and e[0]["alias"] == "localhost" and "localhost" in e[0]["hosts"], e
PY
ts_selfsigned "$TS_TMP" renewed localhost
P_NEW=$(ts_free_port)
ts_s_server "$TS_TMP/renewed.pem" "$TS_TMP/renewed.key" "$P_NEW"
expect 0 "$T" fetch "https://localhost:$P_NEW"
has "$OUT" "  renews:   localhost (for localhost, expires "
has "$OUT" "add with --add --replace to swap them, keeping its alias and hosts"
expect 2 "$T" fetch "https://localhost:$P_NEW" --replace
error_is "--replace goes with --add"
expect 0 "$T" fetch "https://localhost:$P_NEW" --add --sha256 "$(sha renewed)" --replace
has "$OUT" "renews:   localhost (for localhost, expires "
has "$OUT" "removed localhost (sha256 $SRV), replaced by the certificate below"
has "$OUT" "added localhost"
expect 0 "$T" list --json
python3 - "$TS_TMP/.out" "$SRV" "$(sha renewed)" <<'PY' || ts_fail "after --replace: $OUT"
import json, sys
e = json.load(open(sys.argv[1]))["certificates"]
assert not [x for x in e if x["sha256"] == sys.argv[2]], e
n = [x for x in e if x["sha256"] == sys.argv[3]]
assert len(n) == 1 and n[0]["alias"] == "localhost" and n[0]["hosts"] == ["localhost"], n
PY
# again: it is pinned already, nothing to replace, nothing changes
snapshot
expect 0 "$T" fetch "https://localhost:$P_NEW" --add --sha256 "$(sha renewed)" --replace
has "$OUT" "already in the manifest as localhost"
unchanged "--replace of a certificate already pinned"
# a certificate that renews nothing: --replace refuses
ts_selfsigned "$TS_TMP" fresh fresh.example.test
P_FRESH=$(ts_free_port)
ts_s_server "$TS_TMP/fresh.pem" "$TS_TMP/fresh.key" "$P_FRESH"
expect 1 "$T" fetch "https://fresh.example.test" --connect "127.0.0.1:$P_FRESH" --add --sha256 "$(sha fresh)" --replace
error_is "--replace: no entry for fresh.example.test in the manifest is renewed by this certificate; nothing changed"
unchanged "--replace with nothing to replace"
ts_log "ok"

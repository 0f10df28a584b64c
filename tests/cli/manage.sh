#!/usr/bin/env bash
# trustshim target / dir / set: every part of the manifest edited from the command line, with
# the same locked, atomic edits as add; and the small things a person reads: warnings about a
# manifest the library would refuse, init's modes and advice, aliases, "did you mean".
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/cli/lib.sh"

# manifest_py EXPR: evaluates a Python expression over the manifest (m), fails when false
manifest_py() {
    python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert eval(sys.argv[2]), m' \
        "$TRUSTSHIM_MANIFEST" "$1" || ts_fail "manifest: $1 is false: $(cat "$TRUSTSHIM_MANIFEST")"
}

# --- init: modes whatever the umask; a manifest the library would refuse is said so
(umask 000 && "$T" init >/dev/null) || ts_fail "init"
[ "$(stat -c %a "$TRUSTSHIM_MANIFEST")" = 644 ] || ts_fail "init under umask 000: $(stat -c %a "$TRUSTSHIM_MANIFEST")"
[ "$(stat -c %a "$(dirname "$TRUSTSHIM_MANIFEST")")" = 755 ] || ts_fail "init's directory mode"
mkdir -p "$TS_TMP/open"
chmod 777 "$TS_TMP/open"
expect 0 "$T" --manifest "$TS_TMP/open/m.json" init
has "$OUT" "created $TS_TMP/open/m.json"
warning_is "the library will refuse $TS_TMP/open/m.json: "
has "$ERR" "writable by group or others"
# an edit of such a manifest says so too, once
expect 0 "$T" --manifest "$TS_TMP/open/m.json" set format jks
warning_is "the library will refuse $TS_TMP/open/m.json"
chmod 755 "$TS_TMP/open"
chmod 666 "$TS_TMP/open/m.json"
expect 0 "$T" --manifest "$TS_TMP/open/m.json" set format pkcs12
warning_is "the library will refuse $TS_TMP/open/m.json"
# init as a user, without --manifest: the default is root's; a path of theirs is suggested
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    set +e
    err=$(cd / && env -u TRUSTSHIM_MANIFEST -u XDG_CONFIG_HOME HOME="/home/someone" \
        setpriv --reuid=65534 --regid=65534 --clear-groups "$T" init 2>&1 >/dev/null)
    rc=$?
    set -e
    [ "$rc" = 1 ] || ts_fail "init as a user: exit $rc: $err"
    has "$err" "trustshim: error: /etc/trustshim"
    has "$err" "not being root, use a manifest of yours: 'trustshim --manifest /home/someone/.config/trustshim/manifest.json init', then export TRUSTSHIM_MANIFEST=/home/someone/.config/trustshim/manifest.json"
    [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || ts_fail "init's advice is not one line: $err"
elif [ "$(id -u)" != 0 ] && [ ! -w /etc ]; then
    expect 1 env -u TRUSTSHIM_MANIFEST "$T" init
    error_is "not being root, use a manifest of yours"
else
    ts_log "SKIPPED: init as a user (needs root and setpriv, or a user who cannot write /etc)"
    [ "${TRUSTSHIM_NO_SKIP:-0}" != 1 ] || ts_fail "init as a user could not be tested"
fi

# --- target add | remove | list
expect 0 "$T" target list
has "$OUT" "no targets"
expect 0 "$T" target list --json
[ "$OUT" = "[]" ] || ts_fail "empty target list --json: $OUT"
touch "$TS_TMP/app-truststore.p12"
expect 0 "$T" target add "$TS_TMP/app-truststore.p12" --password app-secret
has "$OUT" "added target $TS_TMP/app-truststore.p12 (its entries plus the manifest's)"
[ -z "$ERR" ] || ts_fail "target add: $ERR"
manifest_py 'm["targets"][0]["password"] == "app-secret" and "merge" not in m["targets"][0]'
manifest_py 'm["targets"][0]["path"] == "'"$TS_TMP"'/app-truststore.p12"'
# relative paths are made absolute; a missing file is a warning
(cd "$TS_TMP" && "$T" target add other.jks --no-merge >"$TS_TMP/.out" 2>"$TS_TMP/.err") || ts_fail "target add relative"
has "$(cat "$TS_TMP/.out")" "added target $TS_TMP/other.jks (the manifest's certificates only)"
has "$(cat "$TS_TMP/.err")" "trustshim: warning: $TS_TMP/other.jks: does not exist (yet): it is served once it does"
manifest_py 'm["targets"][1] == {"path": "'"$TS_TMP"'/other.jks", "merge": False}'
# adding it again changes its options, or nothing
expect 0 "$T" target add "$TS_TMP/other.jks" --merge
has "$OUT" "target $TS_TMP/other.jks: its entries plus the manifest's"
snapshot
expect 0 "$T" target add "$TS_TMP/other.jks"
has "$OUT" "already a target: $TS_TMP/other.jks; nothing changed"
unchanged "target add of a target"
expect 0 "$T" target list
has "$OUT" "PATH"
grep -qE "^$TS_TMP/app-truststore.p12 +own +yes" <<<"$OUT" || ts_fail "target list: $OUT"
expect 0 "$T" target list --json
python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))
assert [x["password_set"] for x in t] == [True, False] and [x["merge"] for x in t] == [True, True], t
assert "app-secret" not in open(sys.argv[1]).read()' "$TS_TMP/.out" || ts_fail "target list --json: $OUT"
# errors: one line, nothing changed
snapshot
expect 2 "$T" target remove "$TS_TMP/nope.jks"
error_is "$TS_TMP/nope.jks: not a target of $TRUSTSHIM_MANIFEST (see 'trustshim target list')"
expect 2 "$T" target lst
error_is "target: unknown action 'lst': expected add, remove or list; did you mean 'list'?"
expect 2 "$T" target
error_is "target: add, remove or list?"
expect 2 "$T" target add
error_is "target: add: no PATH given"
expect 2 "$T" target add a b
error_is "target: add: one PATH at a time ('b' is one too many)"
expect 2 "$T" target remove "$TS_TMP/other.jks" --no-merge
error_is "target: remove takes only PATHs"
expect 2 "$T" target add x --json
error_is "target: --json is for 'target list'"
expect 2 "$T" target add ""
error_is "target: add: an empty PATH"
unchanged "failed target commands"
expect 0 "$T" target remove "$TS_TMP/other.jks" "$TS_TMP/app-truststore.p12"
has "$OUT" "removed target $TS_TMP/other.jks"
has "$OUT" "removed target $TS_TMP/app-truststore.p12"
manifest_py '"targets" not in m'

# --- dir add | remove | list
mkdir -p "$TS_TMP/stores"
expect 0 "$T" dir list
has "$OUT" "no keystore directories"
expect 0 "$T" dir add "$TS_TMP/stores"
has "$OUT" "added keystore directory $TS_TMP/stores (trust full)"
manifest_py 'm["keystore_dirs"] == ["'"$TS_TMP"'/stores"]'
expect 0 "$T" dir add "$TS_TMP/stores" --trust host --password ""
has "$OUT" "keystore directory $TS_TMP/stores: password changed"
has "$OUT" "keystore directory $TS_TMP/stores: trust host"
manifest_py 'm["keystore_dirs"][0]["password"] == "" and m["keystore_dirs"][0]["trust"] == "host"'
expect 0 "$T" dir list --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d == [{"path": d[0]["path"], "password_set": True, "trust": "host"}], d' "$TS_TMP/.out" ||
    ts_fail "dir list --json: $OUT"
expect 0 "$T" dir add "$TS_TMP/later"
warning_is "$TS_TMP/later: not a directory (yet)"
snapshot
expect 2 "$T" dir add "$TS_TMP/x" --trust partial
error_is "--trust: 'partial': expected full or host"
expect 2 "$T" dir remvoe "$TS_TMP/later"
error_is "did you mean 'remove'?"
expect 2 "$T" dir remove "$TS_TMP/none"
error_is "not a keystore directory of"
unchanged "failed dir commands"
expect 0 "$T" dir remove "$TS_TMP/later" "$TS_TMP/stores"
manifest_py '"keystore_dirs" not in m'

# --- set password | format; set alone shows them
expect 0 "$T" set
has "$OUT" "password: the default (changeit)"
has "$OUT" "format:   keep (each file's own)"
expect 0 "$T" set password s3cret
has "$OUT" "password set: the JVMs must open their trust stores with it"
manifest_py 'm["password"] == "s3cret"'
expect 0 "$T" set password ""
has "$OUT" "password set (empty)"
manifest_py 'm["password"] == ""'
expect 0 "$T" set --json
[ "$OUT" = '{"password_set": true, "password_default": false, "format": "keep"}' ] || ts_fail "set --json: $OUT"
hasnt "$OUT" "s3cret"
# without a value: asked on a terminal, echo off
out=$( (sleep 1; printf 'typed-pw\n') | script -qec "'$T' set password" /dev/null 2>&1) || ts_fail "set password on a terminal: $out"
has "$out" "New password of the served keystores: "
hasnt "$out" "typed-pw"
manifest_py 'm["password"] == "typed-pw"'
expect 0 "$T" set password changeit
manifest_py '"password" not in m'
expect 0 "$T" set format PKCS12
has "$OUT" "format pkcs12"
manifest_py 'm["format"] == "pkcs12"'
expect 0 "$T" set format keep
has "$OUT" "format keep: each file is served in its own"
manifest_py '"format" not in m'
snapshot
expect 2 "$T" set format xml
error_is "set: format 'xml': expected jks, pkcs12 or keep"
expect 2 "$T" set pasword x
error_is "unknown setting 'pasword': expected password or format; did you mean 'password'?"
expect 2 "$T" set password
error_is "password: no value given and no terminal to ask on"
expect 2 "$T" set format jks pkcs12
error_is "format takes one value"
unchanged "failed set commands"

# --- edits queue on the lock like add: 8 target adds at once all land
pids=()
for i in $(seq 1 8); do
    "$T" target add "$TS_TMP/t$i.jks" >"$TS_TMP/t$i.out" 2>&1 &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || ts_fail "a concurrent target add failed"; done
manifest_py 'len(m["targets"]) == 8'
expect 0 "$T" target remove $(for i in $(seq 1 8); do echo "$TS_TMP/t$i.jks"; done)

# --- aliases: from the CN or first SAN (not the host), transliterated, IPv6 readable, lowercased
mkcert ca "Mail Relay CA" -addext basicConstraints=critical,CA:TRUE
expect 0 "$T" add "$TS_TMP/ca.pem" --host mail.example.test
has "$OUT" "added mail-relay-ca"
openssl req -utf8 -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -keyout "$TS_TMP/u.key" \
    -out "$TS_TMP/u.pem" -subj "/CN=Société Générale Straße Root" 2>/dev/null || ts_fail "openssl utf8"
expect 0 "$T" add "$TS_TMP/u.pem"
has "$OUT" "added societe-generale-strasse-root"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -keyout "$TS_TMP/v6.key" \
    -out "$TS_TMP/v6.pem" -subj "/O=No Name" -addext "subjectAltName=IP:2001:DB8:0:0:0:0:0:1" 2>/dev/null ||
    ts_fail "openssl ipv6"
expect 0 "$T" add "$TS_TMP/v6.pem"
has "$OUT" "added 2001:db8::1"
mkcert up "Upper"
expect 0 "$T" add "$TS_TMP/up.pem" --alias "Corp-Root"
has "$OUT" "added corp-root"
# add - reads standard input; a host for a certificate already there is added in place
mkcert in "Stdin CA"
"$T" add - <"$TS_TMP/in.pem" >"$TS_TMP/.out" 2>&1 || ts_fail "add -: $(cat "$TS_TMP/.out")"
has "$(cat "$TS_TMP/.out")" "added stdin-ca"
manifest_py '[c for c in m["certificates"] if c["alias"] == "stdin-ca"][0]["source"] == "add (standard input)"'
"$T" add - --host ldap.example.test <"$TS_TMP/in.pem" >"$TS_TMP/.out" 2>&1 || ts_fail "add - again"
has "$(cat "$TS_TMP/.out")" "now also for host ldap.example.test"
manifest_py '[c for c in m["certificates"] if c["alias"] == "stdin-ca"][0]["hosts"] == ["ldap.example.test"]'

# --- did you mean: commands, aliases
expect 2 "$T" lsit
error_is "unknown command 'lsit'; did you mean 'list'?"
expect 2 "$T" imprt x
error_is "did you mean 'import'?"
expect 2 "$T" frobnicate
hasnt "$ERR" "did you mean"
expect 2 "$T" remove mail-relay
error_is "no certificate with alias or SHA-256 'mail-relay'; nothing removed; did you mean 'mail-relay-ca'?"

# --- counts and check --json messages
mkcert_dated soon "Soon CA" "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)" "$(date -u -d '+5 days' +%Y%m%d%H%M%SZ)" 2048 sha256 TRUE
expect 0 "$T" add "$TS_TMP/soon.pem"
expect 0 "$T" check --json
python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))
assert any("soon-ca" in x and "expires in" in x for x in o["messages"]), o["messages"]
assert o["warnings"] == len(o["messages"]), o' "$TS_TMP/.out" || ts_fail "check --json messages: $OUT"
has "$ERR" "trustshim: warning: "
expect 0 "$T" render -o "$TS_TMP/one.jks" --no-base --host ldap.example.test
has "$OUT" "(jks, 1 entry: "
expect 0 "$T" render --help
has "$OUT" "--base-password P"

# --- an entry without an alias (written by hand, or by an old version) is named as the CLI names
# new entries, from the certificate (its CN), not from hosts[0]: in list, and in what is served
mkcert handca "Hand Written Root"
python3 - "$TS_TMP/handca.pem" "$TS_TMP/hand.json" <<'PY' || ts_fail "writing hand.json"
import json, sys
pem = open(sys.argv[1]).read()
import base64, hashlib, re
der = base64.b64decode("".join(re.findall(r"^[A-Za-z0-9+/=]+$", pem, re.M)))
json.dump({"version": 1, "certificates": [{"pem": pem, "sha256": hashlib.sha256(der).hexdigest(),
           "hosts": ["mail.example.test"]}]}, open(sys.argv[2], "w"))
PY
chmod 0644 "$TS_TMP/hand.json"
TRUSTSHIM_MANIFEST=$TS_TMP/hand.json expect 0 "$T" list --json
python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))
assert [c["alias"] for c in o["certificates"]] == ["hand-written-root"], o' "$TS_TMP/.out" ||
    ts_fail "list: an entry without an alias: $OUT"
TRUSTSHIM_MANIFEST=$TS_TMP/hand.json expect 0 "$T" render -o "$TS_TMP/hand.jks" --no-base
# the one entry's alias, read from the JKS bytes: magic, version, count, tag, then the alias
python3 -c 'import struct,sys; b=open(sys.argv[1],"rb").read(); n=struct.unpack(">H", b[16:18])[0]
assert struct.unpack(">III", b[4:16]) == (2, 1, 2) and b[18:18+n] == b"hand-written-root", b[18:18+n]' \
    "$TS_TMP/hand.jks" || ts_fail "render: an entry without an alias is not named from its CN"
ts_log "ok"

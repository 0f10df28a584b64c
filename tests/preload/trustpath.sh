#!/usr/bin/env bash
# Who can change what the JVM trusts (docs/security.md): the manifest's owner
# and root, no one else.  A manifest reached through a symlink whose directory
# others can write, through a symlink of another user, a keystore directory
# others can write: refused, one line, the original file (EACCES under
# TRUSTSHIM_STRICT=1).  A manifest that is a device is not read at all; a
# manifest path or working directory beyond PATH_MAX is said, not ignored.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
ts_require_jdk
pl_setup
chmod 755 "$TS_TMP"
ts_selfsigned "$TS_TMP" srv mail.example.test
mkdir -p "$TS_TMP/safe" "$TS_TMP/open" "$TS_TMP/sticky" "$TS_TMP/home/keystore"
cat >"$TS_TMP/safe/good.json" <<JSON
{ "version": 1, "certificates": [ $(pl_cert_json "$TS_TMP/srv.pem" mail '["mail.example.test"]') ] }
JSON
# open/: writable by all, not sticky; it holds a symlink to the safe directory.
chmod 777 "$TS_TMP/open"
ln -s "$TS_TMP/safe" "$TS_TMP/open/l"
# sticky/: like /tmp; a symlink of ours, and one of another user.
chmod 1777 "$TS_TMP/sticky"
ln -s "$TS_TMP/safe" "$TS_TMP/sticky/mine"
ln -s "$TS_TMP/safe" "$TS_TMP/sticky/theirs"
other_owner=0
if [ "$(id -u)" = 0 ]; then
    chown -h 65534:65534 "$TS_TMP/sticky/theirs"
    other_owner=1
else
    ts_log "SKIPPED part: a symlink of another user needs root"
    [ "${TRUSTSHIM_NO_SKIP:-0}" = 1 ] && ts_fail "skipped with TRUSTSHIM_NO_SKIP=1"
fi

# one_line FILE TEXT: exactly one line on stderr, an error naming TEXT.
one_line() {
    [ "$(grep -c . "$1")" = 1 ] || ts_fail "expected one line on stderr: $(cat "$1")"
    grep -q -F -- "error: " "$1" || ts_fail "not an error line: $(cat "$1")"
    grep -q -F -- "$2" "$1" || ts_fail "the line lacks '$2': $(cat "$1")"
}

# Python itself, not a wrapper script (a pyenv shim cannot enter a long working directory).
PY=$(python3 -c 'import sys; print(sys.executable)')

# py_open PATH: what Python's open() of PATH gives under the library: "ok", or the errno name.
py_open() {
    ts_with_preload "$PY" -c '
import errno, sys
try:
    open(sys.argv[1], "rb").close()
    print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])' "$1"
}

jh=$(ts_jdks | sed -n 1p)
base=$(pl_probe_plain "$jh" cacerts | sed -n 's/^entries //p')
cacerts="$jh/lib/security/cacerts" # by name: a JRE trust store for any process
for m in "$TS_TMP/safe/good.json" "$TS_TMP/sticky/mine/good.json"; do
    [ "$(TRUSTSHIM_MANIFEST="$m" pl_probe "$jh" cacerts)" = "entries $((base + 1))" ] ||
        ts_fail "$m: a safe manifest is not served"
done
refused=("$TS_TMP/open/l/good.json:$TS_TMP/open: writable by group or others (mode 0777)")
[ "$other_owner" = 1 ] &&
    refused+=("$TS_TMP/sticky/theirs/good.json:$TS_TMP/sticky/theirs: symlink owned by uid 65534: expected root or uid 0")
for r in "${refused[@]}"; do
    m=${r%%:*} text=${r#*:}
    out=$(TRUSTSHIM_MANIFEST="$m" pl_probe "$jh" cacerts 2>"$TS_TMP/err") || ts_fail "$m: the JVM failed"
    [ "$out" = "entries $base" ] || ts_fail "$m: expected the original $base entries, got $out"
    one_line "$TS_TMP/err" "$text"
    # strict: the JVM stops at start, before the probe's main (one line, exit status 1)
    if out=$(TRUSTSHIM_STRICT=1 TRUSTSHIM_MANIFEST="$m" pl_probe "$jh" cacerts 2>"$TS_TMP/err"); then
        ts_fail "$m: TRUSTSHIM_STRICT=1: cacerts loaded: $out"
    fi
    [ -z "$out" ] || ts_fail "$m: strict: the probe ran: $out"
    grep -q "$text; TRUSTSHIM_STRICT=1: the JVM stops (exit status 1)" "$TS_TMP/err" ||
        ts_fail "$m: strict: expected the JVM to stop: $(cat "$TS_TMP/err")"
    ts_log "refused: $(pl_error_lines "$TS_TMP/err")"
done

# The race of the issue: another user swaps a symlink, in a directory it owns, between our safe
# directory and its own manifest (two CAs of its own) while JVMs start.  Never served: not its
# manifest, and not ours either through its directory.
if [ "$other_owner" = 1 ]; then
    ts_selfsigned "$TS_TMP" evil1 evil1.example.test
    ts_selfsigned "$TS_TMP" evil2 evil2.example.test
    mkdir "$TS_TMP/att" "$TS_TMP/evil"
    cat >"$TS_TMP/evil/good.json" <<JSON
{ "version": 1, "certificates": [ $(pl_cert_json "$TS_TMP/evil1.pem" evil1 '[]'), $(pl_cert_json "$TS_TMP/evil2.pem" evil2 '[]') ] }
JSON
    ln -s "$TS_TMP/safe" "$TS_TMP/att/conf"
    chown -hR 65534:65534 "$TS_TMP/att" "$TS_TMP/evil"
    # bounded: it stops by itself after 300 s even if this script dies
    setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" -c '
import os, sys, time
good, evil, d = sys.argv[1:4]
end = time.time() + 300
while time.time() < end:
    for t in (evil, good):
        os.symlink(t, d + "/c.new")
        os.rename(d + "/c.new", d + "/conf")' "$TS_TMP/safe" "$TS_TMP/evil" "$TS_TMP/att" &
    swapper=$!
    for i in $(seq 1 20); do
        out=$(TRUSTSHIM_MANIFEST="$TS_TMP/att/conf/good.json" pl_probe "$jh" cacerts 2>"$TS_TMP/err")
        [ "$out" = "entries $base" ] || { kill "$swapper"; ts_fail "race, start $i: got $out (base $base)"; }
        grep -q -F "error: $TS_TMP/att" "$TS_TMP/err" || { kill "$swapper"; ts_fail "race: $(cat "$TS_TMP/err")"; }
    done
    kill -0 "$swapper" 2>/dev/null || ts_fail "race: the other user's swapper stopped early"
    kill "$swapper"
    wait "$swapper" 2>/dev/null || true
    ts_log "race against another user's symlink swaps: 20 JVM starts, never served"
fi

# A keystore directory others can write: anyone could plant <host>.ks there.
export TRUSTSHIM_MANIFEST="$TS_TMP/safe/good.json"
ks="$TS_TMP/home/keystore/mail.example.test.ks"
[ "$(ALLEGRA_HOME="$TS_TMP/home" py_open "$ks" 2>"$TS_TMP/err")" = ok ] ||
    ts_fail "the synthesized keystore is not served: $(cat "$TS_TMP/err")"
chmod 1777 "$TS_TMP/home/keystore"
[ "$(ALLEGRA_HOME="$TS_TMP/home" py_open "$ks" 2>"$TS_TMP/err")" = ENOENT ] ||
    ts_fail "a keystore in a world-writable directory was served"
one_line "$TS_TMP/err" "keystore directory refused: $TS_TMP/home/keystore: writable by group or others (mode 1777)"
[ "$(TRUSTSHIM_STRICT=1 ALLEGRA_HOME="$TS_TMP/home" py_open "$ks" 2>/dev/null)" = EACCES ] ||
    ts_fail "strict: a keystore in a world-writable directory did not fail with EACCES"
ts_log "keystore directory writable by others: refused, one line; EACCES under strict"

# A manifest that is a device: refused from fstat, nothing read (Python's own reads stay far
# below the 64 MiB the library used to read first).  lib/modules: what a starting JVM opens
# first, where the library looks at the manifest early.
for dev in /dev/zero /dev/urandom; do
    rchar=$(TRUSTSHIM_MANIFEST=$dev ts_with_preload "$PY" -c '
import sys
open(sys.argv[2], "rb").close()
open(sys.argv[1], "rb").close()
print([l.split()[1] for l in open("/proc/self/io") if l.startswith("rchar")][0])' "$cacerts" "$jh/lib/modules" 2>"$TS_TMP/err")
    one_line "$TS_TMP/err" "$dev: not a regular file"
    [ "$rchar" -lt $((16 << 20)) ] || ts_fail "$dev: $rchar bytes read"
    [ "$(TRUSTSHIM_STRICT=1 TRUSTSHIM_MANIFEST=$dev py_open "$cacerts" 2>/dev/null)" = EACCES ] ||
        ts_fail "$dev: strict: expected EACCES"
done
ts_log "a device as manifest: one line, nothing read"

# Beyond PATH_MAX: said, and strict fails the targets as for any unusable manifest.
long=$(printf '/%.0s' $(seq 1 4200))$TS_TMP/safe/good.json
TRUSTSHIM_MANIFEST=$long py_open "$cacerts" >"$TS_TMP/out" 2>"$TS_TMP/err"
[ "$(cat "$TS_TMP/out")" = ok ] || ts_fail "long TRUSTSHIM_MANIFEST: the original was not served"
one_line "$TS_TMP/err" "TRUSTSHIM_MANIFEST is longer than PATH_MAX (4096 bytes)"
[ "$(TRUSTSHIM_STRICT=1 TRUSTSHIM_MANIFEST=$long py_open "$cacerts" 2>/dev/null)" = EACCES ] ||
    ts_fail "long TRUSTSHIM_MANIFEST: strict: expected EACCES"
seg=$(printf 'd%.0s' $(seq 1 200))
(
    # 22 levels of 200 bytes, made one at a time: no path to them fits in PATH_MAX
    cd "$TS_TMP/safe" || exit 1
    for _ in $(seq 1 22); do mkdir "$seg" && cd "$seg" || exit 1; done
    cp "$TS_TMP/safe/good.json" good.json
    mkdir -p lib/security && cp "$cacerts" lib/security/cacerts
    # a trust store opened by a relative name there: its absolute path does not fit either
    TRUSTSHIM_MANIFEST="$TS_TMP/safe/good.json" py_open lib/security/cacerts >"$TS_TMP/rel.out" 2>"$TS_TMP/rel.err"
    [ "$(TRUSTSHIM_STRICT=1 TRUSTSHIM_MANIFEST="$TS_TMP/safe/good.json" py_open lib/security/cacerts 2>/dev/null)" = EACCES ] ||
        ts_fail "relative open in a long working directory: strict: expected EACCES"
    TRUSTSHIM_MANIFEST=good.json py_open "$cacerts" >"$TS_TMP/out" 2>"$TS_TMP/err"
    [ "$(TRUSTSHIM_STRICT=1 TRUSTSHIM_MANIFEST=good.json py_open "$cacerts" 2>/dev/null)" = EACCES ] ||
        ts_fail "long working directory: strict: expected EACCES"
) || exit 1
[ "$(cat "$TS_TMP/out")" = ok ] || ts_fail "long working directory: the original was not served"
one_line "$TS_TMP/err" "TRUSTSHIM_MANIFEST is relative and the working directory is longer than PATH_MAX (4096 bytes)"
[ "$(cat "$TS_TMP/rel.out")" = ok ] || ts_fail "relative open in a long working directory: the original was not served"
[ "$(grep -c . "$TS_TMP/rel.err")" = 1 ] &&
    grep -q -F "lib/security/cacerts: not served: its absolute path (or the working directory) is longer than PATH_MAX (4096 bytes)" "$TS_TMP/rel.err" ||
    ts_fail "relative open in a long working directory: expected one line: $(cat "$TS_TMP/rel.err")"
ts_log "TRUSTSHIM_MANIFEST or the working directory beyond PATH_MAX: one line, EACCES under strict"
ts_log "ok"

#!/usr/bin/env bash
# Every exported function, called as libnio calls them (dlsym(RTLD_DEFAULT)),
# answers exactly as libc does for paths that are not targets (files,
# directories, symlinks, missing paths, errors, errno kept); a served cacerts
# reads as the merged keystore through each open form; a library whose
# constructor opens cacerts before ours is initialised, and fork + exec of a
# child, are served too.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
pl_setup
probe="$TS_BUILD_DIR/bin/ts_preload_probe"
ctor="$TS_BUILD_DIR/bin/ts_preload_ctor_main"
[ -x "$probe" ] && [ -x "$ctor" ] || ts_fail "test helpers not built"

# A tree with files, a symlink, a missing path, a directory, an unreadable file.
mkdir -p "$TS_TMP/t/dir"
echo hello >"$TS_TMP/t/file"
ln -s file "$TS_TMP/t/link"
ln -s missing "$TS_TMP/t/dangling"
cp /etc/ssl/certs/java/cacerts "$TS_TMP/t/other.ks"
# Per-host keystores that must stay as they are (ENOENT): a host the manifest does not name, in
# a keystore directory; a host it names, outside the keystore directories (existing or not).
paths=("$TS_TMP/t/file" "$TS_TMP/t/link" "$TS_TMP/t/dangling" "$TS_TMP/t/dir" "$TS_TMP/t/missing"
    "$TS_TMP/t/file/notdir" "$TS_TMP/t/other.ks" "$TS_TMP/t/nokeystore/x.ks" /etc/passwd /dev/null
    "$TS_TMP/ksdir/other.example.test.ks" "$TS_TMP/t/mail.example.test.ks"
    "$TS_TMP/elsewhere/mail.example.test.ks")

# A manifest with a certificate, so the library is fully on.
ts_selfsigned "$TS_TMP" srv mail.example.test
cat >"$TS_TMP/manifest.json" <<JSON
{ "version": 1, "certificates": [ $(pl_cert_json "$TS_TMP/srv.pem" mail '["mail.example.test"]') ],
  "keystore_dirs": [ "$TS_TMP/ksdir" ] }
JSON
export TRUSTSHIM_LOG=warn

"$probe" calls "${paths[@]}" >"$TS_TMP/plain.out" 2>&1
TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" ts_with_preload "$probe" calls "${paths[@]}" >"$TS_TMP/pre.out" 2>"$TS_TMP/pre.err"
grep -q 'not found' "$TS_TMP/pre.out" && ts_fail "a function is missing: $(grep 'not found' "$TS_TMP/pre.out")"
# Everything must match: return values, errno names, sizes, modes, inodes, mtimes, content hashes.
diff "$TS_TMP/plain.out" "$TS_TMP/pre.out" >&2 || ts_fail "non-target paths answer differently under the library"
[ ! -s "$TS_TMP/pre.err" ] || ts_fail "unexpected stderr: $(cat "$TS_TMP/pre.err")"
grep -q 'errno kept: yes' "$TS_TMP/pre.out" || ts_fail "errno changed by a successful open"
grep -q 'errno changed' "$TS_TMP/plain.out" && ts_fail "libc itself changed errno on success? $(grep 'errno changed' "$TS_TMP/plain.out")"
ts_log "25 functions x ${#paths[@]} non-target paths: same answers with and without the library"

# The mode of a created file reaches the kernel through every open form (named mode parameter).
mkdir "$TS_TMP/c1" "$TS_TMP/c2"
"$probe" create "$TS_TMP/c1" >"$TS_TMP/create.plain"
TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" ts_with_preload "$probe" create "$TS_TMP/c2" >"$TS_TMP/create.pre"
diff "$TS_TMP/create.plain" "$TS_TMP/create.pre" >&2 || ts_fail "created files differ under the library"
[ "$(grep -c ': mode ' "$TS_TMP/create.pre")" = 5 ] && grep -qx 'openat64: mode 406' "$TS_TMP/create.pre" ||
    ts_fail "files not created with their modes: $(cat "$TS_TMP/create.pre")"
ts_log "created with modes: $(grep ': mode ' "$TS_TMP/create.pre" | tr '\n' ' ')"

# Served: the JRE layout by name.  Every open form gives the merged bytes; stat the real file.
jre="$TS_TMP/jre/lib/security"
mkdir -p "$jre"
cp /etc/ssl/certs/java/cacerts "$jre/cacerts"
disk=$("$probe" read "$jre/cacerts")
served=$(TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" ts_with_preload "$probe" read "$jre/cacerts")
[ "$disk" != "$served" ] || ts_fail "cacerts was not served ($served)"
TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" ts_with_preload "$probe" calls "$jre/cacerts" >"$TS_TMP/served.out"
n=$(grep -c -F -- ": fd ${served#read: }" "$TS_TMP/served.out" || true)
[ "$n" = 10 ] || { cat "$TS_TMP/served.out" >&2; ts_fail "expected 10 open forms to serve the merged bytes, got $n"; }
grep 'errno changed' "$TS_TMP/served.out" && ts_fail "a served open changed errno"
ts_log "cacerts: disk '$disk', served '$served' through all 10 open forms, errno kept"

# A writer (O_RDWR, O_WRONLY|O_CREAT|O_TRUNC) reaches the real file; a reader in the same process is served.
out=$(TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" ts_with_preload python3 -c '
import hashlib, sys
p = sys.argv[1]
print(len(open(p, "r+b").read()), len(open(p, "rb").read()))
with open(p + ".new", "wb") as f: f.write(b"x")
' "$jre/cacerts")
[ "$out" = "$(echo "$disk" | awk '{print $3}') $(echo "$served" | awk '{print $3}')" ] ||
    ts_fail "writer/reader sizes: $out (disk: $disk, served: $served)"
[ "$(cat "$jre/cacerts.new")" = x ] || ts_fail "a new file could not be written beside cacerts"
ts_log "O_RDWR open gets the file on disk, O_RDONLY the merged keystore ($out bytes)"

# Each served open has its own offset, and the descriptor is read-only.
out=$(TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" ts_with_preload "$probe" offsets "$jre/cacerts")
[ "$out" = "offsets: a 100 b 4 same-start yes write refused" ] || ts_fail "served descriptors: $out"

# A signal handler opening files (as the JVM's crash handler does) while cacerts is served in a loop.
out=$(TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" timeout 120 bash -c '. "$1"; ts_with_preload "$2" signals "$3" "$4"' _ \
    "$TS_SOURCE_DIR/tests/lib/common.sh" "$probe" "$jre/cacerts" "$TS_TMP/hs_err.log") || ts_fail "signal test failed or hung: $out"
[ "$out" = "signals: ${served#read: }, 0 bad reads, handler ran often, handler failures 0" ] || ts_fail "signal test: $out"
ts_log "$out"

# Off: TRUSTSHIM_MANIFEST unset, TRUSTSHIM_DISABLE=1.  Silent, unless TRUSTSHIM_LOG=debug asks
# why nothing happens: then one line, from the start of the process.
[ "$(ts_with_preload "$probe" read "$jre/cacerts" 2>"$TS_TMP/err")" = "$disk" ] || ts_fail "served without TRUSTSHIM_MANIFEST"
[ ! -s "$TS_TMP/err" ] || ts_fail "without TRUSTSHIM_MANIFEST: stderr: $(cat "$TS_TMP/err")"
[ "$(TRUSTSHIM_DISABLE=1 TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" ts_with_preload "$probe" read "$jre/cacerts" 2>"$TS_TMP/err")" = "$disk" ] ||
    ts_fail "served with TRUSTSHIM_DISABLE=1"
[ ! -s "$TS_TMP/err" ] || ts_fail "with TRUSTSHIM_DISABLE=1: stderr: $(cat "$TS_TMP/err")"
TRUSTSHIM_LOG=debug ts_with_preload "$probe" read "$jre/cacerts" >/dev/null 2>"$TS_TMP/err"
grep -qxE "$TS_LOG_RE"': debug: off: TRUSTSHIM_MANIFEST is unset or empty' "$TS_TMP/err" && [ "$(wc -l <"$TS_TMP/err")" = 1 ] ||
    ts_fail "TRUSTSHIM_LOG=debug without TRUSTSHIM_MANIFEST: expected one line saying so: $(cat "$TS_TMP/err")"
TRUSTSHIM_LOG=debug TRUSTSHIM_DISABLE=1 TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" ts_with_preload "$probe" read "$jre/cacerts" >/dev/null 2>"$TS_TMP/err"
grep -qxE "$TS_LOG_RE"': debug: off: TRUSTSHIM_DISABLE=1' "$TS_TMP/err" && [ "$(wc -l <"$TS_TMP/err")" = 1 ] ||
    ts_fail "TRUSTSHIM_LOG=debug TRUSTSHIM_DISABLE=1: expected one line saying so: $(cat "$TS_TMP/err")"

# Logging, TRUSTSHIM_LOG=error|warn|info|debug (default warn), every line "trustshim[<pid>]: <level>: ".
# log_run VAR=VALUE...: the probe's 10 open forms of the served cacerts; stderr in $TS_TMP/err.
log_run() { env TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" "$@" bash -c '. "$1"; ts_with_preload "$2" calls "$3"' _ \
    "$TS_SOURCE_DIR/tests/lib/common.sh" "$probe" "$jre/cacerts" >/dev/null 2>"$TS_TMP/err"; }
info_re="^$TS_LOG_RE: info: served $jre/cacerts \(([0-9]+) entries, 1 from the manifest, 0 distrusted\)\$"
for level in "" warn error; do
    log_run ${level:+TRUSTSHIM_LOG=$level}
    [ ! -s "$TS_TMP/err" ] || ts_fail "TRUSTSHIM_LOG=$level: nothing expected on stderr: $(cat "$TS_TMP/err")"
done
log_run TRUSTSHIM_LOG=info
[ "$(grep -cE "$info_re" "$TS_TMP/err")" = 10 ] && [ "$(wc -l <"$TS_TMP/err")" = 10 ] ||
    { cat "$TS_TMP/err" >&2; ts_fail "TRUSTSHIM_LOG=info: expected exactly one info line per served open (10)"; }
[ "$(sed -E 's/.*trustshim\[([0-9]+)\].*/\1/' "$TS_TMP/err" | sort -u | wc -l)" = 1 ] || ts_fail "TRUSTSHIM_LOG=info: the lines name different pids"
[ "$(sed -nE 's/.*\(([0-9]+) entries, .*/\1/p' "$TS_TMP/err" | sort -u | wc -l)" = 1 ] || ts_fail "TRUSTSHIM_LOG=info: entry counts differ between opens"
ts_log "TRUSTSHIM_LOG=info: $(head -n1 "$TS_TMP/err")"
log_run TRUSTSHIM_LOG=debug
[ "$(grep -cE "$info_re" "$TS_TMP/err")" = 10 ] || ts_fail "TRUSTSHIM_LOG=debug: the info lines are missing"
grep -qE "^$TS_LOG_RE: debug: $TS_TMP/manifest.json: 1 certificates, 0 distrusted" "$TS_TMP/err" ||
    ts_fail "TRUSTSHIM_LOG=debug: no line about the manifest: $(cat "$TS_TMP/err")"
grep -vE "$info_re|^$TS_LOG_RE: debug: " "$TS_TMP/err" && ts_fail "TRUSTSHIM_LOG=debug: unexpected lines"
ts_log "TRUSTSHIM_LOG=debug: $(grep -c ': debug: ' "$TS_TMP/err") debug lines, e.g. $(grep -m1 ': debug: ' "$TS_TMP/err")"
# An error is printed at every level; with TRUSTSHIM_LOG=error it is the only thing printed.
log_run TRUSTSHIM_LOG=error TRUSTSHIM_MANIFEST="$TS_TMP/missing.json"
grep -qxE "$TS_LOG_RE: error: $TS_TMP/missing.json: No such file or directory" "$TS_TMP/err" && [ "$(wc -l <"$TS_TMP/err")" = 1 ] ||
    ts_fail "TRUSTSHIM_LOG=error, missing manifest: expected one error line: $(cat "$TS_TMP/err")"
# A value that means nothing is a warning (once, only in a process that opens a trust store), and
# changes nothing else; TRUSTSHIM_LOG=error hides it.
for bad in "TRUSTSHIM_LOG=verbose:TRUSTSHIM_LOG=verbose: expected error, warn, info or debug; using warn" \
    "TRUSTSHIM_STRICT=yes:TRUSTSHIM_STRICT=yes: expected 1 or 0; strict mode is off" \
    "TRUSTSHIM_DISABLE=true:TRUSTSHIM_DISABLE=true: expected 1 or 0; the library is on" \
    "SOURCE_DATE_EPOCH=+5:SOURCE_DATE_EPOCH=+5: expected seconds since 1970-01-01 UTC (digits only); entries are dated 2020-01-01" \
    "TRUSTSHIM_LOG_TIME=yes:TRUSTSHIM_LOG_TIME=yes: expected 1 or 0; lines are dated when standard error is a file"; do
    log_run "${bad%%:*}"
    grep -qxE "$TS_LOG_RE: warning: $(printf '%s' "${bad#*:}" | sed 's/[][().+*?]/\\&/g')" "$TS_TMP/err" && [ "$(wc -l <"$TS_TMP/err")" = 1 ] ||
        ts_fail "${bad%%:*}: expected one warning line: $(cat "$TS_TMP/err")"
    case $bad in TRUSTSHIM_LOG=*) ;; *)
        log_run "${bad%%:*}" TRUSTSHIM_LOG=error
        [ ! -s "$TS_TMP/err" ] || ts_fail "${bad%%:*} TRUSTSHIM_LOG=error: the warning should be hidden: $(cat "$TS_TMP/err")" ;;
    esac
done
[ -z "$(TRUSTSHIM_STRICT=yes TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" ts_with_preload bash -c 'echo x >/dev/null; cat /etc/hostname >/dev/null' 2>&1)" ] ||
    ts_fail "a process that opens no trust store must not warn"
ts_log "log levels error, warn, info, debug; unknown TRUSTSHIM_LOG/STRICT/DISABLE/SOURCE_DATE_EPOCH/LOG_TIME values: one warning each"

# The time on a line: when standard error is a regular file (catalina.out, where nothing else dates
# it), not on a pipe (a collector or the journal dates it) or a terminal; TRUSTSHIM_LOG_TIME=1|0
# forces it either way.  UTC, to the millisecond, within the seconds this run took.
dated_re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z trustshim\[[0-9]+\]: info: served '
before=$(date -u +%s)
log_run TRUSTSHIM_LOG=info
after=$(date -u +%s)
[ "$(grep -cE "$dated_re" "$TS_TMP/err")" = 10 ] || ts_fail "stderr a file: expected 10 dated lines, got: $(cat "$TS_TMP/err")"
stamp=$(date -u -d "$(head -n1 "$TS_TMP/err" | cut -c1-19)Z" +%s) || ts_fail "the time does not parse: $(head -n1 "$TS_TMP/err")"
[ "$stamp" -ge "$before" ] && [ "$stamp" -le "$after" ] ||
    ts_fail "the time $(head -n1 "$TS_TMP/err" | cut -c1-24) is not within this run ($before..$after)"
log_run TRUSTSHIM_LOG=info TRUSTSHIM_LOG_TIME=0
[ "$(grep -c '^trustshim\[' "$TS_TMP/err")" = 10 ] || ts_fail "TRUSTSHIM_LOG_TIME=0: expected undated lines, got: $(cat "$TS_TMP/err")"
piped() { env TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" TRUSTSHIM_LOG=info "$@" bash -c '. "$1"; ts_with_preload "$2" calls "$3" 2>&1 >/dev/null | cat' _ \
    "$TS_SOURCE_DIR/tests/lib/common.sh" "$probe" "$jre/cacerts"; }
out=$(piped)
[ "$(grep -c '^trustshim\[' <<<"$out")" = 10 ] || ts_fail "stderr a pipe: expected undated lines, got: $out"
out=$(piped TRUSTSHIM_LOG_TIME=1)
[ "$(grep -cE "$dated_re" <<<"$out")" = 10 ] || ts_fail "stderr a pipe, TRUSTSHIM_LOG_TIME=1: expected dated lines, got: $out"
ts_log "dated lines on a file and with TRUSTSHIM_LOG_TIME=1, e.g. $(grep -m1 . <<<"$out")"

# The manifest is read once per process: rewritten between two opens, it changes nothing (also for
# a target first opened after the change).
cp "$TS_TMP/manifest.json" "$TS_TMP/once.json"
out=$(TRUSTSHIM_MANIFEST="$TS_TMP/once.json" ts_with_preload "$probe" reread "$jre/cacerts" "$TS_TMP/once.json" "$TS_TMP/ksdir/mail.example.test.ks" 2>"$TS_TMP/err")
synth=$(cp "$TS_TMP/manifest.json" "$TS_TMP/once.json" && TRUSTSHIM_MANIFEST="$TS_TMP/once.json" ts_with_preload "$probe" read "$TS_TMP/ksdir/mail.example.test.ks")
[ "$out" = "$(printf 'before: %s\nafter: %s\nother: %s' "${served#read: }" "${served#read: }" "${synth#read: }")" ] ||
    ts_fail "manifest rewritten in the middle of a process: expected the first content throughout, got: $out"
[ ! -s "$TS_TMP/err" ] || ts_fail "manifest rewritten: unexpected stderr: $(cat "$TS_TMP/err")"
ts_log "manifest rewritten between opens: the process keeps serving the first content"

# Synthesized per-host keystore: the directory does not exist.
ks="$TS_TMP/ksdir/mail.example.test.ks"
TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" ts_with_preload "$probe" calls "$ks" "$TS_TMP/ksdir/other.example.test.ks" >"$TS_TMP/synth.out"
for f in stat stat64 lstat lstat64 fstatat fstatat64 __xstat __xstat64 __lxstat __lxstat64 __fxstatat __fxstatat64 statx; do
    grep -A30 "== $ks" "$TS_TMP/synth.out" | grep -q -E "^$f: 0 mode 100444 size [1-9]" ||
        { cat "$TS_TMP/synth.out" >&2; ts_fail "$f of a synthesized keystore is not a read-only regular file"; }
done
grep -A30 "== $ks" "$TS_TMP/synth.out" | grep -q '^access R_OK: 0' || ts_fail "access(R_OK) of a synthesized keystore"
grep -A30 "== $TS_TMP/ksdir/other" "$TS_TMP/synth.out" | grep -q '^stat: -1 ENOENT' ||
    ts_fail "a host not in the manifest must stay ENOENT"
grep 'errno changed' "$TS_TMP/synth.out" && ts_fail "a synthesized answer changed errno"
ts_log "synthesized $ks answers the stat family; other hosts stay ENOENT"

# A library whose constructor opens cacerts before libtrustshim.so's constructor ran.
out=$(TS_CTOR_PATH="$jre/cacerts" TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" ts_with_preload "$ctor")
ts_log "constructor test: $(echo "$out" | tr '\n' ' ')"
[ "$(echo "$out" | sed -n 's/^constructor: //p')" = "${served#read: }" ] || ts_fail "constructor-time open not served: $out"
[ "$(echo "$out" | sed -n 's/^main: //p')" = "${served#read: }" ] || ts_fail "later open not served: $out"
plain=$(TS_CTOR_PATH="$jre/cacerts" "$ctor")
[ "$(echo "$plain" | sed -n 's/^constructor: //p')" = "${disk#read: }" ] || ts_fail "without the library: $plain"

# fork, then exec of a child: LD_PRELOAD is inherited, each process serves the same bytes.
out=$(TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" ts_with_preload "$probe" fork "$jre/cacerts") || ts_fail "fork test failed: $out"
ts_log "fork test: $(echo "$out" | tr '\n' ' ')"
[ "$(echo "$out" | sed 's/^[a-z-]*: //' | sort -u)" = "${served#read: }" ] || ts_fail "fork/exec: not all served alike: $out"

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

# Off: TRUSTSHIM_MANIFEST unset, TRUSTSHIM_DISABLE=1.
[ "$(ts_with_preload "$probe" read "$jre/cacerts")" = "$disk" ] || ts_fail "served without TRUSTSHIM_MANIFEST"
[ "$(TRUSTSHIM_DISABLE=1 TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" ts_with_preload "$probe" read "$jre/cacerts")" = "$disk" ] ||
    ts_fail "served with TRUSTSHIM_DISABLE=1"

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

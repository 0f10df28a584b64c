#!/usr/bin/env bash
# Secure-execution mode (AT_SECURE): in a setuid-root program run by another
# user the library is off and silent, whatever TRUSTSHIM_* say: cacerts reads
# as on disk, a synthesized per-host keystore does not exist, and nothing is
# printed even with TRUSTSHIM_LOG=debug and a missing manifest.  The loader
# ignores LD_PRELOAD paths in such programs, so the probe dlopen()s the
# library and calls its open() and stat(); the same probe without the setuid
# bit, run by the same user, is served (the control).  Needs root.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
[ "$(id -u)" = 0 ] || ts_skip "needs root: a setuid-root copy of the probe, run as nobody"
ts_require_cmd setpriv
probe="$TS_BUILD_DIR/bin/ts_preload_probe"
[ -x "$probe" ] || ts_fail "test helpers not built"
ts_tmpdir
chmod 755 "$TS_TMP"
user=$(id -u nobody 2>/dev/null || echo 65534)
group=$(id -g nobody 2>/dev/null || echo 65534)

ts_selfsigned "$TS_TMP" srv mail.example.test
mkdir -p "$TS_TMP/jre/lib/security"
cp /etc/ssl/certs/java/cacerts "$TS_TMP/jre/lib/security/cacerts"
cat >"$TS_TMP/manifest.json" <<JSON
{ "version": 1, "certificates": [ $(pl_cert_json "$TS_TMP/srv.pem" mail '["mail.example.test"]') ],
  "keystore_dirs": [ "$TS_TMP/ksdir" ] }
JSON
cp "$TS_LIB" "$TS_TMP/libtrustshim.so"
cp "$probe" "$TS_TMP/probe"
cp "$probe" "$TS_TMP/probe-setuid"
chown root:root "$TS_TMP/probe-setuid"
chmod 4755 "$TS_TMP/probe-setuid"
chmod -R a+rX "$TS_TMP"
disk=$("$probe" read "$TS_TMP/jre/lib/security/cacerts")

# as_nobody PROGRAM MANIFEST: the probe as nobody; stdout in $TS_TMP/out, stderr in $TS_TMP/err.
as_nobody() {
    setpriv --reuid="$user" --regid="$group" --clear-groups \
        env TRUSTSHIM_MANIFEST="$2" TRUSTSHIM_LOG=debug ASAN_OPTIONS=detect_leaks=0 \
        "$TS_TMP/$1" dlopen "$TS_TMP/libtrustshim.so" "$TS_TMP/jre/lib/security/cacerts" \
        "$TS_TMP/ksdir/mail.example.test.ks" >"$TS_TMP/out" 2>"$TS_TMP/err" ||
        { cat "$TS_TMP/out" "$TS_TMP/err" >&2; ts_fail "$1 as uid $user failed"; }
}

# The control: not setuid, served, and the debug log talks.
as_nobody probe "$TS_TMP/manifest.json"
grep -qx 'secure 0' "$TS_TMP/out" || ts_fail "control: AT_SECURE set without setuid? $(cat "$TS_TMP/out")"
grep -q '^open: ' "$TS_TMP/out" && ! grep -qxF "open: ${disk#read: }" "$TS_TMP/out" ||
    ts_fail "control: cacerts not served through the dlopen()ed library: $(cat "$TS_TMP/out")"
grep -qx 'stat: 0' "$TS_TMP/out" || ts_fail "control: the per-host keystore is not synthesized: $(cat "$TS_TMP/out")"
grep -q 'info: served ' "$TS_TMP/err" || ts_fail "control: no log at TRUSTSHIM_LOG=debug: $(cat "$TS_TMP/err")"
ts_log "control (no setuid, uid $user): $(grep '^open' "$TS_TMP/out"), synthesized keystore found"

# Setuid root, run by nobody: AT_SECURE, off, silent.
as_nobody probe-setuid "$TS_TMP/manifest.json"
grep -qx 'secure 1' "$TS_TMP/out" ||
    ts_skip "a setuid program in $TS_TMP does not run in secure-execution mode (mounted nosuid?)"
grep -qxF "open: ${disk#read: }" "$TS_TMP/out" || ts_fail "setuid: cacerts was served: $(cat "$TS_TMP/out")"
grep -qx 'stat: ENOENT' "$TS_TMP/out" || ts_fail "setuid: a per-host keystore was synthesized: $(cat "$TS_TMP/out")"
[ ! -s "$TS_TMP/err" ] || ts_fail "setuid: the library printed (TRUSTSHIM_LOG=debug): $(cat "$TS_TMP/err")"
as_nobody probe-setuid "$TS_TMP/missing.json"
[ ! -s "$TS_TMP/err" ] || ts_fail "setuid, missing manifest: the library printed: $(cat "$TS_TMP/err")"
grep -qxF "open: ${disk#read: }" "$TS_TMP/out" || ts_fail "setuid, missing manifest: $(cat "$TS_TMP/out")"
ts_log "setuid root, uid $user: secure-execution mode, cacerts as on disk, no keystore synthesized, nothing printed"

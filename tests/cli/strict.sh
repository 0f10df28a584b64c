#!/usr/bin/env bash
# TRUSTSHIM_STRICT=1 means what docs/tomcat.md says: a JVM whose manifest the library cannot use
# stops at start (one error line, exit status 1) before any application code runs; without it
# the JVM runs on its original trust.  The lines of `trustshim env --strict` run `trustshim check`
# first, so a setenv.sh stops the service's start script itself.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/cli/lib.sh"
ts_require_jdk

expect 0 "$T" init
mkcert ca "Strict CA"
expect 0 "$T" add "$TS_TMP/ca.pem"
good=$TRUSTSHIM_MANIFEST
mkdir -m 0755 "$TS_TMP/bad"
printf '{"version": 1, "certificates": [\n' >"$TS_TMP/bad/manifest.json"
chmod 0644 "$TS_TMP/bad/manifest.json"
bad=$TS_TMP/bad/manifest.json
cat >"$TS_TMP/Started.java" <<'JAVA'
public class Started {
    public static void main(String[] a) throws Exception {
        System.out.println("application started");
        java.security.KeyStore.getInstance("JKS");
    }
}
JAVA

for jh in $(ts_jdks); do
    classes="$TS_TMP/classes-$(basename "$jh")"
    ts_javac "$jh" "$classes" "$TS_TMP/Started.java"
    run=("$jh/bin/java" -cp "$classes" Started)
    # a broken manifest under strict: stopped before main, one line saying why and what happens
    TRUSTSHIM_STRICT=1 TRUSTSHIM_MANIFEST=$bad expect 1 ts_with_preload "${run[@]}"
    hasnt "$OUT" "application started"
    [ "$(grep -c . <<<"$ERR")" = 1 ] || ts_fail "$jh: strict stop: expected one line, got: $ERR"
    has "$ERR" "error: $bad: line 2"
    has "$ERR" "TRUSTSHIM_STRICT=1: the JVM stops (exit status 1)"
    # a manifest the library refuses for its mode, and one that is missing: the same
    chmod 0666 "$good"
    TRUSTSHIM_STRICT=1 expect 1 ts_with_preload "${run[@]}"
    has "$ERR" "writable by group or others (mode 0666); TRUSTSHIM_STRICT=1: the JVM stops"
    chmod 0644 "$good"
    TRUSTSHIM_STRICT=1 TRUSTSHIM_MANIFEST=$TS_TMP/none.json expect 1 ts_with_preload "${run[@]}"
    has "$ERR" "the JVM stops"
    # not strict: the JVM runs (on its original trust); strict with a sound manifest: it runs
    TRUSTSHIM_MANIFEST=$bad expect 0 ts_with_preload "${run[@]}"
    has "$OUT" "application started"
    TRUSTSHIM_STRICT=1 expect 0 ts_with_preload "${run[@]}"
    has "$OUT" "application started"
    [ -z "$ERR" ] || ts_fail "$jh: strict with a sound manifest said: $ERR"
    ts_log "$jh: TRUSTSHIM_STRICT=1 stops the JVM before main on a broken manifest"
done

# env --strict: the lines a setenv.sh gets; sourced by a start script, they stop it early
expect 0 "$T" env --strict
has "$OUT" "export TRUSTSHIM_STRICT=1"
has "$OUT" "\"$(readlink -f "$T")\" --manifest \"$good\" check >/dev/null || exit 1"
printf '%s\n' "$OUT" >"$TS_TMP/setenv.sh"
if [ "$TS_SANITIZE" = 1 ]; then
    # test-only: the sanitized library needs libasan first in every process, check included
    sed -i "/^export TRUSTSHIM_MANIFEST=/a export LD_PRELOAD=\"$TS_ASAN_RUNTIME:\$LD_PRELOAD\"\nexport ASAN_OPTIONS=detect_leaks=0" \
        "$TS_TMP/setenv.sh"
fi
printf '#!/bin/sh\n. "%s"\necho "catalina would start"\n' "$TS_TMP/setenv.sh" >"$TS_TMP/catalina.sh"
expect 0 sh "$TS_TMP/catalina.sh"
has "$OUT" "catalina would start"
cp "$good" "$TS_TMP/good.json"
cp "$bad" "$good"
expect 1 sh "$TS_TMP/catalina.sh"
hasnt "$OUT" "catalina would start"
has "$ERR" "trustshim: error: $good"
cp "$TS_TMP/good.json" "$good"
expect 0 "$T" env --strict --format systemd
has "$OUT" 'Environment="TRUSTSHIM_STRICT=1"'
has "$OUT" "ExecStartPre=\"$(readlink -f "$T")\" --manifest \"$good\" check"
expect 0 "$T" env --strict --format docker
has "$OUT" "ENV TRUSTSHIM_STRICT=1"
# without --strict: none of it
expect 0 "$T" env
hasnt "$OUT" "STRICT"
hasnt "$OUT" "\" check"
ts_log "ok"

#!/usr/bin/env bash
# tools/demo.sh, the README's first command, stays true: on every JDK it runs
# to the end, shows the PKIX failure, the fetch and the success under
# `trustshim exec`, and leaves neither its directory nor its server behind.
# With the library disabled the demo must notice and fail at step 4.
. "${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/e2e/e2e.sh"

ts_require_jdk
ts_require_cmd openssl python3
e2e_require_build
ts_tmpdir
e2e_private_build

demo() {
    env -u TRUSTSHIM_MANIFEST "${E2E_ASAN_ENV[@]}" TS_BUILD_DIR="$TS_BUILD_DIR" JAVA_HOME="$1" \
        TMPDIR="$TS_TMP" "${@:2}" bash "$TS_SOURCE_DIR/tools/demo.sh"
}

# A demo leaves nothing: its directory is gone and its server stopped.  Its server is told from
# the servers of other tests running meanwhile by its working directory, the demo's.
check_clean() {
    local out=$1 dir pid cwd
    dir=$(sed -n 's/^trustshim demo (working in \(.*\))$/\1/p' <<<"$out")
    [ -n "$dir" ] || ts_fail "the demo did not say where it works"
    [ ! -e "$dir" ] || ts_fail "the demo left $dir behind"
    grep -qE '^ +\(listening on 127\.0\.0\.1:[0-9]+\)$' <<<"$out" ||
        ts_fail "the demo did not announce its server's port"
    dir="$(readlink -f "$(dirname "$dir")")/$(basename "$dir")"
    for pid in $(pgrep -f "s_server -accept 127.0.0.1:0 " || true); do
        cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || continue
        [ "$cwd" != "$dir" ] && [ "$cwd" != "$dir (deleted)" ] ||
            ts_fail "the demo left its TLS server running (pid $pid)"
    done
}

tested=0
while read -r jdk; do
    major=$(e2e_jdk_major "$jdk")
    if [ "${major:-0}" -lt 11 ]; then
        ts_log "$jdk: the demo needs Java 11 or later (java File.java), not tested"
        continue
    fi
    out=$(demo "$jdk" 2>&1) || { printf '%s\n' "$out" >&2; ts_fail "Java $major: the demo failed"; }
    for expected in '^1\. ' '^2\. ' '^3\. ' '^4\. ' '^5\. ' \
        'PKIX path building failed' '\$ trustshim fetch https://127\.0\.0\.1:[0-9]*/ --add --trust-on-first-use' \
        '\$ trustshim exec -- java TlsClient.java' '^ *HTTP 200: the JVM trusts'; do
        grep -q -- "$expected" <<<"$out" || { printf '%s\n' "$out" >&2; ts_fail "Java $major: no '$expected' in the demo's output"; }
    done
    check_clean "$out"

    ts_log "Java $major: the demo runs as announced"
    tested=$((tested + 1))
    if [ "$tested" = 1 ]; then
        # The demo's own checks can fail: with the library disabled, step 4 must (one JDK is enough).
        out=$(demo "$jdk" TRUSTSHIM_DISABLE=1 2>&1) && { printf '%s\n' "$out" >&2; ts_fail "Java $major: the demo passed with trustshim disabled"; }
        grep -q 'demo: FAILED: step 4' <<<"$out" || { printf '%s\n' "$out" >&2; ts_fail "Java $major: the demo did not fail at step 4"; }
        check_clean "$out"
        ts_log "Java $major: with the library disabled the demo fails at step 4, as it should"
    fi
done <<<"$(ts_jdks)"
[ "$tested" -gt 0 ] || ts_skip "no JDK 11 or later for the demo"

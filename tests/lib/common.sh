# shellcheck shell=bash
# Shared helpers for trustshim's script tests.  Source it first thing:
#   . "$TS_SOURCE_DIR/tests/lib/common.sh"
# ctest sets TS_BUILD_DIR, TS_SOURCE_DIR, TS_SANITIZE and TS_ASAN_RUNTIME (the
# ASan runtime of the compiler that built a sanitized tree: gcc's libasan.so or
# clang's libclang_rt.asan-*.so, to preload first).  A test that cannot run
# here calls ts_skip (exit 77: ctest shows it as skipped); with
# TRUSTSHIM_NO_SKIP=1 (CI) a skip is a failure instead.

set -euo pipefail

: "${TS_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${TS_BUILD_DIR:=$TS_SOURCE_DIR/build}"
: "${TS_SANITIZE:=0}"
: "${TS_ASAN_RUNTIME:=$(gcc -print-file-name=libasan.so)}"
TS_CLI="$TS_BUILD_DIR/bin/trustshim"
TS_LIB="$TS_BUILD_DIR/lib/libtrustshim.so"
TS_TEST_NAME="$(basename "$0" .sh)"

ts_log() { printf '[%s] %s\n' "$TS_TEST_NAME" "$*" >&2; }

# The start of a library log line, as an extended regular expression: the time comes first when
# standard error is a file (catalina.out; see TRUSTSHIM_LOG_TIME in docs/how-it-works.md).
TS_LOG_RE='([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z )?trustshim\[[0-9]+\]'

ts_fail() {
    printf '[%s] FAIL: %s\n' "$TS_TEST_NAME" "$*" >&2
    exit 1
}

ts_skip() {
    printf '\n[%s] *** SKIPPED: %s ***\n\n' "$TS_TEST_NAME" "$*" >&2
    if [ "${TRUSTSHIM_NO_SKIP:-0}" = 1 ]; then
        printf '[%s] FAIL: TRUSTSHIM_NO_SKIP=1 forbids skipping\n' "$TS_TEST_NAME" >&2
        exit 1
    fi
    exit 77
}

# Cleanup: ts_on_exit 'command' adds to what runs at exit (last added runs first).
TS_CLEANUP=()
ts_on_exit() { TS_CLEANUP=("$1" "${TS_CLEANUP[@]}"); }
ts__cleanup() {
    local rc=$? c
    for c in "${TS_CLEANUP[@]}"; do eval "$c" || true; done
    exit "$rc"
}
trap ts__cleanup EXIT
trap 'exit 130' INT TERM

# A private temporary directory, removed at exit (kept with TS_KEEP_TMP=1).
ts_tmpdir() {
    TS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/trustshim-test.XXXXXX")
    if [ "${TS_KEEP_TMP:-0}" != 1 ]; then
        ts_on_exit "rm -rf '$TS_TMP'"
    else
        ts_log "keeping $TS_TMP"
    fi
}

# A free TCP port on 127.0.0.1.
ts_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Waits until 127.0.0.1:$1 accepts connections (at most $2 seconds, default 20).
ts_wait_port() {
    local port=$1 limit=${2:-20} i
    for ((i = 0; i < limit * 10; i++)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    ts_fail "nothing listens on 127.0.0.1:$port after ${limit}s"
}

# Every JDK (with javac and keytool) on this machine, one JAVA_HOME a line:
# the JDKs in /usr/lib/jvm (symlinked duplicates removed) and $JAVA_HOME.
ts_jdks() {
    local d real seen=" "
    for d in ${JAVA_HOME:-} /usr/lib/jvm/*; do
        [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ] && [ -x "$d/bin/keytool" ] || continue
        real=$(readlink -f "$d")
        case "$seen" in *" $real "*) continue ;; esac
        seen="$seen$real "
        echo "$real"
    done
}

# Skips the test (loudly) when no JDK is found.
ts_require_jdk() {
    [ -n "$(ts_jdks)" ] || ts_skip "no JDK (with java, javac and keytool) found in /usr/lib/jvm or JAVA_HOME"
}

ts_require_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || ts_skip "'$c' is not installed"
    done
}

# The LD_PRELOAD value and ASAN_OPTIONS for running a program (a JVM) under the
# library.  A sanitized library needs libasan first, and ASan must leave the
# JVM's SIGSEGV handling alone (see shared docs, jvm-facts.md).
ts_preload_value() {
    if [ "$TS_SANITIZE" = 1 ]; then
        printf '%s:%s' "$TS_ASAN_RUNTIME" "$TS_LIB"
    else
        printf '%s' "$TS_LIB"
    fi
}
# Runs "$@" with the library preloaded.
ts_with_preload() {
    if [ "$TS_SANITIZE" = 1 ]; then
        ASAN_OPTIONS="handle_segv=0:detect_leaks=0:allow_user_segv_handler=1:verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
            LD_PRELOAD="$(ts_preload_value)" "$@"
    else
        LD_PRELOAD="$TS_LIB" "$@"
    fi
}

# ts_selfsigned DIR NAME CN: makes DIR/NAME.key and DIR/NAME.pem, a self-signed
# server certificate for CN with subjectAltName DNS:CN, DNS:localhost, IP:127.0.0.1.
ts_selfsigned() {
    local dir=$1 name=$2 cn=$3
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 \
        -keyout "$dir/$name.key" -out "$dir/$name.pem" -subj "/CN=$cn" \
        -addext "subjectAltName=DNS:$cn,DNS:localhost,IP:127.0.0.1" 2>/dev/null
}

# ts_s_server CERT KEY PORT [extra s_server args]: starts openssl s_server on
# 127.0.0.1:PORT answering HTTP (-www) and stops it at exit.
ts_s_server() {
    local cert=$1 key=$2 port=$3
    shift 3
    openssl s_server -accept "127.0.0.1:$port" -cert "$cert" -key "$key" -www -quiet "$@" \
        </dev/null >/dev/null 2>&1 &
    local pid=$!
    ts_on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
    ts_wait_port "$port"
}

# SHA-256 of a PEM certificate, lowercase hex without colons.
ts_sha256_of_pem() {
    openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}

# ts_javac JAVA_HOME OUTDIR SRC...: compiles Java probes (cached per JDK).
ts_javac() {
    local jh=$1 out=$2
    shift 2
    mkdir -p "$out"
    "$jh/bin/javac" -nowarn -d "$out" "$@"
}

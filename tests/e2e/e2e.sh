# shellcheck shell=bash
# Helpers shared by the end-to-end tests.  Source after tests/lib/common.sh:
#   . "$TS_SOURCE_DIR/tests/lib/common.sh"; . "$TS_SOURCE_DIR/tests/e2e/e2e.sh"

# shellcheck disable=SC2034 # used by the scripts that source this file
E2E_DIR="$TS_SOURCE_DIR/tests/e2e"

# The CLI and the library are what these tests are about: missing is a failure.
e2e_require_build() {
    [ -x "$TS_CLI" ] || ts_fail "$TS_CLI is not built (cmake --build $TS_BUILD_DIR)"
    [ -f "$TS_LIB" ] || ts_fail "$TS_LIB is not built (cmake --build $TS_BUILD_DIR)"
}

# e2e_private_build (after ts_tmpdir): runs the test on copies of the CLI and the library in
# $TS_TMP/build, so that a build or `cpack` running meanwhile in the build tree (which relinks
# them in place) cannot hand the test a half-written file.  Sets TS_BUILD_DIR, TS_CLI, TS_LIB.
e2e_private_build() {
    mkdir -p "$TS_TMP/build/bin" "$TS_TMP/build/lib"
    cp "$TS_CLI" "$TS_TMP/build/bin/trustshim"
    cp "$TS_LIB" "$TS_TMP/build/lib/libtrustshim.so"
    TS_BUILD_DIR=$TS_TMP/build
    TS_CLI=$TS_BUILD_DIR/bin/trustshim
    TS_LIB=$TS_BUILD_DIR/lib/libtrustshim.so
}

# The feature version of the JDK at $1 (17, 25, ... ; 8 for 1.8), from its release file.
e2e_jdk_major() {
    local v
    v=$(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$1/release" 2>/dev/null)
    v=${v#1.}
    echo "${v%%[.+_-]*}"
}

# Environment for running a JVM under a sanitizer-built library: libasan must
# come first in LD_PRELOAD and ASan must leave the JVM's signals alone (see
# the shared jvm-facts.md).  `trustshim exec` keeps sanitizer runtimes first.
E2E_ASAN_OPTIONS="handle_segv=0:detect_leaks=0:allow_user_segv_handler=1:verify_asan_link_order=0"
# shellcheck disable=SC2034 # used by the scripts that source this file
E2E_ASAN_ENV=() # NAME=VALUE words for env(1); empty unless sanitized
if [ "$TS_SANITIZE" = 1 ]; then
    E2E_ASAN_ENV=("LD_PRELOAD=$TS_ASAN_RUNTIME" "ASAN_OPTIONS=$E2E_ASAN_OPTIONS")
fi

# e2e_exec CMD...: runs CMD (a JVM) under `trustshim exec --`, the way a user does.
e2e_exec() {
    env "${E2E_ASAN_ENV[@]}" "$TS_CLI" exec -- "$@"
}

# e2e_expect_ok OUTPUT WHAT: OUTPUT's last line must start with "OK".
e2e_expect_ok() {
    grep -q '^OK' <<<"$1" || {
        printf '%s\n' "$1" >&2
        ts_fail "$2: expected success"
    }
}

# e2e_expect_pkix OUTPUT WHAT: OUTPUT must show the PKIX path-building failure.
e2e_expect_pkix() {
    if grep -q '^OK' <<<"$1"; then
        printf '%s\n' "$1" >&2
        ts_fail "$2: succeeded although the certificate is not trusted"
    fi
    grep -q 'PKIX path building failed' <<<"$1" || {
        printf '%s\n' "$1" >&2
        ts_fail "$2: expected the PKIX path building failure"
    }
}

# e2e_show_on_failure FILE: prints FILE's tail at exit unless the script set
# E2E_DONE=1 at its end (that is, on any failure).
# shellcheck disable=SC2034 # set by the scripts that source this file
E2E_DONE=0
e2e_show_on_failure() {
    ts_on_exit "[ \"\$E2E_DONE\" = 1 ] || { echo '--- tail of $1'; tail -40 '$1'; } >&2"
}

# e2e_installed CLI ARGS...: runs an installed trustshim with no hint that points back to the build
# (a sanitized build still needs libasan preloaded first: E2E_ASAN_ENV).
e2e_installed() {
    local cli=$1
    shift
    env -u TRUSTSHIM_LIBRARY -u LD_PRELOAD "${E2E_ASAN_ENV[@]}" "$cli" "$@"
}

# e2e_check_installed CLI LIB WHAT: the installed trustshim at CLI, whose library is LIB, pins a
# local TLS server (init, fetch --add), names LIB in `env --format sh`, and under its `exec` a JVM
# on every JDK trusts that server, which it does not without.  Leaves TRUSTSHIM_MANIFEST exported,
# the server on 127.0.0.1:$E2E_PORT, and the probe compiled in $TS_TMP/classes-MAJOR.
e2e_check_installed() {
    local cli=$1 lib=$2 what=$3 jdk major classes out
    export TRUSTSHIM_MANIFEST="$TS_TMP/etc/manifest.json"
    e2e_installed "$cli" init >/dev/null || ts_fail "$what: trustshim init failed"
    ts_selfsigned "$TS_TMP" server installed.test
    E2E_PORT=$(ts_free_port)
    ts_s_server "$TS_TMP/server.pem" "$TS_TMP/server.key" "$E2E_PORT"
    e2e_installed "$cli" fetch "https://127.0.0.1:$E2E_PORT" --add --trust-on-first-use >/dev/null 2>&1 ||
        ts_fail "$what: trustshim fetch --add failed"
    out=$(e2e_installed "$cli" env --format sh)
    grep -qF "$lib" <<<"$out" || ts_fail "$what: env --format sh does not name $lib: $out"
    while read -r jdk; do
        major=$(e2e_jdk_major "$jdk")
        classes="$TS_TMP/classes-$major"
        ts_javac "$jdk" "$classes" "$E2E_DIR/java/HttpsProbe.java"
        out=$("$jdk/bin/java" -cp "$classes" HttpsProbe "https://127.0.0.1:$E2E_PORT/" 2>&1 || true)
        e2e_expect_pkix "$out" "Java $major without trustshim"
        out=$(e2e_installed "$cli" exec -- "$jdk/bin/java" -cp "$classes" HttpsProbe \
            "https://127.0.0.1:$E2E_PORT/" 2>&1 || true)
        e2e_expect_ok "$out" "Java $major under the $what trustshim exec"
        ts_log "Java $major: OK under the $what $cli exec"
    done <<<"$(ts_jdks)"
    # A cacerts in PKCS12 with a MAC needs libcrypto: the installed libtrustshim-crypto.so beside
    # the library, or the store is served unchanged and the handshake fails.  One JDK is enough.
    jdk=$(ts_jdks | sed -n 1p)
    major=$(e2e_jdk_major "$jdk")
    classes="$TS_TMP/classes-$major"
    mkdir -p "$TS_TMP/macjre/lib/security"
    "$jdk/bin/keytool" -importkeystore -srckeystore /etc/ssl/certs/java/cacerts -srcstorepass changeit \
        -destkeystore "$TS_TMP/macjre/lib/security/cacerts" -deststoretype pkcs12 \
        -deststorepass changeit >/dev/null 2>&1 || ts_fail "keytool: PKCS12 cacerts with a MAC"
    out=$(e2e_installed "$cli" exec -- "$jdk/bin/java" \
        -Djavax.net.ssl.trustStore="$TS_TMP/macjre/lib/security/cacerts" \
        -Djavax.net.ssl.trustStorePassword=changeit -cp "$classes" HttpsProbe \
        "https://127.0.0.1:$E2E_PORT/" 2>&1 || true)
    e2e_expect_ok "$out" "Java $major, a PKCS12 cacerts with a MAC, under the $what trustshim exec"
    ts_log "Java $major: OK with a PKCS12 cacerts with a MAC (libtrustshim-crypto.so loaded)"
}

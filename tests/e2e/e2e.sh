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
    E2E_ASAN_ENV=("LD_PRELOAD=$(gcc -print-file-name=libasan.so)" "ASAN_OPTIONS=$E2E_ASAN_OPTIONS")
fi

# e2e_exec CMD...: runs CMD (a JVM) under `trustshim exec --`, the way a user does.
e2e_exec() {
    env "${E2E_ASAN_ENV[@]}" "$TS_CLI" exec -- "$@"
}

# e2e_expect_ok OUTPUT WHAT: OUTPUT's last line must start with "OK".
e2e_expect_ok() {
    printf '%s\n' "$1" | grep -q '^OK' || {
        printf '%s\n' "$1" >&2
        ts_fail "$2: expected success"
    }
}

# e2e_expect_pkix OUTPUT WHAT: OUTPUT must show the PKIX path-building failure.
e2e_expect_pkix() {
    if printf '%s\n' "$1" | grep -q '^OK'; then
        printf '%s\n' "$1" >&2
        ts_fail "$2: succeeded although the certificate is not trusted"
    fi
    printf '%s\n' "$1" | grep -q 'PKIX path building failed' || {
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

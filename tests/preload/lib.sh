# shellcheck shell=bash
# Helpers for the preload tests (sourced after tests/lib/common.sh).

[ -f "$TS_LIB" ] || ts_fail "$TS_LIB not built"

# pl_setup: a private temporary directory, and the Java probe compiled once
# (release 11 byte code, so every JDK found runs the same classes).
pl_setup() {
    ts_tmpdir
    chmod 700 "$TS_TMP"
    PL_CLASSES="$TS_TMP/classes"
    if [ -n "$(ts_jdks)" ]; then
        ts_javac "$(ts_jdks | sed -n 1p)" "$PL_CLASSES" --release 11 "$TS_SOURCE_DIR/tests/preload/java/TsProbe.java" \
            "$TS_SOURCE_DIR/tests/preload/java/TsServe.java"
    fi
}

# pl_probe JAVA_HOME ARGS...: the probe under the library (TRUSTSHIM_* from the caller's environment).
pl_probe() {
    local jh=$1
    shift
    ts_with_preload "$jh/bin/java" -cp "$PL_CLASSES" TsProbe "$@"
}

# pl_probe_plain JAVA_HOME ARGS...: the probe without the library.
pl_probe_plain() {
    local jh=$1
    shift
    "$jh/bin/java" -cp "$PL_CLASSES" TsProbe "$@"
}

# pl_cert_json PEM ALIAS HOSTS_JSON: one certificates[] entry with the PEM inline.
pl_cert_json() {
    local pem=$1 alias=$2 hosts=${3:-[]}
    printf '{ "alias": "%s", "sha256": "%s", "pem": %s, "hosts": %s }' \
        "$alias" "$(ts_sha256_of_pem "$pem")" \
        "$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$pem")" "$hosts"
}

# pl_error_lines FILE: the library's error lines in a captured stderr.
pl_error_lines() {
    grep -E "^$TS_LOG_RE: error: " "$1" || true
}

# pl_app_setup: the usual fixture of the target tests: a server certificate for localhost
# ($TS_TMP/srv.pem, $srv_sha), an application's own one ($TS_TMP/own.pem, $own_sha), the
# application's directory $app, and the first JDK in $jh0.
pl_app_setup() {
    ts_require_cmd openssl
    ts_selfsigned "$TS_TMP" srv localhost
    ts_selfsigned "$TS_TMP" own own.example.test
    srv_sha=$(ts_sha256_of_pem "$TS_TMP/srv.pem")
    own_sha=$(ts_sha256_of_pem "$TS_TMP/own.pem")
    app="$TS_TMP/app"
    mkdir -p "$app"
    jh0=$(ts_jdks | sed -n 1p)
}

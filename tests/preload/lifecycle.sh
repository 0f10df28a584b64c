#!/usr/bin/env bash
# Process lifecycle under the library, one property per run (the argument):
#   fork     children forked while other threads build blobs open a trust store: none hangs
#   signal   once built, a trust store opened from a signal handler that interrupted malloc
#   fifo     a FIFO at the number of the library's master memfd does not block an open
#   dlclose  dlopen/dlclose of the library leaves no descriptor behind
# See tests/preload/lifecycle.c.  Every run is bounded by timeout(1).
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
mode=${1:?mode}
ts_require_jdk
ts_require_cmd openssl timeout
pl_setup
prog="$TS_BUILD_DIR/bin/ts_preload_lifecycle"
[ -x "$prog" ] || ts_fail "$prog not built"
jh0=$(ts_jdks | sed -n 1p)
mkdir -p "$TS_TMP/jre/lib/security" "$TS_TMP/ks"
cacerts="$TS_TMP/jre/lib/security/cacerts"
cp "$(readlink -f "$jh0/lib/security/cacerts")" "$cacerts"
ts_selfsigned "$TS_TMP" srv mail.example.test
hosts=${TS_PL_HOSTS:-300}
hosts_json=$(seq 0 $((hosts - 1)) | sed 's/.*/"h&.test"/' | paste -sd, -)
cat >"$TS_TMP/manifest.json" <<JSON
{ "version": 1, "keystore_dirs": [ "$TS_TMP/ks" ],
  "certificates": [ $(pl_cert_json "$TS_TMP/srv.pem" mail "[$hosts_json]") ] }
JSON
export TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json"

run() {
    local out rc=0
    out=$(timeout 120 "$@" 2>"$TS_TMP/err") || rc=$?
    [ "$rc" = 0 ] || { cat "$TS_TMP/err" >&2; ts_fail "$mode: ${out:-no output} (exit $rc)"; }
    ts_log "$out"
}
case $mode in
fork) run env LD_PRELOAD="$(ts_preload_value)" "$prog" fork "$cacerts" "$TS_TMP/ks" "$hosts" "${TS_PL_RUNS:-25}" "${TS_PL_CHILDREN:-10}" ;;
signal) run env LD_PRELOAD="$(ts_preload_value)" "$prog" signal "$cacerts" ;;
fifo) run env LD_PRELOAD="$(ts_preload_value)" "$prog" fifo "$cacerts" "$TS_TMP/fifo" ;;
dlclose)
    [ "$TS_SANITIZE" = 1 ] && ts_log "(sanitized build: libasan first)"
    if [ "$TS_SANITIZE" = 1 ]; then
        run env LD_PRELOAD="$TS_ASAN_RUNTIME" ASAN_OPTIONS=detect_leaks=0 "$prog" dlclose "$TS_LIB" "$cacerts" 20
    else
        run "$prog" dlclose "$TS_LIB" "$cacerts" 20
    fi
    ;;
*) ts_fail "unknown mode $mode" ;;
esac

#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each, JOBS at a time, and
# prints runs, runs per second, coverage and corpus size per target.
#   tests/fuzz/campaign.sh BUILD_DIR SECONDS|runs=N [JOBS] [TARGET...]
# runs=N runs each target N times instead (runs=10000000: the night's campaign).
# BUILD_DIR is a clang build (CC=clang cmake ...; the targets are built here if
# needed).  Corpora grow in $FUZZ_WORK (default BUILD_DIR/fuzz-work), so a night
# goes on from the last one; seeds come from tests/fuzz/seeds.sh.  A crash,
# leak, timeout or broken invariant leaves its input in $FUZZ_WORK/artifacts
# and makes the exit status 1.  See docs/fuzzing.md.
set -euo pipefail
build=${1:?usage: campaign.sh BUILD_DIR SECONDS [JOBS] [TARGET...]}
secs=${2:?usage: campaign.sh BUILD_DIR SECONDS [JOBS] [TARGET...]}
jobs=${3:-2}
shift $(($# < 3 ? $# : 3))
here=$(cd "$(dirname "$0")" && pwd)
work=${FUZZ_WORK:-$build/fuzz-work}

# target: seed directory, -max_len, extra flags.  -max_len keeps inputs near the
# seeds' size: speed falls with size (a 165 KB cacerts runs at ~1,000/s).
declare -A seed=([certs]=certs [cert_loader]=certs [keystore]=keystore [render]=render
    [manifest]=manifest [manifest_files]=manifest_files [url]=url [reply]=reply
    [target]=target [fileio]=fileio [opt]=opt [pem]=pem)
declare -A maxlen=([certs]=4096 [cert_loader]=4096 [keystore]=4096 [render]=4096
    [manifest]=4096 [manifest_files]=1024 [url]=300 [reply]=10000 [target]=600
    [fileio]=200 [opt]=256 [pem]=2048)
declare -A extra=([manifest]="-dict=$here/manifest.dict"
    [manifest_files]="-dict=$here/manifest_files.dict" [opt]="-close_fd_mask=3")
case $secs in
runs=*) limit=-runs=${secs#runs=} ;;
*) limit=-max_total_time=$secs ;;
esac
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(printf '%s\n' "${!seed[@]}" | sort)

command -v clang >/dev/null || { echo "campaign.sh: clang is needed" >&2; exit 2; }
nice cmake --build "$build" --target fuzz -j"$jobs" >/dev/null
mkdir -p "$work/artifacts"
[ -d "$work/seeds" ] || bash "$here/seeds.sh" "$work/seeds" >/dev/null

run() { # TARGET: one run, its log in $work/TARGET.log
    local t=$1
    mkdir -p "$work/corpus/$t"
    # shellcheck disable=SC2086
    nice "$build/bin/fuzz_$t" "$limit" -max_len="${maxlen[$t]}" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/$t-" \
        ${extra[$t]:-} "$work/corpus/$t" "$work/seeds/${seed[$t]}" >"$work/$t.log" 2>&1
}

status=0
pids=()
for t in "${targets[@]}"; do
    [ -n "${seed[$t]:-}" ] || { echo "campaign.sh: no target '$t'" >&2; exit 2; }
    run "$t" &
    pids+=($!)
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
done
for p in "${pids[@]}"; do wait "$p" || true; done

printf '%-16s %12s %9s %8s %8s %7s  %s\n' target runs runs/s cov ft corpus result
for t in "${targets[@]}"; do
    log=$work/$t.log
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
    n=$(find "$work/corpus/$t" -type f | wc -l)
    result=ok
    if grep -qE '^==[0-9]+==ERROR|^SUMMARY: |deadly signal|Timeout|out-of-memory' "$log"; then
        result="FAILED: $(grep -m1 -E 'ERROR|SUMMARY' "$log" | cut -c1-60) (see $log)"
        status=1
    fi
    printf '%-16s %12s %9s %8s %8s %7s  %s\n' "$t" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$n" "$result"
done
exit $status

#!/usr/bin/env bash
# Prints the benchmark table of trustshim (never run by ctest; no timing is asserted anywhere).
#   bash bench/run.sh [BUILD_DIR]         default: build
# Environment: TS_BENCH_N (calls per hot-path run, default 1000000), TS_BENCH_RUNS
# (runs per figure, default 5), TS_BENCH_JVM_RUNS (default 10), TS_BENCH_NO_HYPERFINE=1 (time the
# JVM with date even when hyperfine is installed), JAVA_HOME.
# Each pair of figures is measured in alternating runs (without, with, without, ...)
# so that a busy machine slows both alike.  docs/performance.md records the figures.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
lib="$build/lib/libtrustshim.so"
bp="$build/bin/bench_preload"
N=${TS_BENCH_N:-1000000}
RUNS=${TS_BENCH_RUNS:-5}
JRUNS=${TS_BENCH_JVM_RUNS:-10}
[ -f "$lib" ] && [ -x "$bp" ] || { echo "run.sh: build first: cmake --build $build" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/trustshim-bench.XXXXXX")
server=""
cleanup() {
    [ -z "$server" ] || kill "$server" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

minimum() { sort -g | head -n1; }
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.1f%%", (b - a) * 100 / a}'; }
row() { printf '| %-58s | %12s | %12s | %9s | %-5s |\n' "$@"; }

# A manifest with one certificate, so the library is fully on.
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -keyout "$tmp/srv.key" -out "$tmp/srv.pem" \
    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
sha=$(openssl x509 -in "$tmp/srv.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
chmod 700 "$tmp"
cat >"$tmp/manifest.json" <<JSON
{ "version": 1, "certificates": [ { "alias": "bench", "sha256": "$sha", "file": "srv.pem", "hosts": ["localhost"] } ] }
JSON
export TRUSTSHIM_MANIFEST="$tmp/manifest.json"
with() { LD_PRELOAD="$lib" "$@"; }
without() { env -u TRUSTSHIM_MANIFEST "$@"; }

echo "trustshim benchmarks: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg), build $build"
echo "hot path: $N calls per run; \"without\" = no LD_PRELOAD"
echo
row "measure" "without" "with library" "overhead" "goal"
row "----------------------------------------------------------" "------------" "------------" "---------" "-----"

# Hot path: a path that is not a target.  Two ways, both under the library with a manifest:
#  - pair: in one process, alternating blocks of 1,000 calls through the library's symbols and
#    through libc's own (dlopen("libc.so.6")); each run prints the medians over its blocks, and
#    the median of the per-block overheads; here the median of those over the runs.
#  - separate processes with and without LD_PRELOAD, best of the runs (more exposed to load).
: >"$tmp/pair"
for ((i = 0; i < RUNS; i++)); do
    with "$bp" pair "$N" /etc/hostname >>"$tmp/pair"
done
col() { awk -v c="$1" '{print $c}' "$tmp/pair" | median; }
row "open+close, non-target, ns/call, same process (median $RUNS)" "$(col 3)" "$(col 2)" "$(printf '%+.1f%%' "$(col 6)")" "<2%"
row "stat, non-target, ns/call, same process (median $RUNS)" "$(col 5)" "$(col 4)" "$(printf '%+.1f%%' "$(col 7)")" "<5%"
for what in open stat; do
    : >"$tmp/a"
    : >"$tmp/b"
    for ((i = 0; i < RUNS; i++)); do
        if ((i % 2 == 0)); then
            without "$bp" "$what" "$N" /etc/hostname | awk '{print $2}' >>"$tmp/a"
            with "$bp" "$what" "$N" /etc/hostname | awk '{print $2}' >>"$tmp/b"
        else
            with "$bp" "$what" "$N" /etc/hostname | awk '{print $2}' >>"$tmp/b"
            without "$bp" "$what" "$N" /etc/hostname | awk '{print $2}' >>"$tmp/a"
        fi
    done
    a=$(minimum <"$tmp/a")
    b=$(minimum <"$tmp/b")
    goal="<2%"
    label="open+close, non-target, ns/call, two processes (best $RUNS)"
    if [ "$what" = stat ]; then
        goal="<5%"
        label="stat, non-target, ns/call, two processes (best $RUNS)"
    fi
    row "$label" "$a" "$b" "$(pct "$a" "$b")" "$goal"
done
t=$("$bp" tail 10000000 | awk '{print $2}')
row "the library's added work (tail test), ns/call" "" "$t" "" ""

# Serving: the first open builds the merged keystore, later ones reopen it.
jdk=""
for d in ${JAVA_HOME:-} /usr/lib/jvm/*; do
    if [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ]; then
        jdk=$(readlink -f "$d")
        break
    fi
done
if [ -n "$jdk" ]; then
    cacerts="$jdk/lib/security/cacerts"
    : >"$tmp/f"
    : >"$tmp/l"
    : >"$tmp/p"
    : >"$tmp/m"
    for ((i = 0; i < RUNS; i++)); do
        with "$bp" first "$cacerts" >"$tmp/o"
        awk '{print $2 / 1000}' "$tmp/o" >>"$tmp/f"
        awk '{print $4 / 1000}' "$tmp/o" >>"$tmp/l"
        awk '{print $6}' "$tmp/o" >>"$tmp/m"
        without "$bp" first "$cacerts" | awk '{print $4 / 1000}' >>"$tmp/p"
    done
    row "cacerts: first open+read (builds the blob), us, median" "$(median <"$tmp/p")" "$(median <"$tmp/f")" "" "<500"
    row "cacerts: later open+read (served), us, median" "$(median <"$tmp/p")" "$(median <"$tmp/l")" "" ""
    row "cacerts: first open, peak memory (VmHWM) growth, KiB, median" "" "$(median <"$tmp/m")" "" ""

    # A 200-entry key+trust PKCS12 target as keytool writes it (the JDK's PKCS12 KeyStore:
    # AES-256 PBES2 certificates and keys, SHA-256 MAC): 100 trusted certificates and 100 key
    # entries with a chain of two, made with openssl and written by bench/java/MakeP12.java.
    p12dir="$tmp/p12"
    mkdir -p "$p12dir/classes"
    "$jdk/bin/javac" -nowarn -d "$p12dir/classes" "$root/bench/java/MakeP12.java"
    ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
    openssl req -x509 "${ec[@]}" -days 30 -keyout "$p12dir/ca.key" -out "$p12dir/ca.pem" -subj /CN=bench-ca 2>/dev/null
    margs=()
    for ((i = 1; i <= 100; i++)); do
        openssl req -x509 "${ec[@]}" -days 30 -keyout /dev/null -out "$p12dir/t$i.pem" -subj "/CN=trusted-$i" 2>/dev/null
        openssl req -new "${ec[@]}" -keyout "$p12dir/k$i.key" -subj "/CN=key-$i" 2>/dev/null |
            openssl x509 -req -CA "$p12dir/ca.pem" -CAkey "$p12dir/ca.key" -CAcreateserial -days 30 \
                -out "$p12dir/k$i.pem" 2>/dev/null
        openssl pkcs12 -export -inkey "$p12dir/k$i.key" -in "$p12dir/k$i.pem" -certfile "$p12dir/ca.pem" \
            -passout pass:benchpw -out "$p12dir/k$i.p12"
        margs+=(-t "$p12dir/t$i.pem" -k "$p12dir/k$i.p12")
    done
    "$jdk/bin/java" -cp "$p12dir/classes" MakeP12 "$tmp/target.p12" benchpw "${margs[@]}" >/dev/null
    dsha=$(openssl x509 -in "$p12dir/t7.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
    for d in "" "\"$dsha\""; do
        cat >"$tmp/m-p12.json" <<JSON
{ "version": 1, "certificates": [ { "alias": "bench", "sha256": "$sha", "file": "srv.pem", "hosts": ["localhost"] } ],
  "distrust": [ $d ], "targets": [ { "path": "$tmp/target.p12", "password": "benchpw" } ] }
JSON
        : >"$tmp/f"
        for ((i = 0; i < RUNS; i++)); do
            TRUSTSHIM_MANIFEST="$tmp/m-p12.json" with "$bp" first "$tmp/target.p12" | awk '{print $2 / 1e6}' >>"$tmp/f"
        done
        label="PKCS12 target, 200 entries: first open+read, ms, median"
        [ -z "$d" ] || label="PKCS12 target, 200 entries, 1 distrusted: first open, ms, median"
        row "$label" "" "$(median <"$tmp/f")" "" ""
    done

    # The JVM: an HTTPS request to openssl s_server, trusting the certificate through the
    # library vs through a pre-rendered keystore given as javax.net.ssl.trustStore.
    mkdir -p "$tmp/classes"
    "$jdk/bin/javac" -nowarn -d "$tmp/classes" --release 11 "$root/tests/preload/java/TsProbe.java"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    openssl s_server -accept "127.0.0.1:$port" -cert "$tmp/srv.pem" -key "$tmp/srv.key" -www -quiet \
        </dev/null >/dev/null 2>&1 &
    server=$!
    for ((i = 0; i < 100; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
    # The served bytes are the pre-rendered keystore: read them through the library.
    with cat "$cacerts" >"$tmp/rendered.jks"
    url="https://localhost:$port/"
    pre=("$jdk/bin/java" "-Djavax.net.ssl.trustStore=$tmp/rendered.jks" -Djavax.net.ssl.trustStorePassword=changeit
        -cp "$tmp/classes" TsProbe https "$url")
    lib_cmd=("$jdk/bin/java" -cp "$tmp/classes" TsProbe https "$url")
    without "${pre[@]}" >/dev/null
    with "${lib_cmd[@]}" >/dev/null
    if [ "${TS_BENCH_NO_HYPERFINE:-0}" != 1 ] && command -v hyperfine >/dev/null 2>&1; then
        hyperfine -N -w 2 -r "$JRUNS" --export-json "$tmp/h.json" \
            "env -u TRUSTSHIM_MANIFEST ${pre[*]}" "env LD_PRELOAD=$lib ${lib_cmd[*]}" >/dev/null 2>&1
        a=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(round(r[0]["median"]*1000))' "$tmp/h.json")
        b=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(round(r[1]["median"]*1000))' "$tmp/h.json")
        how="hyperfine"
    else
        : >"$tmp/a"
        : >"$tmp/b"
        for ((i = 0; i < JRUNS; i++)); do
            t0=$(date +%s%N)
            without "${pre[@]}" >/dev/null
            t1=$(date +%s%N)
            with "${lib_cmd[@]}" >/dev/null
            t2=$(date +%s%N)
            echo $(((t1 - t0) / 1000000)) >>"$tmp/a"
            echo $(((t2 - t1) / 1000000)) >>"$tmp/b"
        done
        a=$(median <"$tmp/a")
        b=$(median <"$tmp/b")
        how="date"
    fi
    row "JVM HTTPS probe, wall ms, median of $JRUNS ($how)" "$a" "$b" "$(pct "$a" "$b")" "<3%"
    # Peak memory of the same JVMs (maximum resident set size, GNU time), alternating.
    if [ -x /usr/bin/time ]; then
        : >"$tmp/a"
        : >"$tmp/b"
        for ((i = 0; i < JRUNS; i++)); do
            without /usr/bin/time -f %M -o "$tmp/t" "${pre[@]}" >/dev/null
            cat "$tmp/t" >>"$tmp/a"
            with /usr/bin/time -f %M -o "$tmp/t" "${lib_cmd[@]}" >/dev/null
            cat "$tmp/t" >>"$tmp/b"
        done
        a=$(median <"$tmp/a")
        b=$(median <"$tmp/b")
        row "JVM HTTPS probe, max RSS KiB, median of $JRUNS" "$a" "$b" "$((b - a)) KiB" "<1024 KiB"
    fi
    echo
    echo "\"without\" for the JVM row: -Djavax.net.ssl.trustStore=<the same merged keystore, pre-rendered>."
    echo "JDK: $jdk"
else
    echo "(no JDK found: serving and JVM rows skipped)"
fi

if [ -x "$build/bin/bench_core" ]; then
    echo
    echo "bench_core (the trust core):"
    "$build/bin/bench_core"
fi

#!/usr/bin/env bash
# Edits lose nothing: 16 concurrent adds all land; kill -9 in the middle of an
# add leaves the old manifest or the new one, never a partial file.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/cli/lib.sh"

expect 0 "$T" init
N=16
for i in $(seq 1 $N); do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -keyout "$TS_TMP/c$i.key" -out "$TS_TMP/c$i.pem" -subj "/CN=Concurrent $i" 2>/dev/null
done
pids=()
for i in $(seq 1 $N); do
    "$T" add "$TS_TMP/c$i.pem" >"$TS_TMP/add$i.out" 2>&1 &
    pids+=($!)
done
for i in $(seq 1 $N); do
    wait "${pids[$((i - 1))]}" || ts_fail "add $i failed: $(cat "$TS_TMP/add$i.out")"
done
expect 0 "$T" list --json
count=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["certificates"]))' "$TS_TMP/.out")
[ "$count" = "$N" ] || ts_fail "$count entries after $N concurrent adds"
for i in $(seq 1 $N); do has "$OUT" "$(sha "c$i")"; done

# kill -9 during add: the manifest parses, and is the old or the new one
valid=0
for round in $(seq 1 25); do
    cp "$TRUSTSHIM_MANIFEST" "$TS_TMP/before.json"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -keyout "$TS_TMP/k.key" -out "$TS_TMP/k$round.pem" -subj "/CN=Killed $round" 2>/dev/null
    "$T" add "$TS_TMP/k$round.pem" >/dev/null 2>&1 &
    pid=$!
    # vary the moment of the kill between "before it starts" and "after it is done"
    sleep "0.00$((round % 10))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if cmp -s "$TRUSTSHIM_MANIFEST" "$TS_TMP/before.json"; then
        :
    else
        # the new one: the old content plus exactly this certificate
        expect 0 "$T" list --json
        has "$OUT" "$(ts_sha256_of_pem "$TS_TMP/k$round.pem")"
        valid=$((valid + 1))
    fi
    expect 0 "$T" list
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TRUSTSHIM_MANIFEST" ||
        ts_fail "round $round: the manifest is not valid JSON"
done
ts_log "kill -9 rounds: $valid of 25 completed the add; the others left the old manifest"
# a later add still works (the lock of a killed writer is released with its descriptor)
mkcert after "After Kill"
expect 0 "$T" add "$TS_TMP/after.pem"
# ... and removes the temporary files of the killed writers (other files stay)
touch "$TS_TMP/etc/trustshim/.manifest.json.keep" "$TS_TMP/etc/trustshim/.manifest.json.AbC123"
expect 0 "$T" add "$TS_TMP/c1.pem"
left=$(find "$TS_TMP/etc/trustshim" -name '.manifest.json.??????')
[ -z "$left" ] || ts_fail "temporary files of killed writers left: $left"
[ -e "$TS_TMP/etc/trustshim/.manifest.json.keep" ] || ts_fail "a file that is not a temporary one was removed"
ts_log "ok"

#!/usr/bin/env bash
# 32 Java threads each open and load cacerts 200 times, on every JDK: no load
# fails and every load sees the same entries (the base plus the manifest's).
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
ts_require_jdk
pl_setup
ts_selfsigned "$TS_TMP" srv mail.example.test
cat >"$TS_TMP/manifest.json" <<JSON
{ "version": 1, "certificates": [ $(pl_cert_json "$TS_TMP/srv.pem" mail '["mail.example.test"]') ] }
JSON
threads=${TS_PL_THREADS:-32}
loads=${TS_PL_LOADS:-200}
for jh in $(ts_jdks); do
    base=$(pl_probe_plain "$jh" cacerts | sed -n 's/^entries //p')
    out=$(TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" pl_probe "$jh" concurrent "$threads" "$loads" 2>"$TS_TMP/err") ||
        { cat "$TS_TMP/err" >&2; ts_fail "$jh: probe failed"; }
    [ "$out" = "loads $((threads * loads)) failed 0 distinct 1 entries $((base + 1))" ] ||
        { head -n5 "$TS_TMP/err" >&2; ts_fail "$jh: expected $((threads * loads)) identical loads of $((base + 1)) entries, got: $out"; }
    ts_log "$jh: $out"
done

#!/usr/bin/env bash
# Fail safe, on every JDK: for every bad manifest of tests/manifest/bad (every
# one on the first JDK, a fifth of them on the others) and a world-writable one,
# a missing one, a wrong pin, the JVM starts with the
# original cacerts and the library prints exactly one error line naming the
# problem; with TRUSTSHIM_STRICT=1 a JVM stops at start instead, and opening cacerts fails.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
ts_require_jdk
pl_setup
bad_src="$TS_SOURCE_DIR/tests/manifest/bad"
ls "$bad_src"/*.json >/dev/null 2>&1 || ts_fail "no bad manifests in $bad_src"
# A private copy: relative "file" entries keep working, and the ownership check passes.
cp -r "$bad_src" "$TS_TMP/bad"
chmod -R go-w "$TS_TMP/bad"
ts_selfsigned "$TS_TMP" srv mail.example.test
ts_selfsigned "$TS_TMP" other other.example.test
cat >"$TS_TMP/good.json" <<JSON
{ "version": 1, "certificates": [ $(pl_cert_json "$TS_TMP/srv.pem" mail '["mail.example.test"]') ] }
JSON
mkdir -p "$TS_TMP/open"
chmod 777 "$TS_TMP/open"
cp "$TS_TMP/good.json" "$TS_TMP/open/in-writable-dir.json"
cp "$TS_TMP/good.json" "$TS_TMP/world-writable.json"
chmod 666 "$TS_TMP/world-writable.json"
# The pin of one certificate, the PEM of another.
sed "s/$(ts_sha256_of_pem "$TS_TMP/srv.pem")/$(ts_sha256_of_pem "$TS_TMP/other.pem")/" "$TS_TMP/good.json" >"$TS_TMP/wrong-pin.json"

# expect_one_error JAVA_HOME MANIFEST EXPECTED_TEXT BASE
expect_one_error() {
    local jh=$1 m=$2 text=$3 base=$4 out n
    out=$(TRUSTSHIM_MANIFEST="$m" pl_probe "$jh" cacerts 2>"$TS_TMP/err") ||
        { cat "$TS_TMP/err" >&2; ts_fail "$jh: $m: the JVM failed"; }
    [ "$out" = "entries $base" ] || ts_fail "$jh: $m: expected the original $base entries, got $out"
    n=$(pl_error_lines "$TS_TMP/err" | wc -l)
    [ "$n" = 1 ] || { cat "$TS_TMP/err" >&2; ts_fail "$jh: $m: expected exactly one error line, got $n"; }
    [ "$(grep -c . "$TS_TMP/err")" = 1 ] || { cat "$TS_TMP/err" >&2; ts_fail "$jh: $m: more on stderr than the error line"; }
    grep -q -F -- "$text" "$TS_TMP/err" || ts_fail "$jh: $m: error line lacks '$text': $(cat "$TS_TMP/err")"
    grep -q -F -- "error: " "$TS_TMP/err" || ts_fail "$jh: $m: not an error line"
}

first_jdk=$(ts_jdks | sed -n 1p)
for jh in $(ts_jdks); do
    base=$(pl_probe_plain "$jh" cacerts | sed -n 's/^entries //p')
    [ "$(TRUSTSHIM_MANIFEST="$TS_TMP/good.json" pl_probe "$jh" cacerts)" = "entries $((base + 1))" ] ||
        ts_fail "$jh: the good manifest is not served"
    # The verdict on a manifest does not depend on the JDK (the library reads it, the JVM only opens
    # cacerts): every bad manifest on the first JDK, every fifth on the others.
    count=0 i=0
    for m in "$TS_TMP"/bad/*.json; do
        i=$((i + 1))
        [ "$jh" = "$first_jdk" ] || [ $((i % 5)) = 1 ] || continue
        expect_one_error "$jh" "$m" "$(cat "${m%.json}.expect")" "$base"
        count=$((count + 1))
    done
    ts_log "$jh: $count bad manifests: original cacerts ($base entries) and one error line each"
    expect_one_error "$jh" "$TS_TMP/world-writable.json" "writable by group or others" "$base"
    expect_one_error "$jh" "$TS_TMP/open/in-writable-dir.json" "writable by group or others" "$base"
    expect_one_error "$jh" "$TS_TMP/wrong-pin.json" "certificates[0].sha256: does not match" "$base"
    expect_one_error "$jh" "$TS_TMP/missing.json" "$TS_TMP/missing.json" "$base"
    ts_log "$jh: world-writable manifest, writable directory, wrong pin, missing file: refused, one line each"
    ts_log "$jh: e.g. $(cat "$TS_TMP/err")"

    # TRUSTSHIM_STRICT=1: a JVM stops at start (before main: the probe prints nothing), with one
    # line; what is not a JVM gets EACCES from the open of what would be a target.
    for m in "$TS_TMP/world-writable.json" "$TS_TMP/bad/$(basename "$(ls "$TS_TMP"/bad/*.json | sed -n 1p)")"; do
        set +e
        out=$(TRUSTSHIM_STRICT=1 TRUSTSHIM_MANIFEST="$m" pl_probe "$jh" cacerts 2>"$TS_TMP/err")
        rc=$?
        set -e
        [ "$rc" = 1 ] && [ -z "$out" ] || ts_fail "$jh: TRUSTSHIM_STRICT=1 with $m: exit $rc, printed: $out"
        grep -q 'TRUSTSHIM_STRICT=1: the JVM stops (exit status 1)' "$TS_TMP/err" || ts_fail "$jh: strict: $(cat "$TS_TMP/err")"
        [ "$(pl_error_lines "$TS_TMP/err" | wc -l)" = 1 ] || ts_fail "$jh: strict: expected one error line"
        if TRUSTSHIM_STRICT=1 TRUSTSHIM_MANIFEST="$m" ts_with_preload cat "$jh/lib/security/cacerts" >/dev/null 2>"$TS_TMP/err"; then
            ts_fail "$jh: TRUSTSHIM_STRICT=1 with $m: cat read cacerts"
        fi
        grep -q 'Permission denied' "$TS_TMP/err" || ts_fail "$jh: strict: expected EACCES: $(cat "$TS_TMP/err")"
    done
    # Strict mode fails only what would be a target: other keystores open normally.
    cp /etc/ssl/certs/java/cacerts "$TS_TMP/unrelated.jks"
    TRUSTSHIM_STRICT=1 TRUSTSHIM_MANIFEST="$TS_TMP/world-writable.json" ts_with_preload cat "$TS_TMP/unrelated.jks" \
        | cmp -s - "$TS_TMP/unrelated.jks" || ts_fail "$jh: strict mode refused an unrelated keystore"
    [ "$(TRUSTSHIM_STRICT=1 TRUSTSHIM_MANIFEST="$TS_TMP/good.json" pl_probe "$jh" cacerts)" = "entries $((base + 1))" ] ||
        ts_fail "$jh: strict mode with a good manifest must serve"
    ts_log "$jh: TRUSTSHIM_STRICT=1: the JVM stops at start; other processes get EACCES (Permission denied)"
done

#!/usr/bin/env bash
# contract.sh MODE: issue 8's contract on the corpus (generate.sh), judged by
# every JDK found: JdkView's view of each store without the library and with it
# (the store a targets[] entry of a manifest adding two certificates and
# distrusting one) must agree as corpus.py says.  MODE: right, wrong, none,
# unknown (see corpus.py), or render: the same contract for what
# `trustshim render --base F --base-password P --password P` writes, loaded with P
# without the library.  One JVM per JDK and group, not one per store.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
mode=${1:?usage: contract.sh right|wrong|none|unknown|render}
corpus="$TS_BUILD_DIR/tests/corpus"
[ -f "$TS_LIB" ] || ts_fail "$TS_LIB not built"
ts_require_jdk
[ -f "$corpus/stamp" ] || ts_fail "no corpus in $corpus: run the corpus_generate test first (ctest -L corpus)"
export LC_ALL=C.UTF-8
ts_tmpdir
chmod 700 "$TS_TMP"
# Compiled here, not taken from the corpus, so that the judge is always this source.
ts_javac "$(ts_jdks | sed -n 1p)" "$TS_TMP/classes" --release 11 "$TS_SOURCE_DIR/tests/corpus/JdkView.java"
groups=$(python3 "$TS_SOURCE_DIR/tests/corpus/corpus.py" prepare "$corpus" "$TS_TMP" "$mode") ||
    ts_fail "corpus.py prepare failed"

# render: one output per store, made once; JdkView then reads the outputs
# (without the library) where it read the stores.  A failed render is a view
# of its own ("load fail trustshim-render"), right only where the JDK fails too.
if [ "$mode" = render ]; then
    [ -x "$TS_CLI" ] || ts_fail "$TS_CLI not built"
    mkdir -p "$TS_TMP/rendered"
    : >"$TS_TMP/render-failed.txt"
    : >"$TS_TMP/render-list.tsv"
    while IFS=$'\t' read -r name path type pwmode pw; do
        args=(--manifest "$TS_TMP/main.json" render -o "$TS_TMP/rendered/$name" --base "$path")
        [ "$pwmode" = none ] || args+=(--base-password "$pw" --password "$pw")
        if "$TS_CLI" "${args[@]}" >/dev/null 2>>"$TS_TMP/render-stderr.txt"; then
            printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$TS_TMP/rendered/$name" "$type" "$pwmode" "$pw" >>"$TS_TMP/render-list.tsv"
        else
            printf '@ %s\nload fail trustshim-render exit-%s\n' "$name" "$?" >>"$TS_TMP/render-failed.txt"
        fi
    done <"$TS_TMP/list.tsv"
fi

rc=0
rm -rf "$TS_BUILD_DIR/tests/corpus-out/$mode"
jdk_version() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
for jh in $(ts_jdks); do
    v=$(jdk_version "$jh")
    timeout 600 "$jh/bin/java" -cp "$TS_TMP/classes" JdkView view "$TS_TMP/list.tsv" >"$TS_TMP/plain-$v.txt" ||
        ts_fail "jdk$v: JdkView failed without the library"
done
for jh in $(ts_jdks); do
    v=$(jdk_version "$jh")
    view=("$jh/bin/java" -cp "$TS_TMP/classes" JdkView view)
    : >"$TS_TMP/served-$v.txt"
    : >"$TS_TMP/stderr-$v.txt"
    if [ "$mode" = render ]; then
        cp "$TS_TMP/render-failed.txt" "$TS_TMP/served-$v.txt"
        cp "$TS_TMP/render-stderr.txt" "$TS_TMP/stderr-$v.txt"
        timeout 600 "${view[@]}" "$TS_TMP/render-list.tsv" >>"$TS_TMP/served-$v.txt" ||
            ts_fail "jdk$v: JdkView failed on the rendered stores"
    else
        for g in $groups; do
            TRUSTSHIM_MANIFEST="$TS_TMP/$g.json" ts_with_preload timeout 600 "${view[@]}" "$TS_TMP/$g.tsv" \
                >>"$TS_TMP/served-$v.txt" 2>>"$TS_TMP/stderr-$v.txt" ||
                ts_log "jdk$v: JdkView under the library exited with $? (group $g)"
        done
    fi
    if python3 "$TS_SOURCE_DIR/tests/corpus/corpus.py" check "$corpus" "$TS_TMP" "$mode" \
        "$TS_TMP/plain-$v.txt" "$TS_TMP/served-$v.txt" "$TS_TMP/stderr-$v.txt" >"$TS_TMP/verdict-$v.txt"; then
        ts_log "jdk$v: $(tail -1 "$TS_TMP/verdict-$v.txt")"
    else
        rc=1
        sed "s/^/[jdk$v] /" "$TS_TMP/verdict-$v.txt" >&2
        echo "--- jdk$v: the library's stderr (first 20 lines)" >&2
        head -20 "$TS_TMP/stderr-$v.txt" >&2
        # Keep the views for the report (TS_TMP goes at exit).
        mkdir -p "$TS_BUILD_DIR/tests/corpus-out/$mode"
        cp "$TS_TMP"/*-"$v".txt "$TS_BUILD_DIR/tests/corpus-out/$mode/"
        ts_log "jdk$v: views kept in $TS_BUILD_DIR/tests/corpus-out/$mode"
    fi
done
# check says what the library does: every store it served unchanged (targets without their
# password) is a warning of `trustshim check` with the fix, and check --strict exits 1.
if [ "$mode" = unknown ]; then
    [ -x "$TS_CLI" ] || ts_fail "$TS_CLI not built"
    : >"$TS_TMP/check-err.txt"
    for g in $groups; do
        crc=0
        "$TS_CLI" --manifest "$TS_TMP/$g.json" check --strict >/dev/null 2>"$TS_TMP/check-$g.txt" || crc=$?
        want=0
        grep -q '^trustshim: warning: ' "$TS_TMP/check-$g.txt" && want=1
        [ "$crc" = "$want" ] || ts_fail "check --strict (group $g) exited $crc with $(grep -c . "$TS_TMP/check-$g.txt") lines, not $want"
        cat "$TS_TMP/check-$g.txt" >>"$TS_TMP/check-err.txt"
    done
    stores=$(sed -n 's/^trustshim: warning: \(.*\): not served, .*; set targets\[[0-9]*\]\.password$/\1/p' \
        "$TS_TMP/check-err.txt" | grep -F "$corpus/stores/" | sort -u)
    [ -n "$stores" ] || ts_fail "check named no target: $(head -5 "$TS_TMP/check-err.txt")"
    v=$(jdk_version "$(ts_jdks | sed -n 1p)")
    served_as_is=$(sed -nE "s/^$TS_LOG_RE: error: (.*): cannot serve it .*/\\2/p" \
        "$TS_TMP/stderr-$v.txt" | sort -u)
    [ "$stores" = "$served_as_is" ] || ts_fail "check and the library disagree on which stores cannot be served:
$(diff <(echo "$served_as_is") <(echo "$stores"))"
    ts_log "check --strict names the $(echo "$stores" | wc -l) stores the library serves unchanged, each with its targets[N].password"
fi
[ "$rc" = 0 ] || ts_fail "the contract is broken (mode $mode): see the FAIL lines above"

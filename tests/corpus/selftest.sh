#!/usr/bin/env bash
# The judge of the corpus tests, judged (no library involved): on every JDK
# found, what the contract asks for, made by the JDK's own KeyStore API
# (JdkView ideal: each store plus add1/add2, minus the distrusted "old"), must be
# accepted by corpus.py, and each mutant of it (an entry dropped, changed or
# added, a distrusted entry kept, a wrong verdict, a missing log line) refused.
# So that the contract tests passing means the library keeps the contract.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
corpus="$TS_BUILD_DIR/tests/corpus"
ts_require_jdk
[ -f "$corpus/stamp" ] || ts_fail "no corpus in $corpus: run the corpus_generate test first (ctest -L corpus)"
export LC_ALL=C.UTF-8
ts_tmpdir
ts_javac "$(ts_jdks | sed -n 1p)" "$TS_TMP/classes" --release 11 "$TS_SOURCE_DIR/tests/corpus/JdkView.java"
python3 "$TS_SOURCE_DIR/tests/corpus/corpus.py" prepare "$corpus" "$TS_TMP" selftest >/dev/null ||
    ts_fail "corpus.py prepare failed"
c="$corpus/certs"
for jh in $(ts_jdks); do
    java=("$jh/bin/java" -cp "$TS_TMP/classes" JdkView)
    rm -rf "$TS_TMP/ideal" && mkdir "$TS_TMP/ideal"
    "${java[@]}" ideal "$TS_TMP/list.tsv" "$TS_TMP/ideal" "$c/add1.pem" "$c/add2.pem" -- "$c/old.pem" \
        >"$TS_TMP/written.txt" || ts_fail "$jh: JdkView ideal failed"
    awk -F'\t' -v d="$TS_TMP/ideal" 'BEGIN { OFS = "\t" }
        NR == FNR { w[$0] = 1; next }
        ($1 in w) { $2 = d "/" $1; print }' "$TS_TMP/written.txt" "$TS_TMP/list.tsv" >"$TS_TMP/ideal.tsv"
    [ -s "$TS_TMP/ideal.tsv" ] || ts_fail "$jh: JdkView ideal wrote nothing"
    "${java[@]}" view "$TS_TMP/list.tsv" >"$TS_TMP/plain.txt" || ts_fail "$jh: JdkView view failed"
    "${java[@]}" view "$TS_TMP/ideal.tsv" >"$TS_TMP/ideal.txt" || ts_fail "$jh: JdkView view (ideal) failed"
    out=$(python3 "$TS_SOURCE_DIR/tests/corpus/corpus.py" selftest "$corpus" "$TS_TMP/plain.txt" "$TS_TMP/ideal.txt") ||
        ts_fail "$jh: the judge is wrong: $out"
    ts_log "$jh: $(tail -1 <<<"$out")"
done

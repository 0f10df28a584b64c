#!/usr/bin/env bash
# trustshim render: the merged keystore, checked by every JDK's keytool; reproducible
# with SOURCE_DATE_EPOCH; per-host; written atomically and not at all on failure.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/cli/lib.sh"
ts_require_jdk

expect 0 "$T" init
mkcert a "Render A"
mkcert b "Render B"
expect 0 "$T" add "$TS_TMP/a.pem" --host mail.example.test
expect 0 "$T" add "$TS_TMP/b.pem" --alias bee

fps() { # keytool's SHA-256 list of a keystore, lowercase, sorted
    "$1/bin/keytool" -list -v -keystore "$2" -storepass changeit ${3:+-storetype "$3"} 2>/dev/null |
        sed -n 's/.*SHA256: //p' | tr -d : | tr 'A-F' 'a-f' | sort
}
aliases() {
    "$1/bin/keytool" -list -keystore "$2" -storepass changeit 2>/dev/null |
        awk -F, '/trustedCertEntry/ {print $1}' | sort
}

for jh in $(ts_jdks); do
    ts_log "JDK $jh"
    cacerts=$(readlink -f "$jh/lib/security/cacerts")
    base_n=$(fps "$jh" "$cacerts" | wc -l)
    base_fmt=$([ "$(head -c4 "$cacerts" | od -An -tx1 | tr -d ' \n')" = feedfeed ] && echo jks || echo pkcs12)
    # default base: the cacerts of the JDK from JAVA_HOME, kept in its format
    JAVA_HOME=$jh expect 0 "$T" render -o "$TS_TMP/out.jks"
    has "$OUT" "wrote $TS_TMP/out.jks ($base_fmt, $((base_n + 2)) entries: base $base_n, added 2"
    got=$(fps "$jh" "$TS_TMP/out.jks")
    [ "$(wc -l <<<"$got")" = $((base_n + 2)) ] || ts_fail "$jh: $(wc -l <<<"$got") entries"
    grep -qx "$(sha a)" <<<"$got" || ts_fail "$jh: A missing"
    grep -qx "$(sha b)" <<<"$got" || ts_fail "$jh: B missing"
    # ... and of `java` on PATH (symlinks resolved), when JAVA_HOME is unset
    mkdir -p "$TS_TMP/path"
    ln -sf "$jh/bin/java" "$TS_TMP/path/java"
    expect 0 env PATH="$TS_TMP/path:/usr/bin:/bin" "$T" render -o "$TS_TMP/path.jks"
    cmp -s "$TS_TMP/out.jks" "$TS_TMP/path.jks" || ts_fail "$jh: java on PATH gave another base"
    # PKCS12, no base
    expect 0 "$T" render -o "$TS_TMP/out.p12" --format pkcs12 --no-base
    has "$OUT" "(pkcs12, 2 entries: base 0, added 2"
    [ "$(aliases "$jh" "$TS_TMP/out.p12")" = "bee
render-a" ] || [ "$(aliases "$jh" "$TS_TMP/out.p12")" = "bee
mail.example.test" ] || ts_fail "$jh: aliases in the PKCS12: $(aliases "$jh" "$TS_TMP/out.p12")"
    [ "$(fps "$jh" "$TS_TMP/out.p12" PKCS12)" = "$(printf '%s\n' "$(sha a)" "$(sha b)" | sort)" ] ||
        ts_fail "$jh: PKCS12 content"
done
jh=$(ts_jdks | sed -n 1p)

# an explicit base; --password; distrust leaves a base entry out
keytool() { "$jh/bin/keytool" "$@"; }
mkcert base1 "Base One"
mkcert base2 "Base Two"
keytool -importcert -noprompt -alias one -file "$TS_TMP/base1.pem" -keystore "$TS_TMP/base.jks" -storepass changeit -storetype JKS >/dev/null 2>&1
keytool -importcert -noprompt -alias two -file "$TS_TMP/base2.pem" -keystore "$TS_TMP/base.jks" -storepass changeit -storetype JKS >/dev/null 2>&1
expect 0 "$T" distrust two --base "$TS_TMP/base.jks"
# The store keeps its own password: another one is refused, as the JVM would.
expect 1 "$T" render -o "$TS_TMP/pw.jks" --base "$TS_TMP/base.jks" --password s3cret
error_is "keystore digest mismatch"
expect 0 "$T" render -o "$TS_TMP/pw.jks" --base "$TS_TMP/base.jks" --password changeit
has "$OUT" "(jks, 3 entries: base 2, added 2, duplicates 0, distrusted 1)"
keytool -list -keystore "$TS_TMP/pw.jks" -storepass changeit >"$TS_TMP/kt" 2>&1 || ts_fail "keytool with the store's password: $(cat "$TS_TMP/kt")"
has "$(cat "$TS_TMP/kt")" "Your keystore contains 3 entries"
has "$(cat "$TS_TMP/kt")" "one,"
hasnt "$(cat "$TS_TMP/kt")" "two,"
! keytool -list -keystore "$TS_TMP/pw.jks" -storepass s3cret >/dev/null 2>&1 || ts_fail "wrong password accepted"

# A key store: its private key stays (recoverable), in its own format; converting it is refused.
keytool -genkeypair -keystore "$TS_TMP/keys.p12" -storetype pkcs12 -storepass k3ystore -keypass k3ystore \
    -alias server -keyalg EC -dname CN=server >/dev/null 2>&1 || ts_fail "keytool -genkeypair failed"
expect 0 "$T" render -o "$TS_TMP/keys-out.p12" --base "$TS_TMP/keys.p12" --password k3ystore
has "$OUT" "(pkcs12, 3 entries: base 1, added 2"
keytool -list -keystore "$TS_TMP/keys-out.p12" -storepass k3ystore >"$TS_TMP/kt" 2>&1 || ts_fail "keytool: $(cat "$TS_TMP/kt")"
has "$(cat "$TS_TMP/kt")" "server,"
has "$(cat "$TS_TMP/kt")" "PrivateKeyEntry"
expect 1 "$T" render -o "$TS_TMP/keys-out.jks" --base "$TS_TMP/keys.p12" --password k3ystore --format jks
error_is "never converted"
expect 1 "$T" render -o "$TS_TMP/keys-out.p12" --base "$TS_TMP/keys.p12"
error_is "MAC mismatch"

# per host: only that host's certificates, no base
expect 0 "$T" render -o "$TS_TMP/mail.example.test.ks" --host mail.example.test
has "$OUT" "(jks, 1 entry: base 0, added 1"
[ "$(fps "$jh" "$TS_TMP/mail.example.test.ks")" = "$(sha a)" ] || ts_fail "per-host keystore content"
expect 0 "$T" render -o "$TS_TMP/none.ks" --host other.example.test
has "$ERR" "no certificate lists host 'other.example.test'"

# Entries are dated with the manifest's `added` (issue 10) ...
expect 0 "$T" render -o "$TS_TMP/added.jks" --no-base
has "$(keytool -list -keystore "$TS_TMP/added.jks" -storepass changeit 2>&1)" "$(LC_ALL=C date -u '+%b %-d, %Y')"
# ... and without one, SOURCE_DATE_EPOCH fixes the dates, so the same bytes every time.
sed -i '/"added":/d' "$TRUSTSHIM_MANIFEST"
SOURCE_DATE_EPOCH=1700000000 expect 0 "$T" render -o "$TS_TMP/r1.jks" --no-base
sleep 1
SOURCE_DATE_EPOCH=1700000000 expect 0 "$T" render -o "$TS_TMP/r2.jks" --no-base
cmp -s "$TS_TMP/r1.jks" "$TS_TMP/r2.jks" || ts_fail "same inputs, different bytes"
has "$(keytool -list -keystore "$TS_TMP/r1.jks" -storepass changeit 2>&1)" "Nov 14, 2023"
expect 0 "$T" render -o "$TS_TMP/r3.jks" --no-base
has "$(keytool -list -keystore "$TS_TMP/r3.jks" -storepass changeit 2>&1)" "Jan 1, 2020"
# a malformed SOURCE_DATE_EPOCH is refused, and nothing is written
for bad in " 5" "+5" "1.5" "99999999999999999999"; do
    SOURCE_DATE_EPOCH=$bad expect 2 "$T" render -o "$TS_TMP/sde.jks" --no-base
    error_is "SOURCE_DATE_EPOCH"
    has "$ERR" "expected seconds since 1970-01-01 UTC"
    [ ! -e "$TS_TMP/sde.jks" ] || ts_fail "render with SOURCE_DATE_EPOCH='$bad' wrote its output"
done

# failures write nothing: the old file stays as it was, no new file appears
cp "$TS_TMP/r1.jks" "$TS_TMP/keep.jks"
echo garbage >"$TS_TMP/garbage.jks"
expect 2 "$T" render -o "$TS_TMP/keep.jks" --base "$TS_TMP/garbage.jks"
error_is "$TS_TMP/garbage.jks"
cmp -s "$TS_TMP/r1.jks" "$TS_TMP/keep.jks" || ts_fail "failed render changed the output"
expect 2 "$T" render -o "$TS_TMP/new.jks" --base "$TS_TMP/missing.jks"
error_is "$TS_TMP/missing.jks"
[ ! -e "$TS_TMP/new.jks" ] || ts_fail "failed render created its output"
expect 1 "$T" render -o "$TS_TMP/new.jks" --base "$TS_TMP/base.jks" --base-password wrong
error_is "keystore digest mismatch"
[ ! -e "$TS_TMP/new.jks" ] || ts_fail "failed render created its output"
expect 1 "$T" render -o "$TS_TMP/no-such-dir/x.jks" --no-base
error_is "$TS_TMP/no-such-dir/x.jks"
JAVA_HOME=$TS_TMP/nojdk expect 2 "$T" render -o "$TS_TMP/new.jks"
error_is "JAVA_HOME has no lib/security/cacerts"
expect 2 env PATH=/nonexistent "$T" render -o "$TS_TMP/new.jks"
error_is "no JDK found"
[ ! -e "$TS_TMP/new.jks" ] || ts_fail "failed render created its output"
expect 2 "$T" render -o "$TS_TMP/new.jks" --base "$TS_TMP/base.jks" --no-base
error_is "--base and --no-base exclude each other"
# JDK 8 layout: jre/lib/security/cacerts
mkdir -p "$TS_TMP/jdk8/jre/lib/security"
cp "$TS_TMP/base.jks" "$TS_TMP/jdk8/jre/lib/security/cacerts"
JAVA_HOME=$TS_TMP/jdk8 expect 0 "$T" render -o "$TS_TMP/j8.jks"
has "$OUT" "base 2, added 2"
[ -z "$(find "$TS_TMP" -maxdepth 1 -name '.*.jks.*')" ] || ts_fail "temporary files left"
ts_log "ok"

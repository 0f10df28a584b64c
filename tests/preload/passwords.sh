#!/usr/bin/env bash
# Passwords, on every JDK, the first that applies: targets[i].password; the
# JVM's -Djavax.net.ssl.trustStorePassword for the file its
# -Djavax.net.ssl.trustStore names (on the command line, in JAVA_TOOL_OPTIONS,
# in an @argfile; not as a program argument); the manifest's password.
# A target with its own password (JKS, and a keytool PKCS12 with encrypted
# certificates) is served merged and keyed with that password.  A wrong
# password stays wrong (the same exception with and without the library); an
# unknown one serves the file unchanged with one line naming the fix, and
# fails the open (EACCES) under TRUSTSHIM_STRICT=1.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
ts_require_jdk
pl_setup
pl_app_setup
for f in own.jks:JKS jvm.jks:JKS own.p12:PKCS12; do
    TRUSTSHIM_DISABLE=1 "$jh0/bin/keytool" -importcert -noprompt -alias own -file "$TS_TMP/own.pem" \
        -keystore "$app/${f%%:*}" -storetype "${f#*:}" -storepass s3cret >/dev/null 2>&1 ||
        ts_fail "keytool -importcert ${f%%:*} failed"
done
cat >"$TS_TMP/manifest.json" <<JSON
{ "version": 1,
  "certificates": [ $(pl_cert_json "$TS_TMP/srv.pem" local-test '["localhost"]') ],
  "targets": [ { "path": "$app/own.jks", "password": "s3cret" },
               { "path": "$app/jvm.jks" },
               { "path": "$app/own.p12", "password": "s3cret" } ] }
JSON
export TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json"

# trusts LABEL EXPECTED JAVA-ARGS...: the JVM's trust store (TrustStoreManager) under the library.
trusts() {
    local label=$1 expected=$2
    shift 2
    ts_with_preload "$jh/bin/java" "$@" -cp "$PL_CLASSES" TsServe trusts "$own_sha" "$srv_sha" \
        >"$TS_TMP/out" 2>"$TS_TMP/err" || ts_fail "$jh $label: the JVM failed: $(cat "$TS_TMP/err")"
    [ "$(sed -n '2,3p' "$TS_TMP/out" | cut -d' ' -f2 | tr '\n' ' ')" = "$expected" ] ||
        ts_fail "$jh $label: expected own/srv trusted '$expected', got: $(cat "$TS_TMP/out")"
}

for jh in $(ts_jdks); do
    # targets[i].password, JKS and PKCS12 (keytool encrypts PKCS12 certificates with the password).
    for t in own.jks:JKS own.p12:PKCS12; do
        out=$(ts_with_preload "$jh/bin/java" -cp "$PL_CLASSES" TsServe load "$app/${t%%:*}" "${t#*:}" s3cret 2>&1)
        [ "$out" = "entries 2" ] || ts_fail "$jh: ${t%%:*} with its own password: $out"
        trusts "${t%%:*} as trustStore" "true true " -Djavax.net.ssl.trustStore="$app/${t%%:*}" \
            -Djavax.net.ssl.trustStorePassword=s3cret
        [ ! -s "$TS_TMP/err" ] || ts_fail "$jh: ${t%%:*}: $(cat "$TS_TMP/err")"
    done

    # The JVM's trustStorePassword for jvm.jks (no password in the manifest for it).
    ts_props=(-Djavax.net.ssl.trustStore="$app/jvm.jks" -Djavax.net.ssl.trustStorePassword=s3cret)
    trusts "command line" "true true " "${ts_props[@]}"
    [ ! -s "$TS_TMP/err" ] || ts_fail "$jh command line: $(cat "$TS_TMP/err")"
    JAVA_TOOL_OPTIONS="${ts_props[*]}" trusts "JAVA_TOOL_OPTIONS" "true true "
    grep -v '^Picked up JAVA_TOOL_OPTIONS' "$TS_TMP/err" | grep -q . && ts_fail "$jh JAVA_TOOL_OPTIONS: $(cat "$TS_TMP/err")"
    printf '%s\n' "# options" "\"${ts_props[0]}\"" "${ts_props[1]}" >"$TS_TMP/opts"
    trusts "@argfile" "true true " "@$TS_TMP/opts"
    [ ! -s "$TS_TMP/err" ] || ts_fail "$jh @argfile: $(cat "$TS_TMP/err")"

    # Unknown password (the JVM passes none, the manifest's changeit is wrong): the file unchanged,
    # one line that names the fix; the JVM trusts what it trusts without the library.
    trusts "unknown password" "true false " -Djavax.net.ssl.trustStore="$app/jvm.jks"
    [ "$(pl_error_lines "$TS_TMP/err" | wc -l)" = 1 ] || ts_fail "$jh: expected one error line: $(cat "$TS_TMP/err")"
    grep -q 'jvm.jks: cannot serve it.*serving it unchanged; set targets\[1\].password' "$TS_TMP/err" ||
        ts_fail "$jh: the line does not say why and what fixes it: $(cat "$TS_TMP/err")"
    # TRUSTSHIM_STRICT=1: the open fails instead (EACCES).
    out=$(TRUSTSHIM_STRICT=1 ts_with_preload "$TS_BUILD_DIR/bin/ts_preload_probe" read "$app/jvm.jks" 2>/dev/null)
    [ "$out" = "read: -1 EACCES" ] || ts_fail "strict: an unservable target opened: $out"
    # A program argument is not a system property.
    ts_with_preload "$jh/bin/java" -Djavax.net.ssl.trustStore="$app/jvm.jks" -cp "$PL_CLASSES" TsServe trusts \
        "$own_sha" "$srv_sha" -Djavax.net.ssl.trustStorePassword=s3cret >"$TS_TMP/out" 2>"$TS_TMP/err"
    [ "$(pl_error_lines "$TS_TMP/err" | wc -l)" = 1 ] || ts_fail "$jh: a program argument was taken as an option"

    # A wrong password stays wrong: the same exception with and without the library.
    for f in own.jks jvm.jks; do
        wrong=(-Djavax.net.ssl.trustStore="$app/$f" -Djavax.net.ssl.trustStorePassword=wrong)
        "$jh/bin/java" "${wrong[@]}" -cp "$PL_CLASSES" TsServe trusts "$own_sha" >"$TS_TMP/plain" 2>&1
        ts_with_preload "$jh/bin/java" "${wrong[@]}" -cp "$PL_CLASSES" TsServe trusts "$own_sha" >"$TS_TMP/out" 2>"$TS_TMP/err"
        grep -q '^exception ' "$TS_TMP/plain" || ts_fail "$jh: $f loads with a wrong password without the library?"
        [ "$(cat "$TS_TMP/out")" = "$(cat "$TS_TMP/plain")" ] ||
            ts_fail "$jh: $f, wrong password: '$(cat "$TS_TMP/out")' under the library, '$(cat "$TS_TMP/plain")' without"
        out=$(ts_with_preload "$jh/bin/java" -cp "$PL_CLASSES" TsServe load "$app/$f" JKS wrong 2>/dev/null)
        plain=$("$jh/bin/java" -cp "$PL_CLASSES" TsServe load "$app/$f" JKS wrong 2>/dev/null)
        [ "$out" = "$plain" ] && [ "${plain%% *}" = exception ] ||
            ts_fail "$jh: $f loaded with a wrong password: '$out' under the library, '$plain' without"
    done
    ts_log "$jh: targets' passwords (JKS, PKCS12), trustStorePassword from the command line, JAVA_TOOL_OPTIONS and an @argfile; wrong stays wrong; unknown serves the original with one line"
done

#!/usr/bin/env bash
# The manifest's targets[], on every JDK: an application's own trust store
# (javax.net.ssl.trustStore) is served with the target's password, merged
# (merge: true) or holding the manifest's certificates only (merge: false),
# whatever the file is called.  HTTPS through such a trust store fails
# without the library and succeeds with it, also when the trust store and its
# password are named in a -XX:VMOptionsFile.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
ts_require_jdk
pl_setup
pl_app_setup
for f in trust.jks:s3cret only.store:changeit appstore:s3cret; do
    "$jh0/bin/keytool" -importcert -noprompt -alias own -file "$TS_TMP/own.pem" -keystore "$app/${f%%:*}" \
        -storetype JKS -storepass "${f#*:}" >/dev/null 2>&1 || ts_fail "keytool -importcert ${f%%:*} failed"
done
cat >"$TS_TMP/manifest.json" <<JSON
{ "version": 1,
  "certificates": [ $(pl_cert_json "$TS_TMP/srv.pem" local-test '["localhost"]') ],
  "targets": [ { "path": "$app/trust.jks", "password": "s3cret", "merge": true },
               { "path": "$app/only.store", "merge": false },
               { "path": "$app/appstore", "password": "s3cret", "merge": true },
               { "path": "$app/vmfile.jks" } ] }
JSON
export TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json"
"$jh0/bin/keytool" -importcert -noprompt -alias own -file "$TS_TMP/own.pem" -keystore "$app/vmfile.jks" \
    -storetype JKS -storepass "vm pass" >/dev/null 2>&1 || ts_fail "keytool -importcert vmfile.jks failed"
printf -- '-Djavax.net.ssl.trustStore=%s\n"-Djavax.net.ssl.trustStorePassword=vm pass"\n' "$app/vmfile.jks" >"$TS_TMP/vmopts"
port=$(ts_free_port)
ts_s_server "$TS_TMP/srv.pem" "$TS_TMP/srv.key" "$port"

for jh in $(ts_jdks); do
    # A name with no keystore extension ("appstore") is known from the JVM's start on.
    for t in trust.jks:s3cret appstore:s3cret; do
        out=$(pl_probe "$jh" load "$app/${t%%:*}" JKS "${t#*:}") || ts_fail "$jh: ${t%%:*} does not load with its password"
        [ "$(echo "$out" | sort)" = "$(printf '%s\n' "entries 2" "local-test $srv_sha" "own $own_sha" | sort)" ] ||
            ts_fail "$jh: ${t%%:*}: expected own + local-test, got: $out"
    done
    out=$(pl_probe "$jh" load "$app/only.store" JKS changeit) || ts_fail "$jh: only.store does not load"
    [ "$(echo "$out" | sort)" = "$(printf '%s\n' "entries 1" "local-test $srv_sha" | sort)" ] ||
        ts_fail "$jh: only.store (merge false): expected local-test only, got: $out"

    props=(-Djavax.net.ssl.trustStore="$app/appstore" -Djavax.net.ssl.trustStorePassword=s3cret)
    if out=$("$jh/bin/java" "${props[@]}" -cp "$PL_CLASSES" TsProbe https "https://localhost:$port/" 2>&1); then
        ts_fail "$jh: connected through appstore without the library: $out"
    fi
    out=$(ts_with_preload "$jh/bin/java" "${props[@]}" -cp "$PL_CLASSES" TsProbe https "https://localhost:$port/" 2>&1) ||
        ts_fail "$jh: HTTPS through the served appstore failed: $out"
    [ "$out" = "OK 200" ] || ts_fail "$jh: expected OK 200, got $out"
    # A target without a password in the manifest: the JVM's own trustStorePassword, from a
    # -XX:VMOptionsFile (the VM reads it in the option's place).
    out=$(ts_with_preload "$jh/bin/java" -XX:VMOptionsFile="$TS_TMP/vmopts" -cp "$PL_CLASSES" TsProbe https \
        "https://localhost:$port/" 2>&1) || ts_fail "$jh: HTTPS through a trust store named in a VM options file: $out"
    [ "$out" = "OK 200" ] || ts_fail "$jh: VM options file: expected OK 200, got $out"
    ts_log "$jh: targets served with their passwords (merge true and false); HTTPS via javax.net.ssl.trustStore OK (also from -XX:VMOptionsFile)"
done

# A target too large to be a keystore (a sparse 65 MiB file) is not read into memory: served
# unchanged, with one line that says so.
truncate -s 65M "$app/huge.jks"
python3 - "$TRUSTSHIM_MANIFEST" "$app/huge.jks" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["targets"].append({"path": sys.argv[2], "password": "s3cret"})
json.dump(m, open(sys.argv[1], "w"))
PY
n=$(ts_with_preload wc -c "$app/huge.jks" 2>"$TS_TMP/huge.err" | cut -d' ' -f1)
[ "$n" = $((65 * 1024 * 1024)) ] || ts_fail "the huge target: read $n bytes"
[ "$(pl_error_lines "$TS_TMP/huge.err" | grep -c 'huge.jks: cannot read it (larger than the 64 MiB a keystore may be); serving it unchanged')" = 1 ] ||
    ts_fail "the huge target's line: $(cat "$TS_TMP/huge.err")"
rm -f "$app/huge.jks"
ts_log "a 65 MiB target: served unchanged, one line"

#!/usr/bin/env bash
# What is served follows the file on disk, on every JDK: a JVM that makes a
# new TrustManagerFactory every 100 ms from a target (javax.net.ssl.trustStore,
# with its password) sees a certificate disappear after keytool -delete in
# place (same inode) and come back after keytool -importcert, as it does
# without the library (TrustStoreManager reloads when lastModified changes).
# stat, lstat, fstatat and statx of a served path report the served size and
# the file's mtime, and fstat of the served descriptor says the same; lstat of
# a symlink stays the symlink's.  Four threads reading while the file is
# rewritten 200 times in place: no crash (ASan in the sanitizer build), and the
# last content is served.  An empty file (a rewrite in place, caught between
# truncation and write) fails as without the library, with one line.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
ts_require_jdk
pl_setup
pl_app_setup
probe="$TS_BUILD_DIR/bin/ts_preload_probe"
ts_selfsigned "$TS_TMP" gone gone.example.test
gone_sha=$(ts_sha256_of_pem "$TS_TMP/gone.pem")
kt() { TRUSTSHIM_DISABLE=1 "$jh0/bin/keytool" "$@" >/dev/null 2>&1; }
for a in own gone; do
    kt -importcert -noprompt -alias "$a" -file "$TS_TMP/$a.pem" -keystore "$app/trust.jks" -storetype JKS \
        -storepass s3cret || ts_fail "keytool -importcert $a failed"
done
ln -s trust.jks "$app/link.jks"
cat >"$TS_TMP/manifest.json" <<JSON
{ "version": 1,
  "certificates": [ $(pl_cert_json "$TS_TMP/srv.pem" local-test '["localhost"]') ],
  "targets": [ { "path": "$app/trust.jks", "password": "s3cret", "merge": true } ] }
JSON
export TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json"

# The watcher's states without the loads that failed while keytool was rewriting the file in place
# (truncated, then written: a JVM that loads it in between fails, with or without the library).
states() { grep -v '^error ' "$1" | uniq; }

# wait_line FILE N WORD: waits (30 s at most) until state N of FILE starts with WORD.
wait_line() {
    local i
    for ((i = 0; i < 300; i++)); do
        [ "$(states "$1" | sed -n "${2}p" | cut -d' ' -f1)" = "$3" ] && return 0
        sleep 0.1
    done
    ts_fail "$jh: state $2 of the watcher is not '$3': $(cat "$1")"
}

for jh in $(ts_jdks); do
    # stat and fstat agree: size and mtime, through every stat call.
    "$probe" statfd "$app/trust.jks" >"$TS_TMP/plain.txt"
    ts_with_preload "$probe" statfd "$app/trust.jks" >"$TS_TMP/served.txt"
    read_n=$(awk '$1 == "read" { print $2 }' "$TS_TMP/served.txt")
    file_n=$(stat -c %s "$app/trust.jks")
    mtime=$(awk '$1 == "stat" { print $3 }' "$TS_TMP/plain.txt")
    [ -n "$read_n" ] && [ "$read_n" != "$file_n" ] || ts_fail "nothing merged into the served copy: $(cat "$TS_TMP/served.txt")"
    for call in stat fstatat statx fstat; do
        line=$(awk -v c="$call" '$1 == c { print $2, $3 }' "$TS_TMP/served.txt")
        [ "$line" = "$read_n $mtime" ] ||
            ts_fail "$call of the served path says '$line', expected '$read_n $mtime' (the bytes read, the file's mtime)"
    done
    grep -qx "lstat file $read_n $mtime" "$TS_TMP/served.txt" || ts_fail "lstat of the target: $(cat "$TS_TMP/served.txt")"
    ts_with_preload "$probe" statfd "$app/link.jks" >"$TS_TMP/link.txt"
    grep -q "^lstat link " "$TS_TMP/link.txt" || ts_fail "lstat of a symlink to a target is not the symlink: $(cat "$TS_TMP/link.txt")"
    grep -qx "stat $read_n $mtime" "$TS_TMP/link.txt" || ts_fail "stat through a symlink: $(cat "$TS_TMP/link.txt")"

    # A JVM reloading every 100 ms.
    ino=$(stat -c %i "$app/trust.jks")
    rm -f "$TS_TMP/stop" "$TS_TMP/watch.out"
    ts_with_preload "$jh/bin/java" -Djavax.net.ssl.trustStore="$app/trust.jks" -Djavax.net.ssl.trustStorePassword=s3cret \
        -cp "$PL_CLASSES" TsServe watch "$gone_sha" "$TS_TMP/stop" >"$TS_TMP/watch.out" 2>"$TS_TMP/watch.err" &
    pid=$!
    ts_on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
    wait_line "$TS_TMP/watch.out" 1 present
    kt -delete -alias gone -keystore "$app/trust.jks" -storepass s3cret || ts_fail "keytool -delete failed"
    [ "$(stat -c %i "$app/trust.jks")" = "$ino" ] || ts_fail "keytool -delete replaced the file (the test wants the same inode)"
    wait_line "$TS_TMP/watch.out" 2 absent
    kt -importcert -noprompt -alias gone -file "$TS_TMP/gone.pem" -keystore "$app/trust.jks" -storepass s3cret ||
        ts_fail "keytool -importcert failed"
    wait_line "$TS_TMP/watch.out" 3 present
    touch "$TS_TMP/stop"
    wait "$pid" || ts_fail "$jh: the watcher failed: $(cat "$TS_TMP/watch.err")"
    # Only the library's line for a load caught between truncation and write, if any.
    ! grep -vF "the file is empty (being written?): expected a JKS, JCEKS or PKCS12 keystore); serving it unchanged" "$TS_TMP/watch.err" |
        grep -q . || ts_fail "$jh: the watcher said: $(cat "$TS_TMP/watch.err")"
    # The counts: own + local-test (+ gone).
    [ "$(states "$TS_TMP/watch.out" | cut -d' ' -f2 | tr '\n' ' ')" = "3 2 3 " ] ||
        ts_fail "$jh: anchors seen: $(cat "$TS_TMP/watch.out")"
    ts_log "$jh: stat and fstat agree ($read_n bytes, mtime $mtime); keytool -delete and -importcert in place seen by the next TrustManagerFactory"
done

# Builds retire while readers run: 4 threads open, stat and read the target while it is rewritten in
# place 200 times (under ASan in the sanitizer build: no use after free); afterwards the served copy
# is the last content merged.
cp "$app/trust.jks" "$TS_TMP/a.jks"
kt -delete -alias gone -keystore "$app/trust.jks" -storepass s3cret || ts_fail "keytool -delete failed"
cp "$app/trust.jks" "$TS_TMP/b.jks"
out=$(ts_with_preload "$probe" churn "$app/trust.jks" "$TS_TMP/a.jks" "$TS_TMP/b.jks" 200 2>"$TS_TMP/churn.err") ||
    ts_fail "churn failed: $out $(head -n5 "$TS_TMP/churn.err")"
[ "$out" = "reads some final $(ts_with_preload "$probe" statfd "$app/trust.jks" | awk '$1 == "read" {print $2}')" ] ||
    ts_fail "after the churn: $out"
ts_log "200 rewrites under 4 reading threads: $out"

# A file rewritten in place is empty for a moment: the JDK fails on it (EOFException), and so must
# a JVM under the library, with one line; it must not get a store of the manifest's certificates
# only (every entry of the file lost, which TrustStoreManager would keep until the next change).
cp "$app/trust.jks" "$TS_TMP/whole.jks"
: >"$app/trust.jks"
for jh in $(ts_jdks); do
    if pl_probe_plain "$jh" load "$app/trust.jks" JKS s3cret >"$TS_TMP/e.out" 2>"$TS_TMP/e.err"; then
        ts_fail "$jh: the JDK loads an empty file: $(cat "$TS_TMP/e.out")"
    fi
    grep -q EOFException "$TS_TMP/e.err" || ts_fail "$jh: plain, empty file: $(head -3 "$TS_TMP/e.err")"
    if pl_probe "$jh" load "$app/trust.jks" JKS s3cret >"$TS_TMP/e.out" 2>"$TS_TMP/e.err"; then
        ts_fail "$jh: an empty target loads under the library: $(cat "$TS_TMP/e.out")"
    fi
    grep -q EOFException "$TS_TMP/e.err" || ts_fail "$jh: served, empty file: $(head -3 "$TS_TMP/e.err")"
    [ "$(pl_error_lines "$TS_TMP/e.err" | grep -c 'the file is empty')" = 1 ] ||
        ts_fail "$jh: expected one line saying the file is empty: $(cat "$TS_TMP/e.err")"
done
cp "$TS_TMP/whole.jks" "$app/trust.jks"
[ "$(pl_probe "$jh0" load "$app/trust.jks" JKS s3cret | sed -n 1p)" = "entries 2" ] ||
    ts_fail "the file written again is not served merged"
ts_log "an empty target fails as without the library (EOFException), with one line; written again, served merged"

#!/usr/bin/env bash
# No write-back: no program run under the library writes a certificate it got
# only from the manifest into a file.  Debian's ca-certificates-java (in a
# private mount namespace, over a copy of /etc/ssl/certs/java), keytool
# -importcert, -delete and -importkeystore into a served target and a
# synthesized <host>.ks edit the real file (they are never served); an
# application that loads a served store and stores it back (or renames a
# copy over it) gets EROFS and one line.  After each, the file on disk holds no manifest certificate.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
ts_require_jdk
ts_require_cmd openssl
pl_setup
ts_selfsigned "$TS_TMP" man manifest.example.test
ts_selfsigned "$TS_TMP" own own.example.test
ts_selfsigned "$TS_TMP" new new.example.test
man_sha=$(ts_sha256_of_pem "$TS_TMP/man.pem")
own_sha=$(ts_sha256_of_pem "$TS_TMP/own.pem")
new_sha=$(ts_sha256_of_pem "$TS_TMP/new.pem")
app="$TS_TMP/app"
home="$TS_TMP/allegra"
mkdir -p "$app" "$home/keystore"
cat >"$TS_TMP/manifest.json" <<JSON
{ "version": 1,
  "certificates": [ $(pl_cert_json "$TS_TMP/man.pem" manifest-ca '["mail.example.test"]') ],
  "targets": [ { "path": "$app/trust.jks", "password": "changeit", "merge": true } ] }
JSON
export TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json"

# sha256s FILE: the SHA-256 of every certificate in the keystore FILE, read without the library.
sha256s() {
    "$jh0/bin/keytool" -list -v -keystore "$1" -storepass changeit 2>/dev/null |
        awk '/SHA256:/ {f=$2; gsub(":", "", f); print tolower(f)}' | sort -u
}
# clean FILE WHAT: FILE holds no manifest certificate.
clean() {
    if sha256s "$1" | grep -qx "$man_sha"; then
        ts_fail "$2: the manifest's certificate was written to $1"
    fi
}
jh0=$(ts_jdks | sed -n 1p)

for jh in $(ts_jdks); do
    kt="$jh/bin/keytool"
    fresh() {
        rm -f "$app/trust.jks"
        "$kt" -importcert -noprompt -alias own -file "$TS_TMP/own.pem" -keystore "$app/trust.jks" \
            -storetype JKS -storepass changeit >/dev/null 2>&1 || ts_fail "$jh: keytool -importcert (plain) failed"
    }
    fresh
    # Served: keytool -list sees the manifest's certificate (so the tests below do test something).
    ts_with_preload "$kt" -list -v -keystore "$app/trust.jks" -storepass changeit 2>&1 |
        tr -d : | grep -qi "SHA256 $man_sha" || ts_fail "$jh: keytool -list under the library does not show the manifest's certificate"

    ts_with_preload "$kt" -importcert -noprompt -alias new -file "$TS_TMP/new.pem" -keystore "$app/trust.jks" \
        -storepass changeit >"$TS_TMP/out" 2>&1 || ts_fail "$jh: keytool -importcert under the library failed: $(cat "$TS_TMP/out")"
    clean "$app/trust.jks" "$jh: keytool -importcert"
    [ "$(sha256s "$app/trust.jks")" = "$(printf '%s\n' "$own_sha" "$new_sha" | sort)" ] ||
        ts_fail "$jh: keytool -importcert: expected own + new on disk"

    ts_with_preload "$kt" -delete -alias new -keystore "$app/trust.jks" -storepass changeit >"$TS_TMP/out" 2>&1 ||
        ts_fail "$jh: keytool -delete under the library failed: $(cat "$TS_TMP/out")"
    clean "$app/trust.jks" "$jh: keytool -delete"
    [ "$(sha256s "$app/trust.jks")" = "$own_sha" ] || ts_fail "$jh: keytool -delete: expected own only on disk"

    rm -f "$TS_TMP/src.jks"
    "$kt" -importcert -noprompt -alias new -file "$TS_TMP/new.pem" -keystore "$TS_TMP/src.jks" \
        -storetype JKS -storepass changeit >/dev/null 2>&1 || ts_fail "$jh: keytool -importcert src.jks failed"
    ts_with_preload "$kt" -importkeystore -noprompt -srckeystore "$TS_TMP/src.jks" -srcstorepass changeit \
        -destkeystore "$app/trust.jks" -deststorepass changeit >"$TS_TMP/out" 2>&1 ||
        ts_fail "$jh: keytool -importkeystore under the library failed: $(cat "$TS_TMP/out")"
    clean "$app/trust.jks" "$jh: keytool -importkeystore"
    [ "$(sha256s "$app/trust.jks")" = "$(printf '%s\n' "$own_sha" "$new_sha" | sort)" ] ||
        ts_fail "$jh: keytool -importkeystore: expected own + new on disk"

    # A synthesized per-host keystore: keytool creates the real file with what it was given only.
    rm -f "$home/keystore/mail.example.test.ks"
    ALLEGRA_HOME="$home" ts_with_preload "$kt" -importcert -noprompt -alias new -file "$TS_TMP/new.pem" \
        -keystore "$home/keystore/mail.example.test.ks" -storetype JKS -storepass changeit >"$TS_TMP/out" 2>&1 ||
        ts_fail "$jh: keytool -importcert into a synthesized <host>.ks failed: $(cat "$TS_TMP/out")"
    [ "$(sha256s "$home/keystore/mail.example.test.ks")" = "$new_sha" ] ||
        ts_fail "$jh: keytool -importcert into a synthesized <host>.ks: expected new only on disk"

    # Any other program that loads the served store and stores it back: EROFS and one line.
    fresh
    before=$(sha256sum <"$app/trust.jks")
    out=$(pl_probe "$jh" rewrite "$app/trust.jks" JKS changeit 2>"$TS_TMP/err") || ts_fail "$jh: rewrite probe failed"
    case $out in "refused "*"Read-only file system"*) ;; *) ts_fail "$jh: an application stored the served store back: $out" ;; esac
    [ "$(sha256sum <"$app/trust.jks")" = "$before" ] || ts_fail "$jh: $app/trust.jks changed"
    [ "$(pl_error_lines "$TS_TMP/err" | wc -l)" = 1 ] && grep -q 'TRUSTSHIM_DISABLE=1' "$TS_TMP/err" ||
        ts_fail "$jh: expected one error line naming TRUSTSHIM_DISABLE=1, got: $(cat "$TS_TMP/err")"
    # The C entry points: every way of writing the served file is refused, once per call, one line each.
    echo other >"$TS_TMP/other"
    out=$(ts_with_preload "$TS_BUILD_DIR/bin/ts_preload_probe" writeback "$app/trust.jks" "$TS_TMP/other" 2>"$TS_TMP/err")
    expected=$(for f in O_WRONLY O_RDWR 'O_RDONLY|O_TRUNC' 'O_WRONLY|O_CREAT|O_TRUNC'; do
        for n in open open64 openat openat64; do echo "$n $f: EROFS"; done
    done
    printf '%s\n' "fopen w: EROFS" "fopen a: EROFS" "fopen r+: EROFS" "fopen wbe: EROFS" \
        "rename: EROFS" "renameat: EROFS" "renameat2: EROFS" "O_RDONLY|O_CREAT: ok")
    [ "$out" = "$expected" ] || { diff <(echo "$expected") <(echo "$out") >&2; ts_fail "C writers of a served file"; }
    [ "$(pl_error_lines "$TS_TMP/err" | wc -l)" = 23 ] || ts_fail "expected 23 error lines: $(cat "$TS_TMP/err")"
    [ "$(sha256sum <"$app/trust.jks")" = "$before" ] && [ -f "$TS_TMP/other" ] || ts_fail "$app/trust.jks changed (C writers)"
    # A rename onto a candidate path this process was not served is the real one.
    cp "$app/trust.jks" "$TS_TMP/copy.jks"
    ts_with_preload mv "$TS_TMP/copy.jks" "$TS_TMP/moved.jks" && [ -f "$TS_TMP/moved.jks" ] ||
        ts_fail "mv onto a .jks path failed under the library"
    # The same through a temporary file renamed over it (Files.move, ATOMIC_MOVE: rename(2)).
    out=$(pl_probe "$jh" replace "$app/trust.jks" JKS changeit 2>"$TS_TMP/err") || ts_fail "$jh: replace probe failed"
    case $out in "refused "*"Read-only file system"*) ;; *) ts_fail "$jh: a served store was renamed over: $out" ;; esac
    [ "$(sha256sum <"$app/trust.jks")" = "$before" ] || ts_fail "$jh: $app/trust.jks replaced"
    rm -f "$home/keystore/mail.example.test.ks"
    out=$(ALLEGRA_HOME="$home" pl_probe "$jh" rewrite "$home/keystore/mail.example.test.ks" JKS changeit 2>/dev/null) ||
        ts_fail "$jh: rewrite probe (synthesized) failed"
    case $out in "refused "*) ;; *) ts_fail "$jh: a synthesized <host>.ks was stored: $out" ;; esac
    [ ! -e "$home/keystore/mail.example.test.ks" ] || ts_fail "$jh: a synthesized <host>.ks was written to disk"
    ts_log "$jh: keytool -importcert/-delete/-importkeystore edit the real file; a rewrite of a served store is refused"
done

# Debian's ca-certificates-java, as update-ca-certificates runs it, over a copy of the system store.
jar=/usr/share/ca-certificates-java/ca-certificates-java.jar
if [ ! -f "$jar" ] || [ ! -f /etc/ssl/certs/java/cacerts ]; then
    ts_skip "Debian's ca-certificates-java is not installed ($jar)"
fi
unshare_cmd=(unshare -m)
[ "$(id -u)" = 0 ] || unshare_cmd=(unshare -r -m)
"${unshare_cmd[@]}" true 2>/dev/null || ts_skip "no private mount namespace here (unshare -m)"
mkdir -p "$TS_TMP/java"
cp /etc/ssl/certs/java/cacerts "$TS_TMP/java/cacerts"
system_before=$(sha256sum </etc/ssl/certs/java/cacerts)
echo "+$TS_TMP/new.pem" >"$TS_TMP/pending"
# The JVM whose cacerts is /etc/ssl/certs/java/cacerts (Debian's).
djh=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
ts_with_preload "${unshare_cmd[@]}" bash -c '
    mount --bind "$1/java" /etc/ssl/certs/java &&
    "$2/bin/java" -Xmx64m -jar "$3" -storepass changeit <"$1/pending"' _ "$TS_TMP" "$djh" "$jar" >"$TS_TMP/out" 2>&1 ||
    ts_fail "ca-certificates-java under the library failed: $(cat "$TS_TMP/out")"
[ "$(sha256sum </etc/ssl/certs/java/cacerts)" = "$system_before" ] || ts_fail "the system's /etc/ssl/certs/java/cacerts changed"
clean "$TS_TMP/java/cacerts" "ca-certificates-java"
sha256s "$TS_TMP/java/cacerts" | grep -qx "$new_sha" || ts_fail "ca-certificates-java did not add the new certificate: $(cat "$TS_TMP/out")"
ts_log "ca-certificates-java: the new certificate added, no manifest certificate written"

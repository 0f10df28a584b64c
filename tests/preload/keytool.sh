#!/usr/bin/env bash
# keytool -list -cacerts under the library, on every JDK: the base entries plus
# the manifest's, with -storepass changeit and without a password; a distrusted
# public root disappears.  The file on disk does not change.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
ts_require_jdk
pl_setup
ts_selfsigned "$TS_TMP" srv mail.example.test

# "alias sha256" lines of a keytool -list output.
entries() {
    awk '/trustedCertEntry/ {a=$1; sub(/,$/, "", a)} /\(SHA-256\)/ {f=$NF; gsub(":", "", f); print a, tolower(f)}'
}

for jh in $(ts_jdks); do
    cacerts=$(readlink -f "$jh/lib/security/cacerts")
    before=$(sha256sum <"$cacerts")
    "$jh/bin/keytool" -list -cacerts -storepass changeit >"$TS_TMP/plain.txt" 2>&1 || ts_fail "keytool failed without the library"
    entries <"$TS_TMP/plain.txt" | sort >"$TS_TMP/plain.entries"
    base=$(wc -l <"$TS_TMP/plain.entries")
    [ "$base" -gt 10 ] || ts_fail "$jh: only $base entries in cacerts?"
    # Distrust the first public root.
    read -r root_alias root_sha < <(head -n1 "$TS_TMP/plain.entries")
    cat >"$TS_TMP/manifest.json" <<JSON
{ "version": 1,
  "certificates": [ $(pl_cert_json "$TS_TMP/srv.pem" mail.example.test '["mail.example.test"]') ],
  "distrust": [ "$root_sha" ] }
JSON
    mail_sha=$(ts_sha256_of_pem "$TS_TMP/srv.pem")
    for args in "-storepass changeit" ""; do
        # shellcheck disable=SC2086
        TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" ts_with_preload "$jh/bin/keytool" -list -cacerts $args \
            </dev/null >"$TS_TMP/pre.txt" 2>"$TS_TMP/pre.err" || { cat "$TS_TMP/pre.txt" "$TS_TMP/pre.err" >&2; ts_fail "$jh: keytool -list -cacerts $args failed under the library"; }
        ! grep -q trustshim "$TS_TMP/pre.err" || ts_fail "$jh: stderr: $(cat "$TS_TMP/pre.err")"
        entries <"$TS_TMP/pre.txt" | sort >"$TS_TMP/pre.entries"
        grep -qx "mail.example.test $mail_sha" "$TS_TMP/pre.entries" || ts_fail "$jh ($args): manifest certificate not listed"
        grep -q " $root_sha\$" "$TS_TMP/pre.entries" && ts_fail "$jh ($args): distrusted root $root_alias still listed"
        # Everything else of the base is there: every certificate, and every ASCII alias unchanged
        # (the core rewrites non-ASCII aliases, which only Debian's own store generator produces).
        expected=$( (grep -v " $root_sha\$" "$TS_TMP/plain.entries"; echo "mail.example.test $mail_sha") | sort)
        diff <(echo "$expected" | awk '{print $2}' | sort) <(awk '{print $2}' "$TS_TMP/pre.entries" | sort) >&2 ||
            ts_fail "$jh ($args): certificates differ from base - root + manifest"
        missing=$(echo "$expected" | LC_ALL=C grep -v '[^ -~]' | grep -v -x -F -f "$TS_TMP/pre.entries" || true)
        [ -z "$missing" ] || ts_fail "$jh ($args): entries lost or renamed: $missing"
        grep -q "Your keystore contains $base entries" "$TS_TMP/pre.txt" || ts_fail "$jh ($args): expected $base entries"
        ts_log "$jh: keytool -list -cacerts ${args:-(no password)}: $base entries = $base base - $root_alias + mail.example.test"
    done
    [ "$(sha256sum <"$cacerts")" = "$before" ] || ts_fail "$cacerts changed on disk"

    # The JVM's cacerts reached another way: the symlink's target directly, and a relative path
    # (same device and inode as <java.home>/lib/security/cacerts).
    if [ "$cacerts" != "$jh/lib/security/cacerts" ]; then
        out=$(TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" pl_probe "$jh" load "$cacerts" JKS -)
        echo "$out" | grep -qx "mail.example.test $mail_sha" || ts_fail "$jh: $cacerts (symlink target) not served"
        out=$(cd "$(dirname "$cacerts")" && TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" pl_probe "$jh" load cacerts JKS -)
        echo "$out" | grep -qx "mail.example.test $mail_sha" || ts_fail "$jh: relative 'cacerts' in $(dirname "$cacerts") not served"
        # A copy elsewhere is another file: untouched.
        cp "$cacerts" "$TS_TMP/cacerts"
        out=$(TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" pl_probe "$jh" load "$TS_TMP/cacerts" JKS -)
        echo "$out" | grep -q "$mail_sha" && ts_fail "$jh: an unrelated file named cacerts was served"
        ts_log "$jh: $cacerts served by its own path and relatively; an unrelated copy is not"
    fi
done

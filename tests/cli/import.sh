#!/usr/bin/env bash
# trustshim import: keytool-made <host>.ks of each type (JKS, JCEKS, PKCS12) by every JDK, bundles,
# passwords (option, terminal prompt with echo off), --dry-run, and --cacerts OLD with two
# hand-made imports.  What the JDK would trust from a keystore is what its keytool lists.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
ts_require_jdk
. "$TS_SOURCE_DIR/tests/cli/lib.sh"

expect 0 "$T" init
KS="$TS_TMP/allegra/keystore"
mkdir -p "$KS"

# keytool_shas KEYTOOL FILE PASSWORD: the SHA-256 of every entry keytool lists (trusted
# certificates, and the first certificate of each key entry), lowercase, without colons, sorted
keytool_shas() {
    "$1" -list -keystore "$2" -storepass "$3" 2>/dev/null |
        sed -n 's/^Certificate fingerprint (SHA-256): //p' | tr -d ':' | tr 'A-F' 'a-f' | sort
}
# manifest_shas SOURCE: the SHA-256 of the entries whose source is SOURCE, sorted
manifest_shas() {
    python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["certificates"]:
    if c.get("source") == sys.argv[2]: print(c["sha256"])' "$TRUSTSHIM_MANIFEST" "$1" | sort
}
# manifest_field SHA FIELD: a field of the entry with that SHA-256, as JSON
manifest_field() {
    python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["certificates"]:
    if c["sha256"] == sys.argv[2]: print(json.dumps(c.get(sys.argv[3])))' "$TRUSTSHIM_MANIFEST" "$1" "$2"
}

# --- a <host>.ks of each type, made by each JDK's keytool: a trusted entry and a key entry
n=0
for jh in $(ts_jdks); do
    kt="$jh/bin/keytool"
    for type in JKS JCEKS PKCS12; do
        n=$((n + 1))
        host="h$n-$(tr 'A-Z' 'a-z' <<<"$type").example.test"
        f="$KS/$host.ks"
        mkcert "ca$n" "Import CA $n $type"
        "$kt" -importcert -noprompt -alias "corp-ca-$n" -file "$TS_TMP/ca$n.pem" -keystore "$f" \
            -storetype "$type" -storepass secret123 >/dev/null 2>&1 || ts_fail "keytool $type ($jh)"
        "$kt" -genkeypair -alias "server-$n" -keyalg EC -groupname secp256r1 -dname "CN=server$n.example.test" \
            -keystore "$f" -storetype "$type" -storepass secret123 -keypass secret123 >/dev/null 2>&1 ||
            ts_fail "keytool -genkeypair $type ($jh)"
        want=$(keytool_shas "$kt" "$f" secret123)
        [ "$(wc -l <<<"$want")" = 2 ] || ts_fail "keytool lists $(wc -l <<<"$want") entries in $f"
        snapshot
        expect 0 "$T" import --dry-run --password secret123 "$f"
        has "$OUT" "would add corp-ca-$n"
        has "$OUT" "would add 2 certificates (dry run: nothing changed)"
        unchanged "import --dry-run of $type"
        expect 0 "$T" import --password secret123 "$f"
        has "$OUT" "added corp-ca-$n"
        has "$OUT" "  hosts:    $host"
        has "$OUT" "added server-$n (first certificate of a key entry)"
        has "$OUT" "added 2 certificates"
        got=$(manifest_shas "import $f")
        [ "$got" = "$want" ] || ts_fail "import of a $type keystore by $jh: keytool lists
$want
the manifest has
$got"
        [ "$(manifest_field "$(sha "ca$n")" hosts)" = "[\"$host\"]" ] || ts_fail "host of $f"
        [ "$(manifest_field "$(sha "ca$n")" alias)" = "\"corp-ca-$n\"" ] || ts_fail "alias of $f"
    done
done

# --- again: nothing new; the same CA in another <host>.ks gets that host too
jh=$(ts_jdks | sed -n 1p)
kt="$jh/bin/keytool"
snapshot
expect 0 "$T" import --password secret123 "$KS/h1-jks.example.test.ks"
has "$OUT" "already in the manifest as corp-ca-1: CN=Import CA 1 JKS"
has "$OUT" "added 0 certificates; 2 already in the manifest"
unchanged "import of what is there already"
"$kt" -importcert -noprompt -alias "copy" -file "$TS_TMP/ca1.pem" -keystore "$KS/other.example.test.ks" \
    -storetype PKCS12 -storepass secret123 >/dev/null 2>&1 || ts_fail "keytool copy"
expect 0 "$T" import --password secret123 "$KS/other.example.test.ks"
has "$OUT" "already in the manifest as corp-ca-1: now also for host other.example.test"
has "$OUT" "added 0 certificates and 1 host"
[ "$(manifest_field "$(sha ca1)" hosts)" = '["h1-jks.example.test", "other.example.test"]' ] ||
    ts_fail "hosts after a second keystore: $(manifest_field "$(sha ca1)" hosts)"

# --- one certificate in two files of one import: one entry; an alias taken by another: a new one
mkcert dup "Dup CA"
mkcert taken "Another Corp CA"
for s in a b; do
    "$kt" -importcert -noprompt -alias "dup" -file "$TS_TMP/dup.pem" -keystore "$TS_TMP/dup-$s.jks" \
        -storetype JKS -storepass changeit >/dev/null 2>&1 || ts_fail "keytool dup"
done
"$kt" -importcert -noprompt -alias "corp-ca-1" -file "$TS_TMP/taken.pem" -keystore "$TS_TMP/dup-a.jks" \
    -storetype JKS -storepass changeit >/dev/null 2>&1 || ts_fail "keytool taken"
expect 0 "$T" import --password changeit "$TS_TMP/dup-a.jks" "$TS_TMP/dup-b.jks"
has "$OUT" "added dup"
has "$OUT" "the same certificate as dup, once is enough: $TS_TMP/dup-b.jks"
has "$OUT" "added another-corp-ca"
has "$ERR" "trustshim: warning: $TS_TMP/dup-a.jks: alias 'corp-ca-1' is taken by another certificate: a new one is made"
has "$OUT" "added 2 certificates"

# --- passwords: none and no terminal (JKS as the JVM reads it; PKCS12 says what to do), wrong
mkcert pw "Password CA"
"$kt" -importcert -noprompt -alias pw -file "$TS_TMP/pw.pem" -keystore "$TS_TMP/pw.jks" -storetype JKS \
    -storepass secret123 >/dev/null 2>&1 || ts_fail "keytool pw.jks"
"$kt" -importcert -noprompt -alias pw -file "$TS_TMP/pw.pem" -keystore "$TS_TMP/pw.p12" -storetype PKCS12 \
    -storepass secret123 >/dev/null 2>&1 || ts_fail "keytool pw.p12"
snapshot
expect 2 "$T" import "$TS_TMP/pw.p12"
error_is "$TS_TMP/pw.p12: nothing readable without the password (1 part skipped): give --password"
expect 2 "$T" import --password wrong "$TS_TMP/pw.jks"
error_is "$TS_TMP/pw.jks: "
has "$ERR" "wrong password"
expect 2 "$T" import --password secret123 "$TS_TMP/pw.jks" "$TS_TMP/ca1.key"
error_is "$TS_TMP/ca1.key: neither a keystore (JKS, JCEKS, PKCS12) nor certificates"
unchanged "failed imports"
# on a terminal it asks, echo off: the password is not shown
# (typed once the prompt is there: what is typed ahead, the terminal echoes before anyone asks)
out=$( (sleep 1; printf 'secret123\n') | script -qec "'$T' import --dry-run '$TS_TMP/pw.p12'" /dev/null 2>&1) ||
    ts_fail "import with the password asked: $out"
has "$out" "Password of $TS_TMP/pw.p12 (Enter for none): "
has "$out" "would add pw"
hasnt "$out" "secret123"
out=$( (sleep 1; printf '\n') | script -qec "'$T' import --dry-run '$TS_TMP/pw.jks'" /dev/null 2>&1) ||
    ts_fail "import of a JKS with no password given: $out"
has "$out" "would add pw"
expect 0 "$T" import "$TS_TMP/pw.jks"
has "$OUT" "added pw"

# --- bundles: PEM with several blocks, DER; a <host>.ks outside a keystore directory has no host
mkcert b1 "Bundle One"
mkcert b2 "Bundle Two"
cat "$TS_TMP/b1.pem" "$TS_TMP/b2.pem" >"$TS_TMP/bundle.pem"
openssl x509 -in "$TS_TMP/b1.pem" -outform DER -out "$TS_TMP/b1.der"
expect 0 "$T" import "$TS_TMP/bundle.pem" "$TS_TMP/b1.der" --host app.example.test
has "$OUT" "added bundle-one"
has "$OUT" "added bundle-two"
has "$OUT" "the same certificate as bundle-one, once is enough: $TS_TMP/b1.der"
[ "$(manifest_field "$(sha b2)" hosts)" = '["app.example.test"]' ] || ts_fail "--host on a bundle"
mkdir -p "$TS_TMP/elsewhere"
mkcert nohost "No Host CA"
"$kt" -importcert -noprompt -alias nohost -file "$TS_TMP/nohost.pem" -keystore "$TS_TMP/elsewhere/x.example.test.ks" \
    -storetype JKS -storepass changeit >/dev/null 2>&1 || ts_fail "keytool nohost"
expect 0 "$T" import "$TS_TMP/elsewhere/x.example.test.ks"
[ "$(manifest_field "$(sha nohost)" hosts)" = null ] || ts_fail "a .ks outside a keystore directory got a host"
# ... but one of the manifest's keystore_dirs gives it
mkcert inDir "Listed Dir CA"
mkdir -p "$TS_TMP/stores"
"$kt" -importcert -noprompt -alias listed -file "$TS_TMP/inDir.pem" -keystore "$TS_TMP/stores/ldap.example.test.ks" \
    -storetype JKS -storepass changeit >/dev/null 2>&1 || ts_fail "keytool listed"
# Allegra's LDAP store, trackplus.ks, has a fixed name: no host
mkcert ldapstore "LDAP Store CA"
"$kt" -importcert -noprompt -alias ldapstore -file "$TS_TMP/ldapstore.pem" -keystore "$KS/trackplus.ks" \
    -storetype JKS -storepass changeit >/dev/null 2>&1 || ts_fail "keytool trackplus.ks"
expect 0 "$T" import "$KS/trackplus.ks"
has "$OUT" "added ldapstore"
[ "$(manifest_field "$(sha ldapstore)" hosts)" = null ] || ts_fail "trackplus.ks gave a host"
expect 0 "$T" dir add "$TS_TMP/stores"
expect 0 "$T" import "$TS_TMP/stores/ldap.example.test.ks"
[ "$(manifest_field "$(sha inDir)" hosts)" = '["ldap.example.test"]' ] || ts_fail "keystore_dirs host"
expect 2 "$T" import
error_is "no FILE given"
expect 2 "$T" import --all "$TS_TMP/bundle.pem"
error_is "--all is for --cacerts only"

# --- --cacerts OLD: an old JRE's cacerts with two certificates imported by hand (and one the
# old JDK shipped), against today's
base=$(readlink -f "$jh/lib/security/cacerts")
cp "$base" "$TS_TMP/old-cacerts"
chmod u+w "$TS_TMP/old-cacerts"
mkcert hand1 "Hand Imported Root"
mkcert hand2 "Hand Imported LDAP CA"
mkcert gone "Dropped JDK Root"
"$kt" -importcert -noprompt -alias corp-root -file "$TS_TMP/hand1.pem" -keystore "$TS_TMP/old-cacerts" \
    -storepass changeit >/dev/null 2>&1 || ts_fail "keytool hand1"
"$kt" -importcert -noprompt -alias ldapca -file "$TS_TMP/hand2.pem" -keystore "$TS_TMP/old-cacerts" \
    -storepass changeit >/dev/null 2>&1 || ts_fail "keytool hand2"
"$kt" -importcert -noprompt -alias "droppedroot [jdk]" -file "$TS_TMP/gone.pem" -keystore "$TS_TMP/old-cacerts" \
    -storepass changeit >/dev/null 2>&1 || ts_fail "keytool gone"
total=$("$kt" -list -keystore "$TS_TMP/old-cacerts" -storepass changeit 2>/dev/null | grep -c trustedCertEntry)
snapshot
JAVA_HOME=$jh expect 0 "$T" import --cacerts "$TS_TMP/old-cacerts" --dry-run
[ "$(sed -n 1p <<<"$OUT")" = "3 of the $total certificates in $TS_TMP/old-cacerts are not in $jh/lib/security/cacerts" ] ||
    ts_fail "import --cacerts: the count is not first: $OUT"
has "$OUT" "3 of the $total certificates in $TS_TMP/old-cacerts are not in $jh/lib/security/cacerts"
has "$OUT" "left out droppedroot [jdk]: CN=Dropped JDK Root, expires "
has "$OUT" "would add corp-root"
has "$OUT" "would add ldapca"
has "$OUT" "  subject:  CN=Hand Imported Root"
has "$OUT" "  issuer:   CN=Hand Imported Root"
has "$OUT" "  expires:  "
has "$OUT" "  reason:   not in the base trust store, and its alias is not one a JDK ships: imported by hand"
has "$OUT" "would add 2 certificates (dry run: nothing changed)"
unchanged "import --cacerts --dry-run"
expect 0 "$T" import --cacerts "$TS_TMP/old-cacerts" --base "$base" --all
has "$OUT" "added corp-root"
has "$OUT" "added ldapca"
has "$OUT" "added dropped-jdk-root"
has "$OUT" "reason:   not in the base trust store; shipped with the old JDK or distribution (added for --all)"
for c in hand1 hand2 gone; do
    case "$(manifest_field "$(sha $c)" source)" in
    "\"import --cacerts $TS_TMP/old-cacerts "*) ;;
    *) ts_fail "$c: source $(manifest_field "$(sha $c)" source)" ;;
    esac
done
# what the old cacerts had is what is served now: base + manifest, counted by the JDK's keytool
expect 0 "$T" render -o "$TS_TMP/served.jks" --base "$base"
"$kt" -list -keystore "$TS_TMP/served.jks" -storepass changeit 2>/dev/null |
    sed -n 's/^Certificate fingerprint (SHA-256): //p' | tr -d ':' | tr 'A-F' 'a-f' | sort >"$TS_TMP/served.sha"
for c in hand1 hand2 gone; do
    grep -qx "$(sha $c)" "$TS_TMP/served.sha" || ts_fail "$c is not served after import --cacerts"
done
expect 0 "$T" import --cacerts "$TS_TMP/old-cacerts" --base "$base" --all
# again: nothing new; a CA the base has under the same subject (renewed) is said to be so
has "$OUT" "already in the manifest as corp-root: CN=Hand Imported Root"
has "$OUT" "added 0 certificates; 3 already in the manifest"
mkcert ren_old "Renewed CA"
mkcert ren_new "Renewed CA"
"$kt" -importcert -noprompt -alias renewed -file "$TS_TMP/ren_old.pem" -keystore "$TS_TMP/old2.jks" \
    -storetype JKS -storepass changeit >/dev/null 2>&1 || ts_fail "keytool ren_old"
"$kt" -importcert -noprompt -alias renewed -file "$TS_TMP/ren_new.pem" -keystore "$TS_TMP/base2.jks" \
    -storetype JKS -storepass changeit >/dev/null 2>&1 || ts_fail "keytool ren_new"
expect 0 "$T" import --cacerts "$TS_TMP/old2.jks" --base "$TS_TMP/base2.jks" --dry-run
has "$OUT" "reason:   not in the base trust store, which has another certificate with this subject (renewed? then this one is not needed)"
expect 2 "$T" import --cacerts "$TS_TMP/old-cacerts" "$TS_TMP/bundle.pem"
error_is "--cacerts OLD takes no FILE"
ts_log "ok"

#!/usr/bin/env bash
# trustshim add / list / remove / distrust / undistrust: what they print, what they
# change, and that a failed command changes nothing.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/cli/lib.sh"

expect 0 "$T" init
mkcert ca "Example Root CA" -addext basicConstraints=critical,CA:TRUE
mkcert mail "mail.example.test" -addext basicConstraints=critical,CA:FALSE
mkcert other "Other CA" -addext basicConstraints=critical,CA:TRUE
mkcert third "Third CA" -addext basicConstraints=critical,CA:TRUE
# a weak, old-fashioned, expired leaf: every warning at once
mkcert_dated weak "Weak Server" 20200101000000Z 20200201000000Z 1024 sha1 FALSE
# not yet valid
mkcert_dated future "Future CA" 20990101000000Z 21000101000000Z 2048 sha256 TRUE

# add: alias from the CN, printed description
expect 0 "$T" add "$TS_TMP/ca.pem"
has "$OUT" "added example-root-ca"
has "$OUT" "subject:  CN=Example Root CA"
has "$OUT" "issuer:   CN=Example Root CA"
has "$OUT" "valid:    "
has "$OUT" "sha256:   $(sha ca)"
[ -z "$ERR" ] || ts_fail "warnings for a sound CA: $ERR"
# the same again: said so, nothing changes
snapshot
expect 0 "$T" add "$TS_TMP/ca.pem"
has "$OUT" "already in the manifest as example-root-ca"
unchanged "duplicate add"
# already there, asked for a host it does not list: the host is added, the rest stays
expect 0 "$T" add "$TS_TMP/ca.pem" --host ldap.example.test
has "$OUT" "already in the manifest as example-root-ca (sha256 $(sha ca)): now also for host ldap.example.test"
[ -z "$ERR" ] || ts_fail "add --host of a certificate already there: $ERR"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["certificates"][0]
assert c["alias"] == "example-root-ca" and c["hosts"] == ["ldap.example.test"] and c["source"].startswith("add ")' \
    "$TRUSTSHIM_MANIFEST" || ts_fail "host not added in place: $(cat "$TRUSTSHIM_MANIFEST")"
snapshot
expect 0 "$T" add "$TS_TMP/ca.pem" --host LDAP.example.test
has "$OUT" "nothing changed"
unchanged "a host listed already (any case)"
# alias from --host; the host in hosts[]; a leaf warns
expect 0 "$T" add "$TS_TMP/mail.pem" --host mail.example.test --host smtp.example.test
has "$OUT" "added mail.example.test"
has "$OUT" "hosts:    mail.example.test, smtp.example.test"
has "$ERR" "trustshim: warning: mail.example.test: not a CA certificate"
# on a terminal the warnings come after the entry they are about
mkcert leaf2 "leaf2.example.test" -addext basicConstraints=critical,CA:FALSE
out=$(script -qec "'$T' add '$TS_TMP/leaf2.pem'" /dev/null 2>&1) || ts_fail "add on a terminal: $out"
first=$(grep -n -m1 -e "^added leaf2" -e "warning:" <<<"$out")
case "$first" in *"added leaf2"*) ;; *) ts_fail "a warning came before the entry it is about:
$out" ;; esac
has "$out" "leaf2.example.test: not a CA certificate"
expect 0 "$T" remove leaf2.example.test
# warnings, without refusing
expect 0 "$T" add "$TS_TMP/weak.pem"
has "$OUT" "added weak-server"
has "$ERR" "weak-server: expired on 2020-02-01"
has "$ERR" "weak-server: weak key: RSA 1024 bits"
has "$ERR" "weak-server: SHA-1 signature"
has "$ERR" "weak-server: not a CA certificate"
expect 0 "$T" add "$TS_TMP/future.pem"
has "$ERR" "future-ca: not valid before 2099-01-01"
# the default alias is made unique: two certificates with the same CN
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -keyout "$TS_TMP/twin1.key" \
    -out "$TS_TMP/twin1.pem" -subj "/CN=Twin" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -keyout "$TS_TMP/twin2.key" \
    -out "$TS_TMP/twin2.pem" -subj "/CN=Twin" 2>/dev/null
expect 0 "$T" add "$TS_TMP/twin1.pem" "$TS_TMP/twin2.pem"
grep -qx "added twin" <<<"$OUT" || ts_fail "first twin: $OUT"
has "$OUT" "added twin-2"
expect 0 "$T" remove twin twin-2
# --alias, and a bundle (text between blocks) where every certificate counts
{ echo "Bundle of two"; cat "$TS_TMP/other.pem"; echo "some text"; cat "$TS_TMP/third.pem"; } >"$TS_TMP/bundle.pem"
expect 0 "$T" add "$TS_TMP/bundle.pem" --alias corp
has "$OUT" "added corp"
has "$OUT" "added corp-2"
has "$OUT" "sha256:   $(sha other)"
has "$OUT" "sha256:   $(sha third)"

# list: table and JSON
expect 0 "$T" list
has "$OUT" "ALIAS"
has "$OUT" "example-root-ca"
has "$OUT" "$(sha mail | cut -c1-16)"
has "$OUT" "mail.example.test,smtp.example.test"
grep -qE '^weak-server +CN=Weak Server +expired ' <<<"$OUT" || ts_fail "list: an expired certificate should say 'expired': $OUT"
expect 0 "$T" list --json
python3 - "$TS_TMP/.out" "$(sha mail)" <<'PY' || ts_fail "list --json is not what was expected: $OUT"
import json, sys
d = json.load(open(sys.argv[1]))
a = d["certificates"]
assert isinstance(a, list) and len(a) == 6, a
assert d["distrusted"] == [], d
m = [e for e in a if e["alias"] == "mail.example.test"][0]
assert m["sha256"] == sys.argv[2]
assert m["subject"] == "CN=mail.example.test"
assert m["hosts"] == ["mail.example.test", "smtp.example.test"]
assert m["not_after"].endswith("Z") and m["days_left"] > 300
for e in a:
    for k in ("alias", "sha256", "subject", "not_after", "hosts"):
        assert k in e, (k, e)
PY

# DER and PKCS#7 input
mkcert der "DER CA"
openssl x509 -in "$TS_TMP/der.pem" -outform DER -out "$TS_TMP/der.cer"
expect 0 "$T" add "$TS_TMP/der.cer"
has "$OUT" "added der-ca"
mkcert p7a "P7 One"
mkcert p7b "P7 Two"
openssl crl2pkcs7 -nocrl -certfile "$TS_TMP/p7a.pem" -certfile "$TS_TMP/p7b.pem" -out "$TS_TMP/both.p7b"
expect 0 "$T" add "$TS_TMP/both.p7b"
has "$OUT" "added p7-one"
has "$OUT" "added p7-two"

# failures change nothing
snapshot
echo "not a certificate" >"$TS_TMP/junk.pem"
expect 2 "$T" add "$TS_TMP/mail.pem" "$TS_TMP/junk.pem"
error_is "$TS_TMP/junk.pem"
unchanged "add with a bad file"
expect 2 "$T" add "$TS_TMP/nonexistent.pem"
error_is "$TS_TMP/nonexistent.pem"
unchanged "add of a missing file"
mkcert new "New CA"
expect 2 "$T" add "$TS_TMP/new.pem" --alias corp
error_is "alias 'corp' is already used"
unchanged "add with a taken alias"
expect 2 "$T" add "$TS_TMP/new.pem" --alias "Root [JDK]"
error_is "--alias: 'Root [JDK]' is not a valid alias"
expect 2 "$T" add "$TS_TMP/new.pem" --host "bad host"
error_is "--host: 'bad host' is not a host name"
unchanged "add with bad options"
expect 2 "$T" remove corp no-such-alias
error_is "no certificate with alias or SHA-256 'no-such-alias'; nothing removed"
unchanged "remove with an unknown alias"
expect 2 "$T" undistrust "$(sha ca)"
error_is "is not distrusted"
unchanged "undistrust of something not distrusted"
expect 2 "$T" distrust no-such-alias --base "$TS_TMP/nonexistent.jks"
error_is "$TS_TMP/nonexistent.jks"
unchanged "distrust with a missing base"
# a broken manifest: one line naming the file and place; nothing written
cp "$TRUSTSHIM_MANIFEST" "$TS_TMP/good.json"
sed -i 's/"version": 1,/"version": 1, "colour": "red",/' "$TRUSTSHIM_MANIFEST"
snapshot
expect 2 "$T" add "$TS_TMP/new.pem"
error_is "$TRUSTSHIM_MANIFEST"
has "$ERR" "colour"
unchanged "add to an invalid manifest"
expect 2 "$T" list
error_is "colour"
cp "$TS_TMP/good.json" "$TRUSTSHIM_MANIFEST"

# remove by alias, full fingerprint (with colons) and prefix
expect 0 "$T" remove corp-2 "$(sha der | sed 's/../&:/g; s/:$//' | tr a-f A-F)" "$(sha p7a | cut -c1-12)"
has "$OUT" "removed corp-2"
has "$OUT" "removed der-ca"
has "$OUT" "removed p7-one"
expect 0 "$T" list --json
hasnt "$OUT" "$(sha third)"
hasnt "$OUT" "$(sha der)"
has "$OUT" "$(sha p7b)"
expect 0 "$T" list
hasnt "$OUT" "corp-2"

# distrust a base CA by the base's alias and by fingerprint; undistrust restores
keytool -importcert -noprompt -alias "basecert" -file "$TS_TMP/new.pem" -keystore "$TS_TMP/base.jks" \
    -storepass changeit -storetype JKS >/dev/null 2>&1 || ts_fail "keytool could not make the base"
expect 0 "$T" distrust basecert --base "$TS_TMP/base.jks"
has "$OUT" "distrusted $(sha new)"
expect 0 "$T" list
has "$OUT" "distrusted: $(sha new)"
expect 0 "$T" list --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["distrusted"] == [sys.argv[2]], d' \
    "$TS_TMP/.out" "$(sha new)" || ts_fail "list --json: the distrusted fingerprint is missing: $OUT"
grep -q "$(sha new)" "$TRUSTSHIM_MANIFEST" || ts_fail "distrust not written"
expect 0 "$T" distrust "$(sha new)"
has "$OUT" "already distrusted"
# a full fingerprint that is not in the base (a typo?): distrusted, with a warning naming the base
zeros=0000000000000000000000000000000000000000000000000000000000000000
expect 0 "$T" distrust "$zeros" --base "$TS_TMP/base.jks"
warning_is "$zeros: not in the base trust store $TS_TMP/base.jks; distrusted anyway"
expect 0 "$T" undistrust "$zeros"
expect 0 "$T" undistrust basecert --base "$TS_TMP/base.jks"
has "$OUT" "restored $(sha new)"
# a key entry's alias: refused in one line (distrust removes trusted-certificate entries only)
keytool -genkeypair -keyalg EC -alias mykey -dname CN=mykey -validity 30 -keystore "$TS_TMP/base.jks" \
    -storepass changeit -keypass changeit -storetype JKS >/dev/null 2>&1 || ts_fail "keytool could not add a key"
snapshot
expect 2 "$T" distrust MyKey --base "$TS_TMP/base.jks"
error_is "MyKey: is a private-key entry of $TS_TMP/base.jks: distrust removes trusted-certificate entries only"
unchanged "distrust of a key entry's alias"
expect 0 "$T" list
hasnt "$OUT" "distrusted:"
# the JDK's own cacerts is the default base (an alias keytool shows)
if jh=$(ts_jdks | sed -n 1p) && [ -n "$jh" ]; then
    alias=$(JAVA_HOME=$jh "$jh/bin/keytool" -list -cacerts -storepass changeit 2>/dev/null | awk -F, '/trustedCertEntry/ && !n++ {print $1}')
    [ -n "$alias" ] || ts_fail "no alias in the JDK's cacerts"
    JAVA_HOME=$jh expect 0 "$T" distrust "$alias"
    has "$OUT" "distrusted "
    JAVA_HOME=$jh expect 0 "$T" undistrust "$alias"
    has "$OUT" "restored "
    JAVA_HOME=$jh expect 0 "$T" distrust "$zeros"
    warning_is "not in the base trust store $jh/lib/security/cacerts; distrusted anyway"
    JAVA_HOME=$jh expect 0 "$T" undistrust "$zeros"
    [ -z "$ERR" ] || ts_fail "undistrust warned: $ERR"
fi
# with no JDK to look at, a full fingerprint is distrusted without a word
expect 0 env PATH=/nonexistent "$T" distrust "$zeros"
[ -z "$ERR" ] || ts_fail "distrust with no base warned: $ERR"
expect 0 "$T" undistrust "$zeros"

# an entry whose certificate file went missing: list says where; remove still works
cp "$TS_TMP/new.pem" "$(dirname "$TRUSTSHIM_MANIFEST")/gone.pem"
python3 - "$TRUSTSHIM_MANIFEST" "$(sha new)" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["certificates"].append({"alias": "gone", "sha256": sys.argv[2], "file": "gone.pem"})
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
expect 0 "$T" list
has "$OUT" "gone"
rm "$(dirname "$TRUSTSHIM_MANIFEST")/gone.pem"
expect 2 "$T" list
error_is "$TRUSTSHIM_MANIFEST: certificates["
has "$ERR" "gone.pem"
expect 0 "$T" remove gone
has "$OUT" "removed gone"
expect 0 "$T" list

# a manifest that is a symbolic link: edited where it points, the link stays a link
mkdir -p "$TS_TMP/conf"
mv "$TRUSTSHIM_MANIFEST" "$TS_TMP/conf/manifest.json"
ln -s ../../conf/manifest.json "$TRUSTSHIM_MANIFEST"
mkcert linked "Linked CA"
expect 0 "$T" add "$TS_TMP/linked.pem"
[ -L "$TRUSTSHIM_MANIFEST" ] || ts_fail "the symbolic link was replaced by a file"
grep -q "$(sha linked)" "$TS_TMP/conf/manifest.json" || ts_fail "the link's target was not edited"
expect 0 "$T" remove linked-ca
[ -L "$TRUSTSHIM_MANIFEST" ] || ts_fail "remove replaced the symbolic link"
! grep -q "$(sha linked)" "$TS_TMP/conf/manifest.json" || ts_fail "remove did not edit the target"
rm "$TRUSTSHIM_MANIFEST"
mv "$TS_TMP/conf/manifest.json" "$TRUSTSHIM_MANIFEST"
ln -s nowhere.json "$TS_TMP/dangling.json"
expect 2 "$T" --manifest "$TS_TMP/dangling.json" add "$TS_TMP/linked.pem"
error_is "$TS_TMP/dangling.json: cannot resolve the symbolic link"

# mode and owner are kept across an edit
chmod 0640 "$TRUSTSHIM_MANIFEST"
chown 1234:2345 "$TRUSTSHIM_MANIFEST" 2>/dev/null || true
owner=$(stat -c '%u:%g' "$TRUSTSHIM_MANIFEST")
expect 0 "$T" add "$TS_TMP/new.pem"
[ "$(stat -c %a "$TRUSTSHIM_MANIFEST")" = 640 ] || ts_fail "mode not kept: $(stat -c %a "$TRUSTSHIM_MANIFEST")"
[ "$(stat -c '%u:%g' "$TRUSTSHIM_MANIFEST")" = "$owner" ] || ts_fail "owner not kept"
[ -f "$TRUSTSHIM_MANIFEST.lock" ] || ts_fail "no lock file beside the manifest"
# no temporary files left behind
left=$(find "$(dirname "$TRUSTSHIM_MANIFEST")" -name '.manifest.json.*')
[ -z "$left" ] || ts_fail "temporary files left: $left"
# the manifest stays valid for the core (and clean: 2-space indentation)
grep -q '^  "certificates": \[' "$TRUSTSHIM_MANIFEST" || ts_fail "manifest not indented as expected"
ts_log "ok"

#!/usr/bin/env bash
# trustshim check (exit 0 / 2 / 1 with --strict, the JDKs found) and verify (yes or
# no and why, against openssl s_server and a STARTTLS server).
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/cli/lib.sh"
ts_require_jdk

expect 0 "$T" init
mkcert longca "Long CA"
expect 0 "$T" add "$TS_TMP/longca.pem"

# --- check
expect 0 "$T" check
has "$OUT" "manifest $TRUSTSHIM_MANIFEST: sound (1 certificate, 0 distrusted)"
for jh in $(ts_jdks); do
    has "$OUT" "$jh "
    n=$("$jh/bin/keytool" -list -cacerts -storepass changeit 2>/dev/null | grep -c trustedCertEntry)
    line=$(grep -F "$jh " <<<"$OUT")
    # JDK  CACERTS  BASE  ADDED  DUPLICATES  DISTRUSTED  SERVED
    read -r _ _ base added dups dist served <<<"$line"
    [ "$base $added $dups $dist $served" = "$n 1 0 0 $((n + 1))" ] || ts_fail "check for $jh: $line (keytool: $n)"
done
expect 0 "$T" check --strict
# --json: the same figures for scripts, nothing else on stdout
expect 0 "$T" check --json
python3 - "$TS_TMP/.out" "$TRUSTSHIM_MANIFEST" $(for jh in $(ts_jdks); do
    printf '%s=%s ' "$jh" "$("$jh/bin/keytool" -list -cacerts -storepass changeit 2>/dev/null | grep -c trustedCertEntry)"
done) <<'PY' || ts_fail "check --json is not what was expected: $OUT"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["manifest"] == sys.argv[2] and o["certificates"] == 1 and o["distrusted"] == 0, o
assert o["warnings"] == 0, o
want = dict(a.split("=") for a in sys.argv[3:])
got = {j["java_home"]: j for j in o["jdks"]}
for jh, n in want.items():
    j = got[jh]
    n = int(n)
    assert (j["base"], j["added"], j["duplicates"], j["distrusted"], j["served"]) == (n, 1, 0, 0, n + 1), j
    assert j["cacerts"].endswith("/cacerts"), j
PY
# JAVA_HOME outside /usr/lib/jvm (JDK 8 layout) and java on PATH are listed too
jh=$(ts_jdks | sed -n 1p)
mkdir -p "$TS_TMP/jdk8/jre/lib/security" "$TS_TMP/pathjdk/bin" "$TS_TMP/pathjdk/lib/security"
cp "$(readlink -f "$jh/lib/security/cacerts")" "$TS_TMP/jdk8/jre/lib/security/cacerts"
"$jh/bin/keytool" -importcert -noprompt -alias one -file "$TS_TMP/longca.pem" -storetype JKS \
    -keystore "$TS_TMP/pathjdk/lib/security/cacerts" -storepass changeit >/dev/null 2>&1
printf '#!/bin/sh\n' >"$TS_TMP/pathjdk/bin/java"
chmod +x "$TS_TMP/pathjdk/bin/java"
JAVA_HOME=$TS_TMP/jdk8 PATH="$TS_TMP/pathjdk/bin:$PATH" expect 0 "$T" check
line=$(grep -F "$TS_TMP/jdk8 " <<<"$OUT") || ts_fail "JAVA_HOME's JDK not listed: $OUT"
n=$("$jh/bin/keytool" -list -cacerts -storepass changeit 2>/dev/null | grep -c trustedCertEntry)
read -r _ cacerts base added dups _ served <<<"$line"
[ "$cacerts $base $added $served" = "$TS_TMP/jdk8/jre/lib/security/cacerts $n 1 $((n + 1))" ] || ts_fail "JDK 8 layout: $line"
line=$(grep -F "$TS_TMP/pathjdk " <<<"$OUT") || ts_fail "the JDK of java on PATH not listed: $OUT"
read -r _ _ base added dups _ served <<<"$line"
# the manifest's certificate is in that base already: a duplicate, served once
[ "$base $added $dups $served" = "1 0 1 1" ] || ts_fail "java on PATH: $line"
# a certificate expiring within 30 days: a warning; --strict makes it exit 1
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 10 -keyout "$TS_TMP/soon.key" -out "$TS_TMP/soon.pem" \
    -subj "/CN=Soon CA" 2>/dev/null
expect 0 "$T" add "$TS_TMP/soon.pem"
expect 0 "$T" check
has "$ERR" "trustshim: warning: $TRUSTSHIM_MANIFEST: certificates[1] (soon-ca): expires in "
has "$OUT" "1 warning"
expect 1 "$T" check --strict
mkcert_dated old "Old CA" 20200101000000Z 20200201000000Z 2048 sha256 TRUE
expect 0 "$T" add "$TS_TMP/old.pem"
expect 1 "$T" check --strict
has "$ERR" "certificates[2] (old-ca): expired on 2020-02-01"
expect 0 "$T" remove soon-ca old-ca
# a target the library could not serve (its password is not the one given): a warning naming
# the reason and the fix; with the right password, none
jh1=$(ts_jdks | sed -n 1p)
"$jh1/bin/keytool" -genkeypair -keystore "$TS_TMP/app.p12" -storetype pkcs12 -storepass app-s3cret \
    -keypass app-s3cret -alias app -keyalg EC -dname CN=app >/dev/null 2>&1 || ts_fail "keytool failed"
cp "$TRUSTSHIM_MANIFEST" "$TS_TMP/before-targets.json"
python3 - "$TRUSTSHIM_MANIFEST" "$TS_TMP/app.p12" wrong-pass <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["targets"] = [{"path": sys.argv[2], "password": sys.argv[3]}]
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
expect 0 "$T" check
has "$ERR" "trustshim: warning: $TS_TMP/app.p12: not served, the JVM gets the file unchanged (integrity: PKCS12 MAC mismatch: wrong password or tampered file); set targets[0].password"
expect 1 "$T" check --strict
sed -i 's/"wrong-pass"/"app-s3cret"/' "$TRUSTSHIM_MANIFEST"
expect 0 "$T" check --strict
hasnt "$ERR" "app.p12"
cp "$TS_TMP/before-targets.json" "$TRUSTSHIM_MANIFEST"
# the same store as an Allegra <host>.ks: every existing store of the keystore directories is
# built as the library serves it (full trust, the directory's password), reported with the fix
mkdir -p "$TS_TMP/allegra/keystore"
cp "$TS_TMP/app.p12" "$TS_TMP/allegra/keystore/mail.example.test.ks"
ALLEGRA_HOME=$TS_TMP/allegra expect 0 "$T" check
has "$ERR" "trustshim: warning: $TS_TMP/allegra/keystore/mail.example.test.ks: not served, the JVM gets the file unchanged (integrity: PKCS12 MAC mismatch: wrong password or tampered file); list $TS_TMP/allegra/keystore in keystore_dirs with its password"
ALLEGRA_HOME=$TS_TMP/allegra expect 1 "$T" check --strict
# the same home given only as -DALLEGRA_HOME=... in the JVM options a setenv.sh leaves: check
# sees the store a Tomcat would be served (catalina.sh: java $JAVA_OPTS $CATALINA_OPTS ...)
allegra_warning="trustshim: warning: $TS_TMP/allegra/keystore/mail.example.test.ks: not served"
for var in JAVA_OPTS CATALINA_OPTS JAVA_TOOL_OPTIONS JDK_JAVA_OPTIONS _JAVA_OPTIONS; do
    declare -x "$var=-Xmx64m -Dother=\"a b\" -DALLEGRA_HOME=$TS_TMP/allegra"
    expect 1 "$T" check --strict
    has "$ERR" "$allegra_warning"
    has "$OUT" "keystore directory $TS_TMP/allegra/keystore (-DALLEGRA_HOME): checked"
    unset "$var"
done
# shell quoting in JAVA_OPTS, as catalina.sh's eval reads it; an @argfile on the command line
mkdir -p "$TS_TMP/my home"
cp -r "$TS_TMP/allegra/keystore" "$TS_TMP/my home/"
JAVA_OPTS="-Dx=1 '-DALLEGRA_HOME=$TS_TMP/my home'" expect 1 "$T" check --strict
has "$ERR" "trustshim: warning: $TS_TMP/my home/keystore/mail.example.test.ks: not served"
printf '%s\n' "-DALLEGRA_HOME=$TS_TMP/allegra" >"$TS_TMP/jvm.args"
CATALINA_OPTS="@$TS_TMP/jvm.args" expect 1 "$T" check --strict
has "$ERR" "$allegra_warning"
# the last one wins, as in the JVM: the command line over JAVA_TOOL_OPTIONS
JAVA_TOOL_OPTIONS="-DALLEGRA_HOME=$TS_TMP/allegra" JAVA_OPTS="-DALLEGRA_HOME=$TS_TMP/none" \
    expect 0 "$T" check --strict
hasnt "$ERR" "mail.example.test.ks"
# without them, nothing is checked there
expect 0 "$T" check --strict
hasnt "$ERR" "mail.example.test.ks"
hasnt "$OUT" "keystore directory $TS_TMP/allegra"
# or named outright, for a JVM whose environment this is not
expect 1 "$T" check --strict --allegra-home "$TS_TMP/allegra"
has "$ERR" "$allegra_warning"
has "$OUT" "keystore directory $TS_TMP/allegra/keystore (--allegra-home): checked"
expect 0 "$T" check --json --allegra-home "$TS_TMP/allegra"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))
assert {"path": sys.argv[2], "from": "--allegra-home"} in c["keystore_dirs"], c' \
    "$TS_TMP/.out" "$TS_TMP/allegra/keystore" || ts_fail "check --json keystore_dirs: $OUT"
expect 2 "$T" check --allegra-home ""
error_is "--allegra-home: an empty path"
# a keystore directory others may write to is refused by the library: check says so too
chmod 0777 "$TS_TMP/allegra/keystore"
expect 1 "$T" check --strict --allegra-home "$TS_TMP/allegra"
has "$ERR" "trustshim: warning: --allegra-home: keystore directory refused, nothing in it is served (as the library does): "
has "$OUT" "keystore directory $TS_TMP/allegra/keystore (--allegra-home): refused (unsafe)"
hasnt "$ERR" "$allegra_warning"
chmod 0755 "$TS_TMP/allegra/keystore"
python3 - "$TRUSTSHIM_MANIFEST" "$TS_TMP/allegra/keystore" wrong-pass <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["keystore_dirs"] = [{"path": sys.argv[2], "password": sys.argv[3]}]
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
ALLEGRA_HOME=$TS_TMP/allegra expect 1 "$T" check --strict
has "$ERR" "mail.example.test.ks: not served, the JVM gets the file unchanged (integrity: PKCS12 MAC mismatch: wrong password or tampered file); set keystore_dirs[0].password"
[ "$(printf '%s\n' "$ERR" | grep -c 'mail.example.test.ks')" = 1 ] || ts_fail "the store reported more than once: $ERR"
sed -i 's/"wrong-pass"/"app-s3cret"/' "$TRUSTSHIM_MANIFEST"
ALLEGRA_HOME=$TS_TMP/allegra expect 0 "$T" check --strict
hasnt "$ERR" "mail.example.test.ks"
cp "$TS_TMP/before-targets.json" "$TRUSTSHIM_MANIFEST"
# errors: exit 2, one line with file and place
cp "$TRUSTSHIM_MANIFEST" "$TS_TMP/good.json"
sed -i "s/\"sha256\": \"$(sha longca)\"/\"sha256\": \"$(sha soon)\"/" "$TRUSTSHIM_MANIFEST"
expect 2 "$T" check
error_is "$TRUSTSHIM_MANIFEST: certificates[0].sha256: does not match the certificate"
cp "$TS_TMP/good.json" "$TRUSTSHIM_MANIFEST"
echo '{"version": 1, "certificates": [' >"$TS_TMP/broken.json"
expect 2 "$T" --manifest "$TS_TMP/broken.json" check
error_is "$TS_TMP/broken.json"
chmod 0666 "$TRUSTSHIM_MANIFEST"
expect 2 "$T" check
error_is "writable by group or others"
chmod 0644 "$TRUSTSHIM_MANIFEST"
chmod 0777 "$(dirname "$TRUSTSHIM_MANIFEST")"
expect 2 "$T" check
error_is "$(dirname "$TRUSTSHIM_MANIFEST"): writable by group or others"
chmod 0755 "$(dirname "$TRUSTSHIM_MANIFEST")"
expect 0 "$T" check

# --- verify
ts_selfsigned "$TS_TMP" srv localhost
port=$(ts_free_port)
ts_s_server "$TS_TMP/srv.pem" "$TS_TMP/srv.key" "$port"
url="https://localhost:$port"
expect 1 "$T" verify "$url"
has "$OUT" "no: $url is not trusted: self-signed certificate"
expect 0 "$T" add "$TS_TMP/srv.pem" --alias srv --host localhost
expect 0 "$T" verify "$url"
has "$OUT" "yes: $url is trusted (anchor: srv; host name localhost matches)"
expect 0 "$T" verify "https://127.0.0.1:$port"
# the host name is checked as PKIX does
mkcert other "other.example.test" -addext "subjectAltName=DNS:other.example.test"
port2=$(ts_free_port)
ts_s_server "$TS_TMP/other.pem" "$TS_TMP/other.key" "$port2"
expect 0 "$T" add "$TS_TMP/other.pem" --alias other
expect 1 "$T" verify "https://localhost:$port2"
has "$OUT" "no: https://localhost:$port2 is not trusted: host name localhost (https rules): no DNS subject alternative name matches localhost"
# --servername: the name sent and checked; --connect: where to connect
expect 0 "$T" verify "https://other.example.test" --connect "127.0.0.1:$port2"
has "$OUT" "yes: https://other.example.test is trusted (anchor: other; host name other.example.test matches)"
expect 0 "$T" verify "https://localhost:$port2" --servername other.example.test
has "$OUT" "host name other.example.test matches"
expect 0 "$T" verify "https://localhost:$port2" --identity none
has "$OUT" "host name not checked"
expect 2 "$T" verify "https://localhost:$port2" --identity browser
error_is "--identity: 'browser' is not one of https, ldap, mail, none"
expect 2 "$T" verify "https://localhost:$port2" --jdk "$TS_TMP"
error_is "not a JDK"
# an expired certificate that is itself in the trust store: Java's PKIX trusts it without looking
# at its dates (checked by hand with both JDKs under exec), and so does verify, saying so
mkcert_dated expired localhost 20200101000000Z 20200201000000Z 2048 sha256 FALSE
port4=$(ts_free_port)
ts_s_server "$TS_TMP/expired.pem" "$TS_TMP/expired.key" "$port4"
expect 0 "$T" add "$TS_TMP/expired.pem" --alias expired
expect 0 "$T" verify "https://localhost:$port4"
has "$OUT" "yes: https://localhost:$port4 is trusted (anchor: expired; host name localhost matches); the anchor is out of date, which Java does not check"
expect 0 "$T" remove expired
# a CA in the manifest makes the servers it signed trusted; distrusting it undoes that
mkcert root "Verify Root" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
openssl req -new -newkey rsa:2048 -nodes -keyout "$TS_TMP/leaf.key" -out "$TS_TMP/leaf.csr" -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost\n' >"$TS_TMP/leaf.ext"
openssl x509 -req -in "$TS_TMP/leaf.csr" -CA "$TS_TMP/root.pem" -CAkey "$TS_TMP/root.key" -CAcreateserial \
    -days 30 -sha256 -extfile "$TS_TMP/leaf.ext" -out "$TS_TMP/leaf.pem" 2>/dev/null
port3=$(ts_free_port)
ts_s_server "$TS_TMP/leaf.pem" "$TS_TMP/leaf.key" "$port3"
expect 1 "$T" verify "localhost:$port3"
has "$OUT" "unable to get local issuer certificate"
expect 0 "$T" add "$TS_TMP/root.pem"
expect 0 "$T" verify "localhost:$port3"
has "$OUT" "anchor: verify-root"
hasnt "$OUT" "out of date"
# an expired server certificate issued by a trusted CA: no (the dates of all but the anchor count)
d="$TS_TMP/.ca-root"
mkdir -p "$d"
: >"$d/index.txt"
echo 01 >"$d/serial"
printf '[ca]\ndefault_ca = d\n[d]\ndatabase = %s/index.txt\nnew_certs_dir = %s\nserial = %s/serial\npolicy = p\nunique_subject = no\n[p]\ncommonName = supplied\n[ext]\nsubjectAltName = DNS:localhost\n' \
    "$d" "$d" "$d" >"$d/ca.cnf"
openssl ca -batch -config "$d/ca.cnf" -cert "$TS_TMP/root.pem" -keyfile "$TS_TMP/root.key" -in "$TS_TMP/leaf.csr" \
    -out "$TS_TMP/oldleaf.pem" -startdate 20200101000000Z -enddate 20200201000000Z -md sha256 -extensions ext \
    -notext >/dev/null 2>&1 || ts_fail "openssl ca: oldleaf"
port5=$(ts_free_port)
ts_s_server "$TS_TMP/oldleaf.pem" "$TS_TMP/leaf.key" "$port5"
expect 1 "$T" verify "https://localhost:$port5"
has "$OUT" "no: https://localhost:$port5 is not trusted: certificate has expired (certificate 0, /CN=localhost)"
# a current server certificate from an expired trusted CA: yes, as both JDKs answer (checked by hand)
mkcert_dated oldroot "Old Root" 20200101000000Z 20200201000000Z 2048 sha256 TRUE
openssl ca -batch -config "$d/ca.cnf" -cert "$TS_TMP/oldroot.pem" -keyfile "$TS_TMP/oldroot.key" -in "$TS_TMP/leaf.csr" \
    -out "$TS_TMP/newleaf.pem" -days 30 -md sha256 -extensions ext -notext >/dev/null 2>&1 || ts_fail "openssl ca: newleaf"
port6=$(ts_free_port)
ts_s_server "$TS_TMP/newleaf.pem" "$TS_TMP/leaf.key" "$port6"
expect 0 "$T" add "$TS_TMP/oldroot.pem"
expect 0 "$T" verify "https://localhost:$port6"
has "$OUT" "(anchor: old-root; host name localhost matches); the anchor is out of date, which Java does not check"
expect 0 "$T" remove old-root
expect 0 "$T" distrust "$(sha root)"
expect 1 "$T" verify "localhost:$port3"
has "$OUT" "no: "
# the trust includes the JDK's base: summary line
has "$OUT" "trust: "
# over STARTTLS
P=$(ts_free_port); py_server smtp "$P" ok srv
expect 0 "$T" verify "smtp://localhost:$P"
has "$OUT" "yes: "
# --timeout bounds the whole command, the second look (with everything offered) included
P=$(ts_free_port); py_server smtp "$P" silent
start=$SECONDS
expect 3 "$T" verify "smtp://localhost:$P" --timeout 1
error_is "could not connect: timed out after 1 s waiting for the SMTP greeting"
((SECONDS - start <= 2)) || ts_fail "verify --timeout 1 took $((SECONDS - start)) s"
# a connection failure is an error line, exit 3: not a verdict
P=$(ts_free_port)
expect 3 "$T" verify "https://127.0.0.1:$P"
error_is "could not connect: cannot connect"
expect 2 "$T" verify
error_is "no URL given"

# trustshim under the library (setenv.sh exports LD_PRELOAD, and env --strict's check line runs
# there): never served, so check counts what the JRE's files hold, not the merged stores
plain=$("$T" check 2>/dev/null)
preloaded=$(ts_with_preload "$T" check 2>/dev/null)
[ -n "$plain" ] && [ "$plain" = "$preloaded" ] ||
    ts_fail "check under the library differs: $(diff <(echo "$plain") <(echo "$preloaded"))"
ts_log "ok"

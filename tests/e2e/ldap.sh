#!/usr/bin/env bash
# LDAP: Java JNDI over ldaps:// and over ldap:// + StartTLS against Debian's
# slapd, started here on loopback from a private slapd.conf (mdb backend, one
# entry loaded with slapadd) with a self-signed certificate.  The certificate is
# obtained with `trustshim fetch ldap://127.0.0.1:PORT --add --trust-on-first-use`
# (a StartTLS fetch); the JNDI client fails with the PKIX error without
# trustshim and finds the entry both ways under `trustshim exec`.  Every JDK.
. "${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/e2e/e2e.sh"

SLAPD=/usr/sbin/slapd
SLAPADD=/usr/sbin/slapadd
if [ ! -x "$SLAPD" ] || [ ! -x "$SLAPADD" ] || [ ! -f /usr/lib/ldap/back_mdb.so ]; then
    ts_skip "slapd is not installed (apt-get install slapd; see .ci/install-deps)"
fi
ts_require_jdk
ts_require_cmd openssl
e2e_require_build
ts_tmpdir
e2e_private_build

export TRUSTSHIM_MANIFEST="$TS_TMP/trust/manifest.json"
"$TS_CLI" init >/dev/null

# slapd: a private configuration, database and certificate.
d="$TS_TMP/slapd"
mkdir -p "$d/db"
ts_selfsigned "$d" server ldap.example.test
cat >"$d/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $d/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile $d/server.pem
TLSCertificateKeyFile $d/server.key
database mdb
maxsize 10485760
suffix "dc=example,dc=test"
rootdn "cn=admin,dc=example,dc=test"
rootpw secret
directory $d/db
access to * by * read
CONF
cat >"$d/data.ldif" <<LDIF
dn: dc=example,dc=test
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: uid=mail.user,dc=example,dc=test
objectClass: inetOrgPerson
uid: mail.user
cn: Mail User
sn: User
mail: mail.user@example.test
LDIF
"$SLAPADD" -q -f "$d/slapd.conf" -l "$d/data.ldif" || ts_fail "slapadd failed"
# At exit: stop slapd and wait until it is gone (it still writes its database while stopping,
# which would race the removal of the directory), for at most 20 s.
stop_slapd() {
    local pid i
    pid=$(cat "$d/slapd.pid" 2>/dev/null) || return 0
    kill "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 200; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
}
ts_on_exit stop_slapd
# Two distinct free ports.  A port found free can be taken by another program before slapd
# binds it (slapd then exits with an error, having listened on nothing): try again with others.
started=0
for attempt in 1 2 3 4 5; do
    ldap_port=$(ts_free_port)
    ldaps_port=$(ts_free_port)
    [ "$ldap_port" != "$ldaps_port" ] || continue
    if "$SLAPD" -f "$d/slapd.conf" -h "ldap://127.0.0.1:$ldap_port/ ldaps://127.0.0.1:$ldaps_port/" \
        2>"$d/slapd.err"; then
        started=1
        break
    fi
    ts_log "slapd did not start on ports $ldap_port and $ldaps_port (attempt $attempt): $(tail -1 "$d/slapd.err")"
done
[ "$started" = 1 ] || ts_fail "slapd did not start: $(cat "$d/slapd.err" 2>/dev/null)"
ts_wait_port "$ldap_port" 60
ts_wait_port "$ldaps_port" 60

# The administrator's one step: fetch with the StartTLS extended operation, pin, add.
out=$("$TS_CLI" fetch "ldap://127.0.0.1:$ldap_port" --add --trust-on-first-use 2>&1) ||
    { printf '%s\n' "$out" >&2; ts_fail "trustshim fetch ldap:// --add failed"; }
"$TS_CLI" list --json | grep -q "$(ts_sha256_of_pem "$d/server.pem")" ||
    ts_fail "slapd's certificate is not in the manifest"

probe_args=("dc=example,dc=test" "(uid=mail.user)" mail
    ldaps "ldaps://127.0.0.1:$ldaps_port" starttls "ldap://127.0.0.1:$ldap_port")
while read -r jdk; do
    major=$(e2e_jdk_major "$jdk")
    classes="$TS_TMP/classes-$major"
    ts_javac "$jdk" "$classes" "$E2E_DIR/java/LdapProbe.java"

    out=$("$jdk/bin/java" -cp "$classes" LdapProbe "${probe_args[@]}" 2>&1) &&
        { printf '%s\n' "$out" >&2; ts_fail "Java $major: JNDI trusted slapd without trustshim"; }
    [ "$(printf '%s\n' "$out" | grep -c 'PKIX path building failed')" -ge 2 ] ||
        { printf '%s\n' "$out" >&2; ts_fail "Java $major: expected the PKIX error on ldaps and StartTLS"; }

    out=$(e2e_exec "$jdk/bin/java" -cp "$classes" LdapProbe "${probe_args[@]}" 2>&1) ||
        { printf '%s\n' "$out" >&2; ts_fail "Java $major: JNDI under trustshim exec failed"; }
    grep -qx 'OK ldaps mail.user@example.test' <<<"$out" || ts_fail "Java $major: ldaps lookup: $out"
    grep -qx 'OK starttls mail.user@example.test' <<<"$out" || ts_fail "Java $major: StartTLS lookup: $out"
    ts_log "Java $major: PKIX error without trustshim; ldaps:// and StartTLS OK under trustshim exec"
done <<<"$(ts_jdks)"

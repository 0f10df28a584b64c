# shellcheck shell=bash
# ts_slapd DIR PORT [TLSPORT CERT KEY]: starts Debian's slapd on 127.0.0.1 with a
# private minimal configuration in DIR (ldap://127.0.0.1:PORT/, and with a
# certificate also StartTLS and ldaps://127.0.0.1:TLSPORT/); stopped at exit.
# Needs tests/lib/common.sh.  Skips the test when slapd is not installed.
ts_slapd() {
    local dir=$1 port=$2 tlsport=${3:-} cert=${4:-} key=${5:-} urls
    local slapd=/usr/sbin/slapd
    [ -x "$slapd" ] || ts_skip "slapd is not installed (apt-get install slapd)"
    mkdir -p "$dir/db"
    {
        echo "include /etc/ldap/schema/core.schema"
        echo "pidfile $dir/slapd.pid"
        echo "argsfile $dir/slapd.args"
        echo "modulepath /usr/lib/ldap"
        echo "moduleload back_mdb"
        if [ -n "$cert" ]; then
            echo "TLSCertificateFile $cert"
            echo "TLSCertificateKeyFile $key"
        fi
        echo "database mdb"
        echo "maxsize 10485760"
        echo "suffix \"dc=example,dc=test\""
        echo "rootdn \"cn=admin,dc=example,dc=test\""
        echo "rootpw secret"
        echo "directory $dir/db"
    } >"$dir/slapd.conf"
    urls="ldap://127.0.0.1:$port/"
    [ -n "$tlsport" ] && urls="$urls ldaps://127.0.0.1:$tlsport/"
    # -d 0: stay in the foreground, so that the pid is ours to stop
    "$slapd" -f "$dir/slapd.conf" -h "$urls" -d 0 >"$dir/slapd.log" 2>&1 &
    local pid=$!
    ts_on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
    ts_wait_port "$port"
}

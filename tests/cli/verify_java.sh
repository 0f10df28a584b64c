#!/usr/bin/env bash
# trustshim verify answers as the JVM does: for every JDK found, each case (a server, the
# name the client asks for, whose host-name rules) is put to a real Java client under
# `trustshim exec` (tests/cli/java/TrustProbe.java: SSLSocket with HTTPS or LDAPS endpoint
# identification, Jakarta Mail's SocketFetcher with checkserveridentity) and to
# `trustshim verify --jdk`; the verdicts must be equal.  Among the servers: one that
# speaks only TLS 1.0, and certificates whose names do not fit.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/cli/lib.sh"
ts_require_jdk
ts_require_cmd openssl
mailjar=/usr/share/java/jakarta-mail.jar
[ -r "$mailjar" ] || ts_skip "no Jakarta Mail at $mailjar (Debian: libjakarta-mail-java)"

X=()
if [ "$TS_SANITIZE" = 1 ]; then
    X=(env "LD_PRELOAD=$TS_ASAN_RUNTIME" "ASAN_OPTIONS=handle_segv=0:detect_leaks=0:allow_user_segv_handler=1:verify_asan_link_order=0")
fi

expect 0 "$T" init
# servers: name -> certificate subject and alternative names
declare -A ports
serve() {
    local name=$1 subj=$2 san=$3
    shift 3
    local args=(-x509 -newkey rsa:2048 -nodes -sha256 -days 30 -keyout "$TS_TMP/$name.key"
        -out "$TS_TMP/$name.pem" -subj "$subj")
    [ -n "$san" ] && args+=(-addext "subjectAltName=$san")
    openssl req "${args[@]}" 2>/dev/null || ts_fail "openssl req: $name"
    expect 0 "$T" add "$TS_TMP/$name.pem" --alias "$name"
    ports[$name]=$(ts_free_port)
    ts_s_server "$TS_TMP/$name.pem" "$TS_TMP/$name.key" "${ports[$name]}" "$@"
}
serve dns "/CN=cn.example.test" "DNS:www.example.test,DNS:*.wild.example.test"
serve ip "/CN=localhost" "DNS:localhost,IP:127.0.0.1"
serve cn "/CN=localhost" ""
serve ipcn "/CN=127.0.0.1" ""
serve partial "/CN=partial.example.test" "DNS:a.*.example.test,DNS:f*.example.test,DNS:*.wild.example.test"
serve mailwild "/CN=x" "DNS:*.example.test"
# only TLS 1.0 (with a certificate that is trusted and names localhost)
serve tls10 "/CN=localhost" "DNS:localhost,IP:127.0.0.1" -tls1 -cipher 'ALL:@SECLEVEL=0'
# a 1000-bit RSA key under a CA of the manifest (refused by jdk.certpath.disabledAlgorithms:
# RSA keySize < 1024; the same key in a certificate that is itself trusted is taken as it is)
mkcert smallca "Small CA" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
expect 0 "$T" add "$TS_TMP/smallca.pem"
openssl req -new -newkey rsa:1000 -nodes -keyout "$TS_TMP/small.key" -out "$TS_TMP/small.csr" \
    -subj "/CN=localhost" 2>/dev/null || ts_fail "openssl req: small"
printf 'subjectAltName=DNS:localhost\n' >"$TS_TMP/small.ext"
openssl x509 -req -in "$TS_TMP/small.csr" -CA "$TS_TMP/smallca.pem" -CAkey "$TS_TMP/smallca.key" \
    -CAcreateserial -days 30 -sha256 -extfile "$TS_TMP/small.ext" -out "$TS_TMP/small.pem" 2>/dev/null ||
    ts_fail "openssl x509: small"
ports[small]=$(ts_free_port)
ts_s_server "$TS_TMP/small.pem" "$TS_TMP/small.key" "${ports[small]}" -cipher 'ALL:@SECLEVEL=0'
ports[smallself]=$(ts_free_port)
openssl req -x509 -key "$TS_TMP/small.key" -sha256 -days 30 -out "$TS_TMP/smallself.pem" \
    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" 2>/dev/null || ts_fail "openssl req: smallself"
expect 0 "$T" add "$TS_TMP/smallself.pem" --alias smallself
ts_s_server "$TS_TMP/smallself.pem" "$TS_TMP/small.key" "${ports[smallself]}" -cipher 'ALL:@SECLEVEL=0'

# the issue's case: STARTTLS on smtp://127.0.0.1, a certificate with IP:127.0.0.1 (Jakarta Mail
# reads DNS names only)
P_SMTP=$(ts_free_port)
py_server smtp "$P_SMTP" ok ip

cases=()
add_cases() {
    local srv=$1 n m
    shift
    for n in "$@"; do
        for m in https ldap mail; do
            cases+=("${ports[$srv]} $n $m")
        done
    done
}
add_cases dns www.example.test WWW.Example.TEST cn.example.test x.wild.example.test a.b.wild.example.test wild.example.test 127.0.0.1
add_cases ip localhost 127.0.0.1 other.example.test
add_cases cn localhost 127.0.0.1
add_cases ipcn 127.0.0.1
add_cases partial a.b.example.test fo.example.test f.example.test x.wild.example.test partial.example.test
add_cases mailwild a.b.example.test a.example.test
add_cases tls10 localhost
add_cases small localhost
add_cases smallself localhost
printf '%s\n' "${cases[@]}" >"$TS_TMP/cases"

scheme() { case $1 in https) echo https ;; ldap) echo ldaps ;; mail) echo smtps ;; esac; }
for jh in $(ts_jdks); do
    ts_log "JDK $jh: ${#cases[@]} cases"
    classes="$TS_TMP/classes-$(basename "$jh")"
    "$jh/bin/javac" -nowarn -cp "$mailjar" -d "$classes" "$TS_SOURCE_DIR/tests/cli/java/TrustProbe.java" ||
        ts_fail "javac TrustProbe"
    "${X[@]}" "$T" exec -- "$jh/bin/java" -cp "$classes:$mailjar" TrustProbe <"$TS_TMP/cases" >"$TS_TMP/java.out" 2>"$TS_TMP/java.err" ||
        ts_fail "TrustProbe: $(cat "$TS_TMP/java.err")"
    mapfile -t java <"$TS_TMP/java.out"
    [ "${#java[@]}" = "${#cases[@]}" ] || ts_fail "TrustProbe answered ${#java[@]} of ${#cases[@]} cases: $(cat "$TS_TMP/java.err")"
    yes=0
    no=0
    for i in "${!cases[@]}"; do
        read -r port name mode <<<"${cases[$i]}"
        url="$(scheme "$mode")://$name:$port"
        set +e
        "$T" verify "$url" --jdk "$jh" --connect "127.0.0.1:$port" --identity "$mode" >"$TS_TMP/v.out" 2>&1
        rc=$?
        set -e
        case "${java[$i]}" in
            OK) want=0 yes=$((yes + 1)) ;;
            FAIL*) want=1 no=$((no + 1)) ;;
            *) ts_fail "TrustProbe: ${java[$i]}" ;;
        esac
        [ "$rc" = "$want" ] || ts_fail "$jh, $name on the '$mode' rules (port $port): Java says '${java[$i]}', verify exits $rc:
$(cat "$TS_TMP/v.out")"
        # a no names the rule that fails
        if [ "$want" = 1 ]; then
            grep -q "^no: $url is not trusted: " "$TS_TMP/v.out" || ts_fail "verify's no: $(cat "$TS_TMP/v.out")"
        fi
    done
    # the cases are not all one way
    ((yes > 10 && no > 10)) || ts_fail "$jh: $yes yes and $no no: the cases do not test both ways"
    ts_log "JDK $jh: $yes trusted, $no not trusted, as Java"
    # the reasons, for the cases the issue named
    expect 1 "$T" verify "https://localhost:${ports[tls10]}" --jdk "$jh"
    has "$OUT" "the server speaks TLSv1 at best, which this JDK disables (\"TLSv1\" in jdk.tls.disabledAlgorithms); Java fails the handshake with protocol_version"
    expect 1 "$T" verify "smtp://127.0.0.1:$P_SMTP" --jdk "$jh"
    has "$OUT" "host name 127.0.0.1 (mail rules): no DNS name of the certificate matches 127.0.0.1"
    expect 1 "$T" verify "https://127.0.0.1:${ports[cn]}" --jdk "$jh"
    has "$OUT" "127.0.0.1 is an IP address and the certificate has no IP subject alternative name"
    expect 1 "$T" verify "https://localhost:${ports[small]}" --jdk "$jh"
    has "$OUT" "is disabled by \"RSA keySize < 1024\" in jdk.certpath.disabledAlgorithms"
done

# java.security as the JVM reads it: a -Djava.security.properties file that enables TLS 1.0
# again makes the TLS 1.0 server acceptable, to verify and to Java alike
jh=$(ts_jdks | sed -n 1p)
printf 'jdk.tls.disabledAlgorithms=SSLv3, \\\n    RC4, DES\n' >"$TS_TMP/tls10.security"
expect 0 "$T" verify "https://localhost:${ports[tls10]}" --jdk "$jh" --security-properties "$TS_TMP/tls10.security"
has "$OUT" "tls: TLSv1, "
JAVA_TOOL_OPTIONS="-Djava.security.properties=$TS_TMP/tls10.security" expect 0 "$T" verify "https://localhost:${ports[tls10]}" --jdk "$jh"
printf '%s https https\n' "${ports[tls10]}" | sed 's/ https / localhost /' >"$TS_TMP/case1"
"${X[@]}" "$T" exec -- "$jh/bin/java" "-Djava.security.properties=$TS_TMP/tls10.security" -cp "$TS_TMP/classes-$(basename "$jh"):$mailjar" TrustProbe \
    <"$TS_TMP/case1" >"$TS_TMP/java1.out" 2>/dev/null
[ "$(cat "$TS_TMP/java1.out")" = OK ] || ts_fail "Java with TLS 1.0 enabled: $(cat "$TS_TMP/java1.out")"
# an include directive, relative to the including file
mkdir -p "$TS_TMP/inc"
printf 'include more.security\n' >"$TS_TMP/inc/main.security"
printf 'jdk.tls.disabledAlgorithms=SSLv3\n' >"$TS_TMP/inc/more.security"
expect 0 "$T" verify "https://localhost:${ports[tls10]}" --jdk "$jh" --security-properties "$TS_TMP/inc/main.security"
printf 'include missing.security\n' >"$TS_TMP/inc/bad.security"
expect 2 "$T" verify "https://localhost:${ports[tls10]}" --jdk "$jh" --security-properties "$TS_TMP/inc/bad.security"
error_is "$TS_TMP/inc/missing.security"
# could not connect: exit 3, not a verdict
P=$(ts_free_port)
expect 3 "$T" verify "https://127.0.0.1:$P"
error_is "could not connect: cannot connect: Connection refused"
ts_log "ok"

#!/usr/bin/env bash
# Tomcat 10 (Debian's tomcat10) from a private CATALINA_BASE, with bin/setenv.sh
# written by `trustshim env --format sh`.  A servlet compiled here opens TLS
# connections to two openssl s_servers with self-signed certificates: the one
# whose certificate was added with `trustshim fetch --add` answers OK, the other
# fails with the PKIX error.  Tomcat is stopped and no process is left behind.
# One Tomcat start per JDK (11 or later).
. "${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/e2e/e2e.sh"

CATALINA_HOME=/usr/share/tomcat10
SERVLET_API=/usr/share/java/tomcat10-servlet-api.jar
if [ ! -x "$CATALINA_HOME/bin/catalina.sh" ] || [ ! -f "$SERVLET_API" ]; then
    ts_skip "Tomcat 10 is not installed (apt-get install tomcat10; see .ci/install-deps)"
fi
ts_require_jdk
ts_require_cmd openssl curl
e2e_require_build
ts_tmpdir

export TRUSTSHIM_MANIFEST="$TS_TMP/trust/manifest.json"
"$TS_CLI" init >/dev/null

# Two TLS servers: "trusted" gets a manifest entry, "stranger" does not.
ts_selfsigned "$TS_TMP" trusted trusted.test
ts_selfsigned "$TS_TMP" stranger stranger.test
port_trusted=$(ts_free_port)
ts_s_server "$TS_TMP/trusted.pem" "$TS_TMP/trusted.key" "$port_trusted"
port_stranger=$(ts_free_port)
ts_s_server "$TS_TMP/stranger.pem" "$TS_TMP/stranger.key" "$port_stranger"

out=$("$TS_CLI" fetch "https://127.0.0.1:$port_trusted" --add --trust-on-first-use 2>&1) ||
    { printf '%s\n' "$out" >&2; ts_fail "trustshim fetch --add failed"; }
"$TS_CLI" list --json | grep -q "$(ts_sha256_of_pem "$TS_TMP/trusted.pem")" ||
    ts_fail "the fetched certificate is not in the manifest"

# bin/setenv.sh, exactly as a user makes it.
setenv=$("$TS_CLI" env --format sh) || ts_fail "trustshim env --format sh failed"
grep -qF "$(readlink -f "$TS_LIB")" <<<"$setenv" || ts_fail "setenv lines lack the library: $setenv"
grep -q "$TRUSTSHIM_MANIFEST" <<<"$setenv" || ts_fail "setenv lines lack the manifest: $setenv"

# The probe webapp, compiled once, by the first JDK that runs Tomcat (for Java 11: runs on all).
webapp="$TS_TMP/webapp"
mkdir -p "$webapp/WEB-INF/classes"
cat >"$webapp/WEB-INF/web.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="5.0" metadata-complete="true">
  <servlet><servlet-name>tls</servlet-name><servlet-class>TlsProbeServlet</servlet-class></servlet>
  <servlet-mapping><servlet-name>tls</servlet-name><url-pattern>/tls</url-pattern></servlet-mapping>
</web-app>
XML

# make_base DIR HTTP_PORT SHUTDOWN_PORT: a private CATALINA_BASE.
make_base() {
    local base=$1
    mkdir -p "$base"/{bin,conf,logs,temp,work,webapps}
    cp "$CATALINA_HOME"/etc/{web.xml,catalina.properties,logging.properties,context.xml} "$base/conf/"
    cat >"$base/conf/server.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<Server port="$3" address="127.0.0.1" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <Connector port="$2" address="127.0.0.1" protocol="HTTP/1.1" connectionTimeout="20000"/>
    <Engine name="Catalina" defaultHost="localhost">
      <Host name="localhost" appBase="webapps" unpackWARs="false" autoDeploy="false"/>
    </Engine>
  </Service>
</Server>
XML
    cp -r "$webapp" "$base/webapps/probe"
    printf '%s\n' "$setenv" >"$base/bin/setenv.sh"
    if [ "$TS_SANITIZE" = 1 ]; then
        # Test-only: the ASan-built library needs libasan first and ASan options for the JVM.
        # shellcheck disable=SC2016 # $LD_PRELOAD is for setenv.sh to expand
        printf 'export LD_PRELOAD="%s:$LD_PRELOAD"\nexport ASAN_OPTIONS="%s"\n' \
            "$TS_ASAN_RUNTIME" "$E2E_ASAN_OPTIONS" >>"$base/bin/setenv.sh"
    fi
}

# Runs catalina.sh for the base $1 with the JDK $2: catalina.sh ARGS...
catalina() {
    local base=$1 jdk=$2
    shift 2
    # TRUSTSHIM_LOG=info: the library reports each keystore it serves in catalina.out.
    env -u LD_PRELOAD -u TRUSTSHIM_MANIFEST TRUSTSHIM_LOG=info JAVA_HOME="$jdk" CATALINA_HOME="$CATALINA_HOME" \
        CATALINA_BASE="$base" CATALINA_PID="$base/tomcat.pid" CATALINA_TMPDIR="$base/temp" \
        "$CATALINA_HOME/bin/catalina.sh" "$@"
}

# no_process_left BASE PID: fails if Tomcat's PID or any process of BASE still runs.
no_process_left() {
    local base=$1 pid=$2 left
    if kill -0 "$pid" 2>/dev/null; then
        ts_fail "Tomcat (pid $pid) still runs after catalina.sh stop"
    fi
    left=$(pgrep -f -- "-Dcatalina.base=$base " || true)
    [ -z "$left" ] || ts_fail "processes left behind from $base: $left"
}

tested=0
while read -r jdk; do
    major=$(e2e_jdk_major "$jdk")
    if [ "${major:-0}" -lt 11 ]; then
        ts_log "$jdk: Java $major is too old for Tomcat 10, not tested with it"
        continue
    fi
    if [ ! -f "$webapp/WEB-INF/classes/TlsProbeServlet.class" ]; then
        "$jdk/bin/javac" -nowarn --release 11 -cp "$SERVLET_API" -d "$webapp/WEB-INF/classes" \
            "$E2E_DIR/java/TlsProbeServlet.java"
    fi
    base="$TS_TMP/base-$major"
    http=$(ts_free_port)
    shutdown=$(ts_free_port)
    make_base "$base" "$http" "$shutdown"
    ts_log "$jdk: starting Tomcat on 127.0.0.1:$http"
    e2e_show_on_failure "$base/logs/catalina.out"
    ts_on_exit "[ ! -f '$base/tomcat.pid' ] || catalina '$base' '$jdk' stop 5 -force >/dev/null 2>&1"
    catalina "$base" "$jdk" start >/dev/null || ts_fail "catalina.sh start failed"
    ready=0
    for ((i = 0; i < 300; i++)); do
        if curl -fs -o /dev/null "http://127.0.0.1:$http/probe/tls" 2>/dev/null; then
            ready=1
            break
        fi
        sleep 0.1
    done
    [ "$ready" = 1 ] || { tail -30 "$base/logs/catalina.out" >&2; ts_fail "Tomcat did not serve /probe after 30 s"; }
    grep -q "libtrustshim" "/proc/$(cat "$base/tomcat.pid")/maps" ||
        ts_fail "the Tomcat JVM does not have libtrustshim.so loaded"

    ok=$(curl -fsS "http://127.0.0.1:$http/probe/tls?url=https://127.0.0.1:$port_trusted/")
    e2e_expect_ok "$ok" "Java $major, Tomcat webapp to the server in the manifest"
    bad=$(curl -fsS "http://127.0.0.1:$http/probe/tls?url=https://127.0.0.1:$port_stranger/")
    e2e_expect_pkix "$bad" "Java $major, Tomcat webapp to the server not in the manifest"

    pid=$(cat "$base/tomcat.pid")
    catalina "$base" "$jdk" stop 20 -force >/dev/null 2>&1 || ts_fail "catalina.sh stop failed"
    [ ! -f "$base/tomcat.pid" ] || ts_fail "catalina.sh stop left its pid file"
    no_process_left "$base" "$pid"
    # catalina.out is a file, which nothing else dates: the library's lines carry the time
    grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z trustshim\[[0-9]+\]: info: served .*/cacerts \([0-9]+ entries, 1 from the manifest, 0 distrusted\)" \
        "$base/logs/catalina.out" || ts_fail "catalina.out does not show the library serving cacerts with the entry, dated"
    if grep -q "trustshim.*error" "$base/logs/catalina.out"; then
        grep "trustshim" "$base/logs/catalina.out" >&2
        ts_fail "the library logged an error in catalina.out"
    fi
    ts_log "Java $major: OK with the manifest entry, PKIX error without; Tomcat stopped"
    tested=$((tested + 1))
done <<<"$(ts_jdks)"
[ "$tested" -gt 0 ] || ts_skip "no JDK 11 or later for Tomcat 10"

# TRUSTSHIM_STRICT=1 and a broken manifest stop Tomcat at start, as docs/tomcat.md says: the
# setenv.sh lines of `env --strict` stop catalina.sh with check's error before java runs; and a
# JVM started under strict mode anyway (no check line) stops before Tomcat's code, exit status 1.
jdk=$(ts_jdks | sed -n 1p)
cp "$TRUSTSHIM_MANIFEST" "$TS_TMP/manifest.good"
setenv_strict=$("$TS_CLI" env --strict --format sh) || ts_fail "trustshim env --strict failed"
printf '{"version": 1, "certificates": [\n' >"$TRUSTSHIM_MANIFEST"
base="$TS_TMP/base-strict"
make_base "$base" "$(ts_free_port)" "$(ts_free_port)"
printf '%s\n' "$setenv_strict" >"$base/bin/setenv.sh"
if [ "$TS_SANITIZE" = 1 ]; then
    # Test-only, as make_base does, but before the check line: libasan first in every process.
    sed -i "/^export TRUSTSHIM_MANIFEST=/a export LD_PRELOAD=\"$TS_ASAN_RUNTIME:\$LD_PRELOAD\"\nexport ASAN_OPTIONS=\"$E2E_ASAN_OPTIONS\"" \
        "$base/bin/setenv.sh"
fi
set +e
out=$(catalina "$base" "$jdk" start 2>&1)
rc=$?
set -e
[ "$rc" = 1 ] || ts_fail "catalina.sh start with a broken manifest under env --strict: exit $rc: $out"
grep -qF "trustshim: error: $TRUSTSHIM_MANIFEST: line 2" <<<"$out" ||
    ts_fail "catalina.sh start under env --strict did not say why: $out"
[ ! -s "$base/logs/catalina.out" ] || ts_fail "java ran although check failed: $(cat "$base/logs/catalina.out")"
make_base "$base" "$(ts_free_port)" "$(ts_free_port)"
printf 'export TRUSTSHIM_STRICT=1\n' >>"$base/bin/setenv.sh"
catalina "$base" "$jdk" run >"$TS_TMP/strict-run.out" 2>&1 && ts_fail "Tomcat ran under TRUSTSHIM_STRICT=1 with a broken manifest"
grep -q "TRUSTSHIM_STRICT=1: the JVM stops (exit status 1)" "$TS_TMP/strict-run.out" ||
    ts_fail "the JVM did not say why it stops: $(cat "$TS_TMP/strict-run.out")"
! grep -q "org.apache.catalina" "$TS_TMP/strict-run.out" || ts_fail "Tomcat's code ran: $(cat "$TS_TMP/strict-run.out")"
cp "$TS_TMP/manifest.good" "$TRUSTSHIM_MANIFEST"
ts_log "TRUSTSHIM_STRICT=1: a broken manifest stops Tomcat at start (check in setenv.sh, and the library)"
# shellcheck disable=SC2034 # read by the exit handler (e2e_show_on_failure)
E2E_DONE=1

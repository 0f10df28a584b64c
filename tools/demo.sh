#!/usr/bin/env bash
# trustshim in half a minute.
#
#   bash tools/demo.sh            (after: cmake -S . -B build && cmake --build build)
#
# 1. starts a local TLS server with a self-signed certificate,
# 2. shows a Java client failing against it with the PKIX error,
# 3. pins the server's certificate with `trustshim fetch --add` into a demo
#    manifest (no keytool, no root),
# 4. runs the same client under `trustshim exec`: it succeeds,
# 5. shows that the JDK's cacerts on disk did not change.
# Everything happens in a temporary directory on 127.0.0.1 and is removed at
# the end.  Exits non-zero when a step does not behave as announced.
#
# Uses: the trustshim built in build/ (TS_BUILD_DIR=DIR for another build
# directory, else `trustshim` on PATH), java from JAVA_HOME or PATH (11 or
# later), openssl and python3.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TS_BUILD_DIR:-$top/build}

die() {
    printf '\ndemo: FAILED: %s\n' "$*" >&2
    exit 1
}

if [ -x "$build/bin/trustshim" ]; then
    bindir=$(cd "$build/bin" && pwd)
elif command -v trustshim >/dev/null 2>&1; then
    bindir=$(dirname "$(command -v trustshim)")
else
    die "trustshim is not built: run  cmake -S . -B build && cmake --build build"
fi
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    javadir=$JAVA_HOME/bin
elif command -v java >/dev/null 2>&1; then
    javadir=$(dirname "$(readlink -f "$(command -v java)")")
else
    die "no java: install a JDK (as root: bash .ci/install-deps) or set JAVA_HOME"
fi
java_version=$(sed -n 's/^JAVA_VERSION="\(1\.\)\{0,1\}\([0-9]*\).*/\2/p' "$javadir/../release" 2>/dev/null || true)
if [ -n "$java_version" ] && [ "$java_version" -lt 11 ]; then
    die "the demo runs 'java File.java', which needs Java 11 or later (found Java $java_version in $javadir)"
fi
for tool in openssl python3; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done
# The commands below are printed as a user would type them.
export PATH="$bindir:$javadir:$PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/trustshim-demo.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$work"

step=0
# announce TEXT: prints the next step's heading.
announce() {
    step=$((step + 1))
    printf '\n%d. %s\n' "$step" "$*"
}
# show CMD...: prints the command, runs it, prints its output indented; sets rc and out.
show() {
    printf '   $ %s\n' "$*"
    set +e
    out=$("$@" 2>&1)
    rc=$?
    set -e
    if [ -n "$out" ]; then
        printf '%s\n' "$out" | sed 's/^/     /'
    fi
}

cat >TlsClient.java <<'JAVA'
import java.net.URI;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLException;

/** Connects to the URL with the JVM's default trust, like any Java application. */
public class TlsClient {
    public static void main(String[] args) throws Exception {
        HttpsURLConnection c = (HttpsURLConnection) URI.create(args[0]).toURL().openConnection();
        try {
            System.out.println("HTTP " + c.getResponseCode() + ": the JVM trusts " + args[0]);
        } catch (SSLException e) {
            System.out.println(e);
            System.exit(1);
        }
    }
}
JAVA

printf 'trustshim demo (working in %s)\n' "$work"

announce "A TLS server on 127.0.0.1 with a self-signed certificate"
printf '   %s\n' "$ openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \\" \
    "      -subj /CN=demo.test -addext subjectAltName=IP:127.0.0.1 -keyout server.key -out server.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=demo.test \
    -addext subjectAltName=IP:127.0.0.1 -keyout server.key -out server.pem 2>/dev/null ||
    die "openssl could not make a certificate"
show openssl x509 -in server.pem -noout -subject -issuer
# Port 0: the system picks a free port, and s_server says which ("ACCEPT 127.0.0.1:PORT") once
# it listens: no port to lose to another program between choosing and binding, no wait to guess.
printf '   $ openssl s_server -accept 127.0.0.1:0 -cert server.pem -key server.key -www &\n'
: >server.log # there before it is read, whenever the server's shell gets to open it
openssl s_server -accept 127.0.0.1:0 -cert server.pem -key server.key -www \
    </dev/null >server.log 2>&1 &
server_pid=$!
port=
for ((i = 0; i < 600; i++)); do
    port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' server.log)
    [ -z "$port" ] || break
    kill -0 "$server_pid" 2>/dev/null || die "openssl s_server did not start: $(cat server.log)"
    sleep 0.1
done
[ -n "$port" ] || die "openssl s_server did not listen within a minute"
url="https://127.0.0.1:$port/"
printf '     (listening on 127.0.0.1:%s)\n' "$port"

cacerts=$(readlink -f "$(dirname "$(command -v java)")/../lib/security/cacerts")
before=$(sha256sum <"$cacerts")

announce "A Java client connects to it: the JVM does not trust the certificate"
show java TlsClient.java "$url"
if [ "$rc" = 0 ] || ! grep -q 'PKIX path building failed' <<<"$out"; then
    die "step $step: the client should have failed with the PKIX error"
fi

announce "Pin the server's certificate in a manifest (no keytool, no root)"
export TRUSTSHIM_MANIFEST="$work/manifest.json"
printf '   $ export TRUSTSHIM_MANIFEST=%s\n' "$TRUSTSHIM_MANIFEST"
show trustshim init
[ "$rc" = 0 ] || die "step $step: trustshim init failed"
show trustshim fetch "$url" --add --trust-on-first-use
[ "$rc" = 0 ] || die "step $step: trustshim fetch --add failed"

announce "The same client under trustshim: the JVM now trusts the server"
show trustshim exec -- java TlsClient.java "$url"
if [ "$rc" != 0 ] || ! grep -q '^HTTP 200' <<<"$out"; then
    die "step $step: the client should have succeeded under trustshim exec"
fi

announce "Nothing on disk changed: the JDK's cacerts is the same file as before"
show sha256sum "$cacerts"
[ "$(sha256sum <"$cacerts")" = "$before" ] || die "step $step: $cacerts changed"
printf '     (the same SHA-256 as before step 2: the JVM got the extra certificate in memory)\n'

printf '\nDone: the certificate is pinned in %s and served to the JVM in memory.\n' \
    "$(basename "$TRUSTSHIM_MANIFEST")"
printf 'Next: docs/README.md (Tomcat, containers, mail and LDAP, troubleshooting).\n'

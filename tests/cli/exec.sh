#!/usr/bin/env bash
# trustshim exec: replaces itself with CMD, under the library, with the manifest's
# absolute path; refuses to start CMD on a bad manifest; --with / --without change
# trust for one run through a sealed in-memory manifest, checked by a real JVM.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/cli/lib.sh"

lib=$(readlink -f "$TS_LIB")
# A sanitized library needs libasan first in any process it enters; exec keeps a
# sanitizer runtime already in LD_PRELOAD in front of the library.
X=()
if [ "$TS_SANITIZE" = 1 ]; then
    asan=$TS_ASAN_RUNTIME
    X=(env "LD_PRELOAD=$asan" "ASAN_OPTIONS=handle_segv=0:detect_leaks=0:allow_user_segv_handler=1:verify_asan_link_order=0")
fi
ex() { "${X[@]}" "$T" "$@"; }

expect 0 "$T" init
mkcert ca "Exec CA"
expect 0 "$T" add "$TS_TMP/ca.pem"

# it replaces itself: the shell has the pid trustshim had; the status is CMD's
"${X[@]}" "$T" exec -- sh -c 'echo $$' >"$TS_TMP/pid" &
pid=$!
wait "$pid"
[ "$(cat "$TS_TMP/pid")" = "$pid" ] || ts_fail "exec kept a process: trustshim was $pid, sh was $(cat "$TS_TMP/pid")"
expect 7 ex exec -- sh -c 'exit 7'
expect 3 ex exec sh -c 'exit 3'
# options after CMD belong to CMD
expect 0 ex exec echo --with --help
[ "$OUT" = "--with --help" ] || ts_fail "CMD's arguments: $OUT"

# the environment: library first (after a sanitizer runtime), the manifest absolute
cd "$TS_TMP"
expect 0 ex --manifest etc/trustshim/manifest.json exec -- sh -c 'echo "$LD_PRELOAD|$TRUSTSHIM_MANIFEST"'
if [ "$TS_SANITIZE" = 1 ]; then
    [ "$OUT" = "$asan:$lib|$TRUSTSHIM_MANIFEST" ] || ts_fail "environment: $OUT"
else
    [ "$OUT" = "$lib|$TRUSTSHIM_MANIFEST" ] || ts_fail "environment: $OUT"
fi
cd - >/dev/null
if [ "$TS_SANITIZE" != 1 ]; then
    expect 0 env LD_PRELOAD="/x/first.so /x/second.so" "$T" exec -- sh -c 'echo "$LD_PRELOAD"'
    [ "$OUT" = "$lib:/x/first.so:/x/second.so" ] || ts_fail "existing LD_PRELOAD: $OUT"
    expect 0 env LD_PRELOAD="/x/libasan.so.8:$lib" "$T" exec -- sh -c 'echo "$LD_PRELOAD"'
    [ "$OUT" = "/x/libasan.so.8:$lib" ] || ts_fail "libasan first, the library once: $OUT"
fi

# CMD missing: the shell's 127, one error line
expect 127 ex exec -- no-such-command-here
error_is "no-such-command-here: cannot execute: No such file or directory"

# a bad manifest: CMD is not started
snapshot
cp "$TRUSTSHIM_MANIFEST" "$TS_TMP/good.json"
sed -i 's/"version": 1/"version": 2/' "$TRUSTSHIM_MANIFEST"
expect 2 ex exec -- touch "$TS_TMP/started"
error_is "$TRUSTSHIM_MANIFEST"
[ ! -e "$TS_TMP/started" ] || ts_fail "CMD started with an invalid manifest"
cp "$TS_TMP/good.json" "$TRUSTSHIM_MANIFEST"
chmod 0666 "$TRUSTSHIM_MANIFEST"
expect 2 ex exec -- touch "$TS_TMP/started"
error_is "writable by group or others"
[ ! -e "$TS_TMP/started" ] || ts_fail "CMD started with a world-writable manifest"
chmod 0644 "$TRUSTSHIM_MANIFEST"
expect 2 ex --manifest "$TS_TMP/missing.json" exec -- touch "$TS_TMP/started"
error_is "$TS_TMP/missing.json: no such manifest (create it with 'trustshim init', or trust a file for this run with --with FILE)"
[ ! -e "$TS_TMP/started" ] || ts_fail "CMD started without a manifest"
expect 2 ex exec --with "$TS_TMP/nothing.pem" -- touch "$TS_TMP/started"
error_is "$TS_TMP/nothing.pem"
expect 2 ex exec --without no-such-alias -- touch "$TS_TMP/started"
error_is "no-such-alias"
[ ! -e "$TS_TMP/started" ] || ts_fail "CMD started after a bad --with/--without"

# --with / --without: a sealed, read-only memfd manifest for this run; disk unchanged
mkcert extra "Extra CA"
cat >"$TS_TMP/inspect.py" <<'PY'
import fcntl, json, os, sys
path = os.environ["TRUSTSHIM_MANIFEST"]
# /proc/PID/fd/N of the process trustshim became (python here), not /proc/self: the same
# name must mean the same file in every descendant
assert path == "/proc/%d/fd/%s" % (os.getpid(), path.rsplit("/", 1)[1]), path
target = os.readlink(path)
assert target.startswith("/memfd:trustshim-manifest"), target
F_GET_SEALS = 1034
fd = int(path.rsplit("/", 1)[1])
seals = fcntl.fcntl(fd, F_GET_SEALS)
assert seals == 0x1 | 0x2 | 0x4 | 0x8, hex(seals)  # SEAL, SHRINK, GROW, WRITE
try:
    open(path, "w").write("x")
    sys.exit("the private manifest is writable")
except PermissionError:
    pass
m = json.load(open(path))
for c in m.get("certificates", []):
    assert "pem" in c and "file" not in c, c
print(json.dumps({"certs": sorted(c["sha256"] for c in m.get("certificates", [])),
                  "distrust": m.get("distrust", [])}))
PY
expect 0 ex exec --with "$TS_TMP/extra.pem" -- python3 "$TS_TMP/inspect.py"
[ "$OUT" = "{\"certs\": [$(printf '"%s", "%s"' $(printf '%s\n' "$(sha ca)" "$(sha extra)" | sort))], \"distrust\": []}" ] ||
    ts_fail "--with: $OUT"
unchanged "exec --with"
expect 0 ex exec --without exec-ca --without "$(sha extra)" -- python3 "$TS_TMP/inspect.py"
[ "$OUT" = "{\"certs\": [], \"distrust\": [\"$(sha extra)\"]}" ] || ts_fail "--without: $OUT"
unchanged "exec --without"
# a manifest whose certificate is a file beside it: inlined as PEM in the private one
cp "$TS_TMP/ca.pem" "$(dirname "$TRUSTSHIM_MANIFEST")/ca.pem"
python3 - "$TRUSTSHIM_MANIFEST" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
c = m["certificates"][0]
del c["pem"]
c["file"] = "ca.pem"
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
expect 0 ex exec --with "$TS_TMP/extra.pem" -- python3 "$TS_TMP/inspect.py"
has "$OUT" "$(sha ca)"
# no manifest at all: --with alone
expect 0 ex --manifest "$TS_TMP/absent.json" exec --with "$TS_TMP/extra.pem" -- python3 "$TS_TMP/inspect.py"
[ "$OUT" = "{\"certs\": [\"$(sha extra)\"], \"distrust\": []}" ] || ts_fail "--with, no manifest: $OUT"
# a base CA by its alias in the JDK's cacerts
if jh=$(ts_jdks | sed -n 1p) && [ -n "$jh" ]; then
    line=$("$jh/bin/keytool" -list -cacerts -storepass changeit 2>/dev/null | grep -A1 trustedCertEntry | sed -n 1,2p)
    alias=${line%%,*}
    fp=$(sed -n 's/.*(SHA-256): //p' <<<"$line" | tr -d : | tr 'A-F' 'a-f')
    [ -n "$alias" ] && [ ${#fp} = 64 ] || ts_fail "could not read the JDK's cacerts: $line"
    JAVA_HOME=$jh expect 0 ex exec --without "$alias" -- python3 "$TS_TMP/inspect.py"
    has "$OUT" "\"distrust\": [\"$fp\"]"
fi

# --- the real thing: a JVM trusts a server for one run only
ts_require_jdk
ts_selfsigned "$TS_TMP" srv localhost
port=$(ts_free_port)
ts_s_server "$TS_TMP/srv.pem" "$TS_TMP/srv.key" "$port"
url="https://localhost:$port/"
for jh in $(ts_jdks); do
    ts_log "JDK $jh"
    classes="$TS_TMP/classes-$(basename "$jh")"
    ts_javac "$jh" "$classes" "$TS_SOURCE_DIR/tests/cli/java/HttpsGet.java"
    java=("$jh/bin/java" -cp "$classes" HttpsGet "$url")
    # without the certificate: PKIX failure
    expect 1 ex exec -- "${java[@]}"
    has "$OUT" "FAIL javax.net.ssl.SSLHandshakeException"
    # --with the server's certificate: trusted, for this run
    expect 0 ex exec --with "$TS_TMP/srv.pem" -- "${java[@]}"
    has "$OUT" "OK 200"
    # the manifest on disk was not changed, so the next run fails again
    expect 1 ex exec -- "${java[@]}"
    # in the manifest: trusted; --without takes it away for one run
    expect 0 "$T" add "$TS_TMP/srv.pem" --alias srv
    expect 0 ex exec -- "${java[@]}"
    has "$OUT" "OK 200"
    expect 1 ex exec --without srv -- "${java[@]}"
    has "$OUT" "FAIL javax.net.ssl.SSLHandshakeException"
    expect 0 ex exec -- "${java[@]}"
    expect 0 "$T" remove srv
    # every descendant sees the private manifest (catalina.sh style: a shell that starts the
    # JVM), also one that lost the descriptor, also after the shell is gone, also under strict
    for strict in 0 1; do
        export TRUSTSHIM_STRICT=$strict
        expect 0 ex exec --with "$TS_TMP/srv.pem" -- sh -c '"$@"; exit $?' sh "${java[@]}"
        has "$OUT" "OK 200"
        # the JVM's process closed the descriptor (a JVM started by a JVM has none of them)
        # shellcheck disable=SC2016 # expanded by the inner shell
        expect 0 ex exec --with "$TS_TMP/srv.pem" -- \
            sh -c '(eval "exec ${TRUSTSHIM_MANIFEST##*/}<&-"; exec "$@"); exit $?' sh "${java[@]}"
        has "$OUT" "OK 200"
        rm -f "$TS_TMP/bg.out"
        expect 0 ex exec --with "$TS_TMP/srv.pem" -- \
            sh -c '(sleep 1; "$@" >"$0.tmp" 2>&1; mv "$0.tmp" "$0") &' "$TS_TMP/bg.out" "${java[@]}"
        for _ in $(seq 1 300); do [ -e "$TS_TMP/bg.out" ] && break; sleep 0.1; done
        has "$(cat "$TS_TMP/bg.out" 2>/dev/null)" "OK 200"
        unset TRUSTSHIM_STRICT
    done
done
ts_log "ok"

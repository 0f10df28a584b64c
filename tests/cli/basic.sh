#!/usr/bin/env bash
# trustshim: --version, help from the option tables, usage errors, init, env.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/cli/lib.sh"

cmds="init add fetch list remove distrust undistrust render exec env check verify"

expect 0 "$T" --version
[[ "$OUT" =~ ^trustshim\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || ts_fail "--version: $OUT"
expect 0 "$T" --help
for c in $cmds; do has "$OUT" "  $c "; done
for c in $cmds; do
    expect 0 "$T" "$c" --help
    has "$OUT" "Usage: trustshim $c"
    has "$OUT" "--manifest PATH"
    help1=$OUT
    expect 0 "$T" help "$c"
    [ "$OUT" = "$help1" ] || ts_fail "'help $c' differs from '$c --help'"
done
# every option in a table shows up in the help
expect 0 "$T" fetch --help
for o in --add --sha256 --trust-on-first-use --alias --pick --timeout; do has "$OUT" "$o"; done
expect 0 "$T" render --help
for o in "-o, --output FILE" --format --base --no-base --password --host; do has "$OUT" "$o"; done

# usage errors: exit 2, one line
expect 2 "$T" frobnicate
error_is "unknown command 'frobnicate'"
expect 2 "$T" list --frob
has "$ERR" "trustshim: error: list: unknown option '--frob'"
error_is "(see 'trustshim list --help')"
expect 2 "$T" --frob
error_is "unknown or incomplete option '--frob' (see 'trustshim --help')"
expect 2 "$T"
error_is "no command given (see 'trustshim --help')"
expect 2 "$T" add
error_is "no FILE given"
expect 2 "$T" add --alias
has "$ERR" "a value is needed after '--alias'"
error_is "(see 'trustshim add --help')"
expect 2 "$T" list --json=yes
has "$ERR" "no value is taken by '--json=yes'"
error_is "(see 'trustshim list --help')"
expect 2 "$T" fetch
error_is "no URL given"
expect 2 "$T" fetch ftp://example.test
error_is "ftp://example.test: unknown scheme 'ftp'"
expect 2 "$T" fetch example.test
error_is "no port"
# a control character in what is named (a newline in a URL or file name) cannot split the line
expect 2 "$T" fetch $'ht\ntp://x'
error_is "ht?tp://x: unknown scheme 'ht?tp'"
expect 2 "$T" add $'/nonexistent/a\nb.pem'
error_is "/nonexistent/a?b.pem: "
expect 2 "$T" fetch https://h:99999
error_is "invalid port"
expect 2 "$T" fetch https://localhost --timeout 0
error_is "--timeout: '0' is not a number of seconds"
# verify reads --timeout with the same parser and says the same
expect 2 "$T" verify https://localhost --timeout 5s
error_is "--timeout: '5s' is not a number of seconds"
expect 2 "$T" fetch https://localhost --sha256 abc
error_is "--sha256: 'abc' is not a SHA-256"
expect 2 "$T" fetch https://localhost --pick middle
error_is "--pick: 'middle'"
expect 2 "$T" render
error_is "no output file"
expect 2 "$T" render -o x --format jceks
error_is "'jceks' is not a keystore format"
expect 2 "$T" exec
error_is "no command given"
expect 2 "$T" env --format csh
error_is "'csh' is not a format"

# colour only on a terminal, and never with NO_COLOR
expect 2 env -u NO_COLOR "$T" frobnicate
has "$ERR" "trustshim: error: unknown command"
out=$(env -u NO_COLOR script -qec "'$T' frobnicate" /dev/null 2>&1 || true)
has "$out" $'\033[1;31merror:\033[0m unknown command'
out=$(NO_COLOR=1 script -qec "'$T' frobnicate" /dev/null 2>&1 || true)
has "$out" "trustshim: error: unknown command"

# a missing manifest: commands that need one say so
for c in list check "render -o $TS_TMP/x.jks --no-base" "verify https://127.0.0.1:1"; do
    # shellcheck disable=SC2086
    expect 2 "$T" $c
    error_is "$TRUSTSHIM_MANIFEST: no such manifest (create it with 'trustshim init')"
done
expect 2 "$T" remove foo
error_is "no such manifest (create it with 'trustshim init')"

# init: 0644 file, 0755 directories whatever the umask; never overwrites
umask 077
expect 0 "$T" init
has "$OUT" "created $TRUSTSHIM_MANIFEST"
[ "$(stat -c %a "$TRUSTSHIM_MANIFEST")" = 644 ] || ts_fail "manifest mode $(stat -c %a "$TRUSTSHIM_MANIFEST")"
[ "$(stat -c %a "$TS_TMP/etc/trustshim")" = 755 ] || ts_fail "directory mode"
[ "$(stat -c %a "$TS_TMP/etc")" = 755 ] || ts_fail "parent directory mode"
umask 022
snapshot
expect 1 "$T" init
error_is "$TRUSTSHIM_MANIFEST: already exists"
unchanged "init over an existing manifest"
expect 0 "$T" list --json
[ "$OUT" = '{"certificates": [], "distrusted": []}' ] || ts_fail "empty list --json: $OUT"
# --manifest wins over TRUSTSHIM_MANIFEST, before or after the command
expect 0 "$T" --manifest "$TS_TMP/other.json" init
[ -f "$TS_TMP/other.json" ] || ts_fail "--manifest before the command ignored"
expect 0 "$T" init --manifest="$TS_TMP/third.json"
[ -f "$TS_TMP/third.json" ] || ts_fail "--manifest= after the command ignored"

# env: absolute paths of the library and manifest, in each format
lib=$(readlink -f "$TS_LIB")
cd "$TS_TMP"
expect 0 "$T" --manifest etc/trustshim/manifest.json env
has "$OUT" "export LD_PRELOAD=\"$lib\${LD_PRELOAD:+:\$LD_PRELOAD}\""
has "$OUT" "export TRUSTSHIM_MANIFEST=\"$TRUSTSHIM_MANIFEST\""
# sourced by a shell (as catalina.sh sources setenv.sh): prepends to an existing LD_PRELOAD
printf '%s\n' "$OUT" >"$TS_TMP/setenv.sh"
got=$(env -i LD_PRELOAD=/x/other.so sh -c ". '$TS_TMP/setenv.sh'; echo \"\$LD_PRELOAD|\$TRUSTSHIM_MANIFEST\"" 2>/dev/null)
[ "$got" = "$lib:/x/other.so|$TRUSTSHIM_MANIFEST" ] || ts_fail "setenv.sh gives: $got"
got=$(env -i sh -c ". '$TS_TMP/setenv.sh'; echo \"\$LD_PRELOAD\"" 2>/dev/null)
[ "$got" = "$lib" ] || ts_fail "setenv.sh without LD_PRELOAD gives: $got"
expect 0 "$T" env --format systemd
[ "$OUT" = "[Service]
Environment=\"LD_PRELOAD=$lib\"
Environment=\"TRUSTSHIM_MANIFEST=$TRUSTSHIM_MANIFEST\"" ] || ts_fail "systemd: $OUT"
expect 0 "$T" env --format docker
[ "$OUT" = "ENV LD_PRELOAD=\"$lib\"
ENV TRUSTSHIM_MANIFEST=\"$TRUSTSHIM_MANIFEST\"" ] || ts_fail "docker: $OUT"
# a manifest path with a space, '$', '%', a backquote and quotes: each format quotes it so that
# it reads back as it is (sh: sourced; systemd: a unit systemd-analyze accepts without complaint)
odd="$TS_TMP/odd dir \$HOME %h \`x\` \"q\" 'a'/manifest.json"
expect 0 "$T" --manifest "$odd" env
printf '%s\n' "$OUT" >"$TS_TMP/odd-setenv.sh"
got=$(env -i sh -c ". '$TS_TMP/odd-setenv.sh'; printf '%s' \"\$TRUSTSHIM_MANIFEST\"" 2>&1)
[ "$got" = "$odd" ] || ts_fail "sh lines give back '$got' for '$odd'"
expect 0 "$T" --manifest "$odd" env --format systemd
has "$OUT" 'Environment="TRUSTSHIM_MANIFEST='"$TS_TMP"'/odd dir $HOME %%h `x` \"q\" '"'a'"'/manifest.json"'
if command -v systemd-analyze >/dev/null; then
    { printf '[Unit]\nDescription=t\n'; printf '%s\n' "$OUT"; printf 'ExecStart=/bin/true\n'; } >"$TS_TMP/t.service"
    timeout 30 systemd-analyze verify --man=no "$TS_TMP/t.service" >"$TS_TMP/sd.out" 2>&1 ||
        ts_fail "systemd-analyze verify: $(cat "$TS_TMP/sd.out")"
    [ ! -s "$TS_TMP/sd.out" ] || ts_fail "systemd-analyze complains: $(cat "$TS_TMP/sd.out")"
fi
expect 0 "$T" --manifest "$odd" env --format docker
has "$OUT" 'ENV TRUSTSHIM_MANIFEST="'"$TS_TMP"'/odd dir \$HOME %h `x` \"q\" '"'a'"'/manifest.json"'
# a manifest that does not exist yet: a warning, the lines anyway
expect 0 "$T" --manifest "$TS_TMP/nope.json" env
has "$ERR" "trustshim: warning: $TS_TMP/nope.json: does not exist yet"
# TRUSTSHIM_LIBRARY overrides; a missing library is an error
cp "$TS_LIB" "$TS_TMP/copy.so"
TRUSTSHIM_LIBRARY="$TS_TMP/copy.so" expect 0 "$T" env
has "$OUT" "export LD_PRELOAD=\"$TS_TMP/copy.so"
TRUSTSHIM_LIBRARY="$TS_TMP/missing.so" expect 1 "$T" env
error_is "$TS_TMP/missing.so"
# a library the dynamic loader would skip (with a mere message) is refused before anything runs:
# not an ELF file, a directory, a path LD_PRELOAD would split at a space
TRUSTSHIM_LIBRARY="$TS_TMP/setenv.sh" expect 1 "$T" env
error_is "$TS_TMP/setenv.sh: TRUSTSHIM_LIBRARY: not a shared library (no ELF header)"
TRUSTSHIM_LIBRARY="$TS_TMP" expect 1 "$T" exec -- touch "$TS_TMP/started"
error_is "$TS_TMP: TRUSTSHIM_LIBRARY: not a shared library"
mkdir -p "$TS_TMP/with space"
cp "$TS_LIB" "$TS_TMP/with space/libtrustshim.so"
TRUSTSHIM_LIBRARY="$TS_TMP/with space/libtrustshim.so" expect 1 "$T" exec -- touch "$TS_TMP/started"
error_is "LD_PRELOAD cannot hold a path with a space or ':'"
TRUSTSHIM_LIBRARY="$TS_TMP/missing.so" expect 1 "$T" exec -- touch "$TS_TMP/started"
error_is "$TS_TMP/missing.so: TRUSTSHIM_LIBRARY: No such file or directory"
[ ! -e "$TS_TMP/started" ] || ts_fail "exec started CMD without a usable library"
# a manifest path with a newline would break the lines out of their quotes
expect 2 "$T" --manifest "$TS_TMP/new
line.json" env
error_is "$TS_TMP/new?line.json: a control character in the path"
# the install layout: bin/trustshim finds lib/trustshim/libtrustshim.so
mkdir -p "$TS_TMP/inst/bin" "$TS_TMP/inst/lib/trustshim"
cp "$T" "$TS_TMP/inst/bin/"
cp "$TS_LIB" "$TS_TMP/inst/lib/trustshim/"
expect 0 "$TS_TMP/inst/bin/trustshim" env --format docker
has "$OUT" "ENV LD_PRELOAD=\"$TS_TMP/inst/lib/trustshim/libtrustshim.so\""
rm "$TS_TMP/inst/lib/trustshim/libtrustshim.so"
expect 1 "$TS_TMP/inst/bin/trustshim" env
error_is "libtrustshim.so not found"
ts_log "ok"

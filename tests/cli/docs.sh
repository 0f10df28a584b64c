#!/usr/bin/env bash
# docs/cli.md stays true: every command and every option of `--help` is documented,
# and the session marked "```sh run" runs as it stands (on a free port).
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/cli/lib.sh"
ts_require_cmd openssl keytool

doc="$TS_SOURCE_DIR/docs/cli.md"
[ -f "$doc" ] || ts_fail "no $doc"
commands=$("$T" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
for c in $commands; do
    grep -Eq "^## .*\b$c\b" "$doc" || ts_fail "docs/cli.md has no section for '$c'"
    for o in $("$T" "$c" --help | sed -n '/^Options:/,$p' | grep -o -- '--[a-z0-9-]*' | sort -u); do
        case "$o" in --help | --manifest) continue ;; esac
        grep -qF -- "$o" "$doc" || ts_fail "docs/cli.md does not mention '$o' of '$c'"
    done
done

# the runnable session, in a fresh directory, with this build's trustshim first on PATH
port=$(ts_free_port)
awk '/^```sh run$/ {on = 1; next} /^```$/ {on = 0} on' "$doc" | sed "s/8443/$port/g" >"$TS_TMP/session.sh"
[ -s "$TS_TMP/session.sh" ] || ts_fail "no '\`\`\`sh run' block in docs/cli.md"
mkdir "$TS_TMP/session"
if [ "$TS_SANITIZE" = 1 ]; then
    # the sanitized library enters keytool's JVM and the shells: libasan first, JVM-friendly options
    export LD_PRELOAD="$TS_ASAN_RUNTIME"
    export ASAN_OPTIONS="handle_segv=0:detect_leaks=0:allow_user_segv_handler=1:verify_asan_link_order=0"
fi
(
    cd "$TS_TMP/session"
    unset TRUSTSHIM_MANIFEST
    export PATH="$(dirname "$T"):$PATH"
    bash -euo pipefail "$TS_TMP/session.sh"
) >"$TS_TMP/session.out" 2>&1 || ts_fail "the session in docs/cli.md failed:
$(tail -30 "$TS_TMP/session.out")"
out=$(cat "$TS_TMP/session.out")
has "$out" "created $TS_TMP/session/manifest.json"
has "$out" "not trusted yet"
has "$out" "refused: no pin, no terminal"
has "$out" "added demo-server"
has "$out" "yes: https://localhost:$port is trusted (anchor: demo-server"
has "$out" "Your keystore contains 1 entry"
has "$out" "demo-server, "
has "$out" "TRUSTSHIM_MANIFEST=$TS_TMP/session/manifest.json"
has "$out" "removed demo-server"
ts_log "ok"

# shellcheck shell=bash
# Helpers for the CLI's script tests (sourced after tests/lib/common.sh).
ts_tmpdir
T="$TS_CLI"
[ -x "$T" ] || ts_fail "no CLI at $T (build first)"
export TRUSTSHIM_MANIFEST="$TS_TMP/etc/trustshim/manifest.json"
unset TRUSTSHIM_LIBRARY JAVA_HOME SOURCE_DATE_EPOCH
export NO_COLOR=1
SERVERS="$TS_SOURCE_DIR/tests/servers"

# expect RC CMD...: runs CMD, stdout in $OUT, stderr in $ERR; fails unless it exits RC.
expect() {
    local want=$1 rc
    shift
    set +e
    "$@" >"$TS_TMP/.out" 2>"$TS_TMP/.err" </dev/null
    rc=$?
    set -e
    OUT=$(cat "$TS_TMP/.out")
    ERR=$(cat "$TS_TMP/.err")
    if [ "$rc" != "$want" ]; then
        ts_fail "expected exit $want, got $rc from: $*
--- stdout:
$OUT
--- stderr:
$ERR"
    fi
}

# has TEXT WANT: TEXT contains WANT (fixed string)
has() { grep -qF -- "$2" <<<"$1" || ts_fail "expected '$2' in:
$1"; }
hasnt() { ! grep -qF -- "$2" <<<"$1" || ts_fail "did not expect '$2' in:
$1"; }

# error_is WANT: stderr is exactly one line "trustshim: error: ..." containing WANT
error_is() {
    local n
    n=$(printf '%s\n' "$ERR" | grep -c . || true)
    [ "$n" = 1 ] || ts_fail "expected one error line, got $n:
$ERR"
    case "$ERR" in "trustshim: error: "*) ;; *) ts_fail "not an error line: $ERR" ;; esac
    has "$ERR" "$1"
}

# warning_is WANT: stderr is exactly one line, a warning containing WANT
warning_is() {
    [ "$(printf '%s\n' "$ERR" | grep -c .)" = 1 ] || ts_fail "expected one warning line, got:
$ERR"
    case "$ERR" in "trustshim: warning: "*) ;; *) ts_fail "not a warning line: $ERR" ;; esac
    has "$ERR" "$1"
}

# mkcert NAME CN [openssl req args...]: $TS_TMP/NAME.pem and .key, self-signed
mkcert() {
    local name=$1 cn=$2
    shift 2
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 365 -keyout "$TS_TMP/$name.key" \
        -out "$TS_TMP/$name.pem" -subj "/CN=$cn" "$@" 2>/dev/null || ts_fail "openssl req failed for $name"
}

# sha NAME: SHA-256 of $TS_TMP/NAME.pem
sha() { ts_sha256_of_pem "$TS_TMP/$1.pem"; }

# snapshot / unchanged: the manifest's bytes, mode and owner did not change
snapshot() { stat -c '%a %u %g %s' "$TRUSTSHIM_MANIFEST" >"$TS_TMP/.snap"; cp "$TRUSTSHIM_MANIFEST" "$TS_TMP/.snap.json"; }
unchanged() {
    [ "$(stat -c '%a %u %g %s' "$TRUSTSHIM_MANIFEST")" = "$(cat "$TS_TMP/.snap")" ] || ts_fail "manifest mode/owner/size changed: $*"
    cmp -s "$TRUSTSHIM_MANIFEST" "$TS_TMP/.snap.json" || ts_fail "manifest changed: $*"
}

# py_server PROTO PORT MODE [cert name]: starts tests/servers/starttls_server.py; stopped at exit
py_server() {
    local proto=$1 port=$2 mode=$3 name=${4:-}
    local args=(--proto "$proto" --port "$port" --mode "$mode")
    [ -n "$name" ] && args+=(--cert "$TS_TMP/$name.pem" --key "$TS_TMP/$name.key")
    python3 "$SERVERS/starttls_server.py" "${args[@]}" >/dev/null 2>"$TS_TMP/server-$port.log" &
    local pid=$!
    ts_on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
    ts_wait_port "$port"
}

# mkcert_dated NAME CN START END BITS MD CA(TRUE|FALSE): a self-signed certificate with
# chosen dates (YYYYMMDDHHMMSSZ), key size and digest, made with `openssl ca -selfsign`.
mkcert_dated() {
    local name=$1 cn=$2 start=$3 end=$4 bits=$5 md=$6 ca=$7 d="$TS_TMP/.ca-$1"
    mkdir -p "$d"
    : >"$d/index.txt"
    echo 01 >"$d/serial"
    cat >"$d/ca.cnf" <<CNF
[ca]
default_ca = d
[d]
database = $d/index.txt
new_certs_dir = $d
serial = $d/serial
default_md = $md
policy = p
unique_subject = no
[p]
commonName = supplied
[ext]
basicConstraints = critical,CA:$ca
CNF
    openssl req -new -newkey "rsa:$bits" -nodes -keyout "$TS_TMP/$name.key" -out "$d/req.csr" \
        -subj "/CN=$cn" 2>/dev/null || ts_fail "openssl req: $name"
    openssl ca -batch -config "$d/ca.cnf" -selfsign -keyfile "$TS_TMP/$name.key" -in "$d/req.csr" \
        -out "$TS_TMP/$name.pem" -startdate "$start" -enddate "$end" -md "$md" -extensions ext \
        -notext >/dev/null 2>&1 || ts_fail "openssl ca: $name"
}

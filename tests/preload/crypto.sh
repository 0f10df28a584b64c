#!/usr/bin/env bash
# libcrypto only when a store needs it: libtrustshim.so does not link it;
# serving a JKS or a password-less PKCS12 cacerts with a PEM manifest
# certificate never maps it; a PKCS12 with a MAC loads it from
# libtrustshim-crypto.so beside the library; without that module such a
# store is served unchanged, with one line saying why.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
ts_require_cmd readelf nm openssl cmp
ts_require_jdk
pl_setup
mod="$(dirname "$TS_LIB")/libtrustshim-crypto.so"

# The files.
if readelf -d "$TS_LIB" | grep -q 'NEEDED.*libcrypto'; then
    ts_fail "$TS_LIB has a DT_NEEDED on libcrypto"
fi
[ -f "$mod" ] || ts_fail "$mod not built"
readelf -d "$mod" | grep -q 'NEEDED.*\[libcrypto\.so\.3\]' || ts_fail "$mod does not link libcrypto.so.3"
exports=$(nm -D --defined-only "$mod" | awk '$2 ~ /^[TtWwiDdBbRr]$/ {print $3}' | sed 's/@.*//' | sort)
[ "$exports" = ts_crypto_module ] || ts_fail "$mod exports more than its table: $exports"
ts_log "libtrustshim.so needs: $(readelf -d "$TS_LIB" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | tr '\n' ' ')"

# Three fake JRE trees, each with a cacerts of another kind.
ts_selfsigned "$TS_TMP" srv mail.example.test
jh0=$(ts_jdks | sed -n 1p)
jre() { mkdir -p "$TS_TMP/$1/lib/security" && printf '%s' "$TS_TMP/$1/lib/security/cacerts"; }
jks=$(jre jks)
cp /etc/ssl/certs/java/cacerts "$jks"
[ "$(head -c4 "$jks" | od -An -tx1 | tr -d ' ')" = feedfeed ] || ts_fail "$jks is not JKS"
p12=$(jre p12)
"$jh0/bin/keytool" -importkeystore -srckeystore "$jks" -srcstorepass changeit -destkeystore "$p12" \
    -deststoretype pkcs12 -deststorepass changeit -J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE \
    -J-Dkeystore.pkcs12.macAlgorithm=NONE >/dev/null 2>&1 || ts_fail "keytool: password-less PKCS12"
mac=$(jre mac)
"$jh0/bin/keytool" -importkeystore -srckeystore "$jks" -srcstorepass changeit -destkeystore "$mac" \
    -deststoretype pkcs12 -deststorepass changeit >/dev/null 2>&1 || ts_fail "keytool: PKCS12 with a MAC"
cat >"$TS_TMP/m.json" <<JSON
{ "version": 1, "certificates": [ $(pl_cert_json "$TS_TMP/srv.pem" mail '["mail.example.test"]') ] }
JSON
export TRUSTSHIM_MANIFEST="$TS_TMP/m.json"

# read_store LIB STORE OUT: the store read through LIB by a shell, which then says whether
# libcrypto is mapped in it (yes/no on stdout); the library's lines in OUT.err.
read_store() {
    local lib=$1 store=$2 out=$3
    TS_LIB=$lib ts_with_preload bash -c 'exec 3<"$1"; cat <&3 >"$2"; exec 3<&-
        if grep -q "libcrypto\.so" /proc/$$/maps; then echo yes; else echo no; fi' _ "$store" "$out" \
        2>"$out.err"
}

for kind in jks p12 mac; do
    store=${!kind}
    mapped=$(read_store "$TS_LIB" "$store" "$TS_TMP/$kind.out") || ts_fail "$kind: the shell failed"
    if cmp -s "$store" "$TS_TMP/$kind.out"; then
        cat "$TS_TMP/$kind.out.err" >&2
        ts_fail "$kind: served unchanged (not merged)"
    fi
    pl_probe_plain "$jh0" load "$TS_TMP/$kind.out" "$([ $kind = jks ] && echo JKS || echo PKCS12)" - \
        >"$TS_TMP/$kind.txt" || ts_fail "$kind: the served store does not load"
    grep -q " $(ts_sha256_of_pem "$TS_TMP/srv.pem")\$" "$TS_TMP/$kind.txt" || ts_fail "$kind: manifest entry missing"
    case $kind in
    mac) [ "$mapped" = yes ] || ts_fail "$kind: served, but libcrypto was never loaded (how was the MAC made?)" ;;
    *) [ "$mapped" = no ] || ts_fail "$kind: serving it loaded libcrypto" ;;
    esac
    ts_log "$kind: served merged; libcrypto mapped: $mapped"
done

# An entry without an alias is named after its certificate's CN, still without libcrypto.
pem_json=$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$TS_TMP/srv.pem")
cat >"$TS_TMP/noalias.json" <<JSON
{ "version": 1, "certificates": [ { "sha256": "$(ts_sha256_of_pem "$TS_TMP/srv.pem")", "pem": $pem_json } ] }
JSON
mapped=$(TRUSTSHIM_MANIFEST="$TS_TMP/noalias.json" read_store "$TS_LIB" "$jks" "$TS_TMP/noalias.out") ||
    ts_fail "noalias: the shell failed"
[ "$mapped" = no ] || ts_fail "naming an entry without an alias loaded libcrypto"
pl_probe_plain "$jh0" load "$TS_TMP/noalias.out" JKS - >"$TS_TMP/noalias.txt" || ts_fail "noalias: does not load"
grep -q "^mail.example.test $(ts_sha256_of_pem "$TS_TMP/srv.pem")\$" "$TS_TMP/noalias.txt" ||
    { cat "$TS_TMP/noalias.txt" >&2; ts_fail "noalias: the entry is not named after its CN"; }
ts_log "an entry without an alias: named mail.example.test, libcrypto mapped: $mapped"

# Without the module: the PKCS12 with a MAC is served as it is, with one error line; the others
# are served merged as before.
mkdir -p "$TS_TMP/lonely"
cp "$TS_LIB" "$TS_TMP/lonely/"
lonely="$TS_TMP/lonely/$(basename "$TS_LIB")"
read_store "$lonely" "$mac" "$TS_TMP/lonely.out" >/dev/null || ts_fail "lonely: the shell failed"
cmp -s "$mac" "$TS_TMP/lonely.out" || ts_fail "without the module, the PKCS12 with a MAC was not served unchanged"
n=$(pl_error_lines "$TS_TMP/lonely.out.err" | wc -l)
[ "$n" = 1 ] || { cat "$TS_TMP/lonely.out.err" >&2; ts_fail "expected one error line, got $n"; }
grep -q "libcrypto is needed and cannot be loaded.*libtrustshim-crypto.so" "$TS_TMP/lonely.out.err" ||
    { cat "$TS_TMP/lonely.out.err" >&2; ts_fail "the line does not say why"; }
ts_log "without the module: $(pl_error_lines "$TS_TMP/lonely.out.err")"
read_store "$lonely" "$jks" "$TS_TMP/lonely-jks.out" >/dev/null || ts_fail "lonely jks: the shell failed"
cmp -s "$jks" "$TS_TMP/lonely-jks.out" && ts_fail "without the module, the JKS store was not served merged"
ts_log "without the module: JKS still served merged"

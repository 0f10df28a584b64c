#!/usr/bin/env bash
# The Allegra layout, on every JDK: <home>/keystore/<host>.ks for a host named
# in the manifest exists for Java (File.isFile, canRead, length) and loads as
# JKS with "changeit", holding the JVM's full trust (every manifest
# certificate and the JRE's own), although neither the file nor the directory
# exists; another host stays absent.  The same through ALLEGRA_HOME,
# TRACKPLUS_HOME, -DALLEGRA_HOME= (command line, JDK_JAVA_OPTIONS, @argfile;
# not a program argument), $HOME/trackplus and keystore_dirs; with
# "trust": "host" the file holds the certificates naming its host only; an
# existing <host>.ks is served merged with its own entries.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
ts_require_jdk
pl_setup
ts_selfsigned "$TS_TMP" mail mail.example.test
ts_selfsigned "$TS_TMP" ldap ldap.example.test
ts_selfsigned "$TS_TMP" own own.example.test
mail_sha=$(ts_sha256_of_pem "$TS_TMP/mail.pem")
ldap_sha=$(ts_sha256_of_pem "$TS_TMP/ldap.pem")
own_sha=$(ts_sha256_of_pem "$TS_TMP/own.pem")
mkdir -p "$TS_TMP/env-home" "$TS_TMP/tp-home" "$TS_TMP/existing/keystore"
cat >"$TS_TMP/manifest.json" <<JSON
{ "version": 1,
  "certificates": [ $(pl_cert_json "$TS_TMP/mail.pem" mail '["mail.example.test"]'),
                    $(pl_cert_json "$TS_TMP/ldap.pem" ldap '["ldap.example.test"]') ],
  "keystore_dirs": [ "$TS_TMP/dirs-home/keystore", { "path": "$TS_TMP/host-home/keystore", "trust": "host" } ] }
JSON
export TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json"
jh0=$(ts_jdks | sed -n 1p)
"$jh0/bin/keytool" -importcert -noprompt -alias own -file "$TS_TMP/own.pem" \
    -keystore "$TS_TMP/existing/keystore/mail.example.test.ks" -storetype JKS -storepass changeit >/dev/null 2>&1 ||
    ts_fail "keytool -importcert failed"

# check JAVA_HOME HOME LABEL [java options...]: the probe for mail (present) and other (absent).
check() {
    local jh=$1 home=$2 label=$3
    shift 3
    ts_with_preload "$jh/bin/java" "$@" -cp "$PL_CLASSES" TsProbe allegra "$home" mail.example.test \
        >"$TS_TMP/out" 2>"$TS_TMP/err" || { cat "$TS_TMP/err" >&2; ts_fail "$jh $label: probe failed"; }
    ! grep -v '^NOTE: Picked up JDK_JAVA_OPTIONS' "$TS_TMP/err" | grep -q . || ts_fail "$jh $label: stderr: $(cat "$TS_TMP/err")"
    grep -qx 'exists true isFile true canRead true nonEmpty true' "$TS_TMP/out" ||
        ts_fail "$jh $label: mail.example.test.ks does not look like a file: $(head -n1 "$TS_TMP/out")"
    grep -q "^nio true" "$TS_TMP/out" || ts_fail "$jh $label: java.nio sees no such file: $(cat "$TS_TMP/out")"
    # stat of the path says the size of what is read, for a synthesized file and one on disk alike.
    grep -qx "nio true consistent true" "$TS_TMP/out" || ts_fail "$jh $label: sizes differ: $(cat "$TS_TMP/out")"
    grep -qx "mail $mail_sha" "$TS_TMP/out" || ts_fail "$jh $label: mail certificate missing: $(cat "$TS_TMP/out")"
    case $label in
    trust*) # "trust": "host": the certificates naming the host only
        grep -q "$ldap_sha" "$TS_TMP/out" && ts_fail "$jh $label: ldap's certificate in mail's keystore"
        [ "$(grep -c ' ' "$TS_TMP/out")" -lt 5 ] || ts_fail "$jh $label: more than the host's certificates" ;;
    *) # Full trust: the JVM's default SSL context may be built from this file.
        grep -qx "ldap $ldap_sha" "$TS_TMP/out" || ts_fail "$jh $label: ldap's certificate missing from mail's keystore"
        [ "$(grep -c ' ' "$TS_TMP/out")" -gt 20 ] || ts_fail "$jh $label: the JRE's certificates are missing" ;;
    esac
    ts_with_preload "$jh/bin/java" "$@" -cp "$PL_CLASSES" TsProbe allegra "$home" other.example.test >"$TS_TMP/other" 2>&1 ||
        ts_fail "$jh $label: probe failed for other"
    grep -qx 'nio false' "$TS_TMP/other" || ts_fail "$jh $label: java.nio sees other.example.test.ks"
    grep -qx 'exists false isFile false canRead false nonEmpty false' "$TS_TMP/other" ||
        ts_fail "$jh $label: other.example.test.ks should not exist: $(cat "$TS_TMP/other")"
    ts_log "$jh: $label: $home/keystore/mail.example.test.ks served ($(grep -c ' ' "$TS_TMP/out") entries), other host absent"
}

for jh in $(ts_jdks); do
    ALLEGRA_HOME="$TS_TMP/env-home" check "$jh" "$TS_TMP/env-home" "ALLEGRA_HOME (empty directory)"
    TRACKPLUS_HOME="$TS_TMP/tp-home" check "$jh" "$TS_TMP/tp-home" "TRACKPLUS_HOME"
    check "$jh" "$TS_TMP/prop-home" "-DALLEGRA_HOME= (no such directory)" "-DALLEGRA_HOME=$TS_TMP/prop-home"
    check "$jh" "$TS_TMP/prop-home2" "-DTRACKPLUS_HOME=" "-DTRACKPLUS_HOME=$TS_TMP/prop-home2"
    # Read as the java launcher reads options: JDK_JAVA_OPTIONS, JAVA_TOOL_OPTIONS, @argfiles ...
    JDK_JAVA_OPTIONS="-DALLEGRA_HOME=$TS_TMP/jdk-home" check "$jh" "$TS_TMP/jdk-home" "JDK_JAVA_OPTIONS"
    printf '%s\n' "-DALLEGRA_HOME='$TS_TMP/argfile home'" >"$TS_TMP/argfile"
    check "$jh" "$TS_TMP/argfile home" "@argfile" "@$TS_TMP/argfile"
    # ... but a program argument after the main class is not a system property.
    pl_probe "$jh" allegra "$TS_TMP/arg-home" mail.example.test "-DALLEGRA_HOME=$TS_TMP/arg-home" >"$TS_TMP/out" 2>&1
    grep -qx 'exists false isFile false canRead false nonEmpty false' "$TS_TMP/out" ||
        ts_fail "$jh: -DALLEGRA_HOME= after the main class was taken as a JVM option"
    check "$jh" "$TS_TMP/dirs-home" "keystore_dirs"
    check "$jh" "$TS_TMP/host-home" "trust host (keystore_dirs)"
    # $HOME/trackplus/keystore is looked at too (Track+'s default home).
    HOME="$TS_TMP/user" check "$jh" "$TS_TMP/user/trackplus" "\$HOME/trackplus"
    # Not configured as a keystore directory: untouched.
    pl_probe "$jh" allegra "$TS_TMP/nowhere" mail.example.test >"$TS_TMP/out" 2>&1
    grep -qx 'exists false isFile false canRead false nonEmpty false' "$TS_TMP/out" ||
        ts_fail "$jh: a keystore outside the configured directories was synthesized"
    grep -qx 'nio false' "$TS_TMP/out" || ts_fail "$jh: java.nio sees a keystore outside the configured directories"
    # Without the library nothing exists.
    ALLEGRA_HOME="$TS_TMP/env-home" pl_probe_plain "$jh" allegra "$TS_TMP/env-home" mail.example.test >"$TS_TMP/out"
    grep -qx 'exists false isFile false canRead false nonEmpty false' "$TS_TMP/out" || ts_fail "$jh: exists without the library?"
    # An existing keystore: its own entry plus the manifest's.
    ALLEGRA_HOME="$TS_TMP/existing" check "$jh" "$TS_TMP/existing" "existing mail.example.test.ks"
    grep -qx "own $own_sha" "$TS_TMP/out" || ts_fail "$jh: the existing keystore's own entry is missing"
    # The info line counts the JRE's certificates as added, and says so.
    TRUSTSHIM_LOG=info ALLEGRA_HOME="$TS_TMP/existing" ts_with_preload "$jh/bin/java" -cp "$PL_CLASSES" TsProbe \
        allegra "$TS_TMP/existing" mail.example.test >/dev/null 2>"$TS_TMP/err" || ts_fail "$jh: probe with TRUSTSHIM_LOG=info"
    grep -qE "info: served $TS_TMP/existing/keystore/mail.example.test.ks \([0-9]+ entries, [0-9]+ from the JRE's trust store and the manifest, 0 distrusted\)" \
        "$TS_TMP/err" || ts_fail "$jh: the info line of a full-trust store: $(cat "$TS_TMP/err")"
done
[ ! -e "$TS_TMP/env-home/keystore" ] || ts_fail "a directory was created on disk"

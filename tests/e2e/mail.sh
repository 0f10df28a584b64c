#!/usr/bin/env bash
# Mail as the seed application does it: Jakarta Mail (Debian's
# libjakarta-mail-java) sends a message over SMTP with STARTTLS and reads it
# back over IMAPS, from local test servers (mailserver.py) with a self-signed
# certificate.  The certificate is obtained with
# `trustshim fetch smtp://127.0.0.1:PORT --add --trust-on-first-use` (no
# keytool anywhere) and the client runs under `trustshim exec`, once with the
# JRE's default trust and once, as Allegra does, with the per-host keystore
# $ALLEGRA_HOME/keystore/127.0.0.1.ks, which exists on no disk.  Without
# trustshim the same client fails with the PKIX error.  Every JDK found.
. "${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/e2e/e2e.sh"

MAIL_JAR=/usr/share/java/jakarta-mail.jar
ACTIVATION_JAR=/usr/share/java/jakarta-activation.jar
if [ ! -f "$MAIL_JAR" ] || [ ! -f "$ACTIVATION_JAR" ]; then
    ts_skip "Jakarta Mail is not installed (apt-get install libjakarta-mail-java; see .ci/install-deps)"
fi
ts_require_jdk
ts_require_cmd openssl python3
e2e_require_build
ts_tmpdir

export TRUSTSHIM_MANIFEST="$TS_TMP/trust/manifest.json"
"$TS_CLI" init >/dev/null

ts_selfsigned "$TS_TMP" mail mail.example.test
smtp_port=$(ts_free_port)
imaps_port=$(ts_free_port)
python3 "$E2E_DIR/mailserver.py" --cert "$TS_TMP/mail.pem" --key "$TS_TMP/mail.key" \
    --smtp-port "$smtp_port" --imaps-port "$imaps_port" --user alice --password s3cret \
    --log "$TS_TMP/mailserver.log" &
mail_pid=$!
ts_on_exit "kill $mail_pid 2>/dev/null; wait $mail_pid 2>/dev/null"
ts_wait_port "$smtp_port"
ts_wait_port "$imaps_port"
e2e_show_on_failure "$TS_TMP/mailserver.log"

# The administrator's one step: fetch over SMTP STARTTLS, pin, add.
out=$("$TS_CLI" fetch "smtp://127.0.0.1:$smtp_port" --add --trust-on-first-use 2>&1) ||
    { printf '%s\n' "$out" >&2; ts_fail "trustshim fetch smtp:// --add failed"; }
fp=$(ts_sha256_of_pem "$TS_TMP/mail.pem")
"$TS_CLI" list --json | grep -q "$fp" || ts_fail "the mail server's certificate is not in the manifest"
grep -q STARTTLS "$TS_TMP/mailserver.log" || ts_fail "fetch did not use STARTTLS"

# Allegra's layout: an empty ALLEGRA_HOME; the library serves keystore/<host>.ks.
export ALLEGRA_HOME="$TS_TMP/allegra"
mkdir -p "$ALLEGRA_HOME"
ks="$ALLEGRA_HOME/keystore/127.0.0.1.ks"

cp="$MAIL_JAR:$ACTIVATION_JAR"
n=0
while read -r jdk; do
    major=$(e2e_jdk_major "$jdk")
    classes="$TS_TMP/classes-$major"
    ts_javac "$jdk" "$classes" -cp "$cp" "$E2E_DIR/java/MailProbe.java"
    probe=("$jdk/bin/java" -cp "$cp:$classes" MailProbe 127.0.0.1 "$smtp_port" "$imaps_port" alice s3cret)
    n=$((n + 1))

    out=$("${probe[@]}" "plain-$n" 2>&1 || true)
    e2e_expect_pkix "$out" "Java $major, Jakarta Mail without trustshim"

    out=$(e2e_exec "${probe[@]}" "jre-$n" 2>&1 || true)
    e2e_expect_ok "$out" "Java $major, Jakarta Mail under trustshim exec (JRE trust store)"
    grep -q "read back over imaps: trustshim jre-$n" <<<"$out" ||
        ts_fail "Java $major: the message did not come back over IMAPS: $out"

    [ ! -e "$ks" ] || ts_fail "$ks exists on disk"
    out=$(e2e_exec "${probe[@]}" "allegra-$n" "$ks" 2>&1 || true)
    e2e_expect_ok "$out" "Java $major, Jakarta Mail under trustshim exec with Allegra's $ks"
    [ ! -e "$ks" ] || ts_fail "$ks was written to disk"
    ts_log "Java $major: PKIX error without trustshim; SMTP STARTTLS + IMAPS OK under trustshim exec (cacerts and <host>.ks)"
done <<<"$(ts_jdks)"
# shellcheck disable=SC2034 # read by the exit handler (e2e_show_on_failure)
E2E_DONE=1

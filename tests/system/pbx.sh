#!/bin/sh
# System test, part of `make check`: a PBX's trusted-MiTM enrollment
# (RFC 6189 §7.3, §7.3.1; docs/control-protocol.md, session_enroll and the
# `enrollment` event) through a real daemon. The PBX is zrtp-probe
# (--pbx-enroll: Hello M flag, Confirm E flag; it keeps the pbxsecret in
# its own cache at once, as a PBX does); the phone is a softphone on zrtpd.
# 1. the request reaches the clients (event, session_show, session_list);
#    accept before a `match` verdict, or from a read-only client, is
#    refused; after the verdict zrtpctl accepts and the reply comes once
#    the pbxsecret is on disk (`zrtpctl cache show`: PBX yes);
# 2. the next call from that PBX (its pbxsecret matched) relays a SAS in
#    SASrelay: shown (sas_ready relayed, session_show); no request;
#    session_enroll there is refused (no request);
# 3. another daemon declines: nothing stored, and the PBX's SASrelay on the
#    next call is an alert (sasrelay_untrusted), never shown;
# 4. a request left unanswered when the session closes: declined (closed),
#    nothing stored;
# 5. pbx_enrollment = no: declined at once (forbidden), nothing stored;
# 6. an E flag the PBX did not authenticate (a Confirm copy with E flipped,
#    --forge-enroll) is dropped (alert confirm_mac) and raises no request.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

CTL=$(cd "$b" && pwd)/cli/zrtpctl
PROBE=$(cd "$b" && pwd)/cli/zrtp-probe
export NO_COLOR=1
unset ZRTPD_SOCKET

daemon A --control_mode 0666
daemon B
daemon F --pbx_enrollment=no
chmod 755 "$tmp" "$tmp/A"

zctl() { _d=$1; shift; "$CTL" --socket "$tmp/$_d/ctl.sock" "$@"; }
hello='{"id":0,"cmd":"hello","versions":[1]}'

# call TAG DAEMON PBXCACHE [probe options]: a softphone on DAEMON calls the
# PBX probe; returns once the phone is secure. Sets $sid (from the phone's
# first session event) and $pport. The phone reads fd 3/4, the probe 5/6.
# The probe commits: as the initiator it ends once its Conf2ACK is in
# (a responder would wait out the Confirm2 schedule for media).
call() {
	_t=$1 _d=$2 _c=$3
	shift 3
	phone p$_t "$_d" 3 4 --side A --frames 0 --timeout 20
	offer p$_t
	spawn x$_t 5 6 "$PROBE" --local 127.0.0.1:0 --json --timeout 10 \
	    --role initiator --cache "$tmp/$_c" "$@"
	expect x$_t '{"event":"bound"' || { show x$_t; return 1; }
	pport=$(jfield port "$line")
	tell p$_t "answer 127.0.0.1 $pport -"
	expect p$_t secure || { show p$_t; show x$_t; return 1; }
	sid=$(grep '^event ' "$tmp/p$_t.log" | head -n 1 | sed \
	    's/.*"session":"\([^"]*\)".*/\1/')
}

# probe_result TAG: the probe's closing JSON line into $pres.
probe_result() {
	expect x$1 '{"result"' || { show x$1; return 1; }
	pres=$line
	exec 5>&- 6<&-
}

# expect_in TAG PREFIX PATTERN WHAT: the next line of TAG starting with
# PREFIX must match the shell PATTERN.
expect_in() {
	if ! expect "$1" "$2"; then
		fail "$4: no '$2' line"
		return 1
	fi
	case "$line" in
	$3) return 0 ;;
	esac
	fail "$4: $line"
	return 1
}

# seen TAG PREFIX PATTERN WHAT: a line of TAG starting with PREFIX and
# matching PATTERN (a grep pattern), already read or still to come.
seen() {
	grep -q "^$2.*$3" "$tmp/$1.log" && return 0
	while expect "$1" "$2"; do
		printf '%s\n' "$line" | grep -q "$3" && return 0
	done
	fail "$4: no '$2' line with '$3'"
	return 1
}

hangup() {
	tell p$1 quit
	expect p$1 result || true
	exec 3>&- 4<&-
}

# ---- 1. accept
ok=1
call 1 A pbx.db --pbx-enroll
expect p1 "event enrollment" || { fail "1: no enrollment event"; show p1; }
ev=$line
case "$ev" in
*'"state":"pending"'*'"message":"The other side is a PBX'*) ;;
*) fail "1: the request event: $ev"; ok=0 ;;
esac
probe_result 1
pbxzid=$(jfield our_zid "$pres")
check_eq "1: the event names the PBX" "$(jfield zid "${ev#event enrollment }")" \
    "$pbxzid" || ok=0
r=$(printf '%s\n' "$hello" '{"id":1,"cmd":"session_list"}' \
    "{\"id\":2,\"cmd\":\"session_show\",\"session\":\"$sid\"}" | ctl A)
case "$r" in
*'"enrollment":"pending"'*'"enrollment":{"state":"pending"}'*) ;;
*) fail "1: list and show do not say pending: $r"; ok=0 ;;
esac
zctl A show "$sid" >"$tmp/show1" 2>&1 || true
grep -q 'PBX enrollment: ASKED' "$tmp/show1" ||
    { fail "1: zrtpctl show: $(cat "$tmp/show1")"; ok=0; }
# Bash completion offers the session whose PBX waits, then the answers.
complete_words() {
	PATH=$(dirname "$CTL"):$PATH ZRTPD_SOCKET=$tmp/A/ctl.sock bash -c \
	    '. "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
	    _zrtpctl; echo "${COMPREPLY[*]}"' \
	    "${srcdir:-.}/cli/completion/zrtpctl" "$@"
}
check_eq "1: completion of the pending session" \
    "$(complete_words zrtpctl enroll "")" "$sid" || ok=0
check_eq "1: completion of the answer" \
    "$(complete_words zrtpctl enroll "$sid" "")" "accept decline" || ok=0
# Before the SAS is verified: refused, nothing stored.
if zctl A enroll "$sid" accept >"$tmp/e1" 2>&1; then
	fail "1: accepted before the SAS was verified"; ok=0
fi
grep -q "give the verdict match" "$tmp/e1" ||
    { fail "1: early accept: $(cat "$tmp/e1")"; ok=0; }
# A read-only client (another uid on a socket open to all) cannot answer.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	r=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
	    "{\"id\":2,\"cmd\":\"session_enroll\",\"session\":\"$sid\",\"decision\":\"accept\"}" |
	    ctl A --as-user nobody)
	case "$r" in
	*'"access":"read"'*'"id":2,"ok":false,"error":{"code":"forbidden"'*) ;;
	*) fail "1: read-only client: $r"; ok=0 ;;
	esac
else
	echo "SKIP a read-only client's accept: needs root and a 'nobody' user (not counted as passed)"
fi
tell p1 "verdict match"
expect p1 verdict
zctl A --json enroll "$sid" accept >"$tmp/e1" 2>&1 ||
    { fail "1: accept after the verdict: $(cat "$tmp/e1")"; ok=0; }
check_eq "1: the accept's reply" "$(jq -r .result.enrollment "$tmp/e1")" \
    accepted || ok=0
# The reply came after the write: the cache has it now.
zctl A cache show "$pbxzid" >"$tmp/c1" 2>&1
grep -q 'PBX yes' "$tmp/c1" || { fail "1: cache: $(cat "$tmp/c1")"; ok=0; }
expect_in p1 "event enrollment" '*"state":"accepted"*' \
    "1: the accepted event" || ok=0
if zctl A enroll "$sid" accept >"$tmp/e1" 2>&1; then
	fail "1: a second accept was taken"; ok=0
fi
grep -q 'already answered (accepted)' "$tmp/e1" ||
    { fail "1: second accept: $(cat "$tmp/e1")"; ok=0; }
hangup 1
[ $ok -eq 1 ] && echo "ok   a PBX asks: the request is an event and in session_show/list; accept refused before the SAS verdict and from a read-only client; after 'match', zrtpctl enroll accept answers once the pbxsecret is stored (cache show: PBX yes)"

# ---- 2. the enrolled PBX relays a SAS on the next call
ok=1
call 2 A pbx.db --pbx --relay-sas 12345678
probe_result 2
want=$(jfield relay_sent "$pres")
[ -n "$want" ] || { fail "2: the probe relayed nothing: $pres"; ok=0; }
seen p2 "event sas_ready" '"relayed":true' "2: the relayed SAS" || ok=0
got=$(grep '^event sas_ready.*"relayed":true' "$tmp/p2.log" | head -n 1)
case "$got" in
*"\"text\":\"$want\""*) ;;
*) fail "2: the relayed SAS '$want' was not shown: $got"; ok=0 ;;
esac
r=$(printf '%s\n' "$hello" \
    "{\"id\":1,\"cmd\":\"session_show\",\"session\":\"$sid\"}" \
    "{\"id\":2,\"cmd\":\"session_enroll\",\"session\":\"$sid\",\"decision\":\"accept\"}" |
    ctl A)
case "$r" in
*'"relayed":true'*'"enrollment":null'*'"code":"state","message":"no PBX enrollment request on this session"'*) ;;
*) fail "2: show and enroll on a call without a request: $r"; ok=0 ;;
esac
grep -q '^event enrollment' "$tmp/p2.log" &&
    { fail "2: a request on a call that made none"; ok=0; }
hangup 2
[ $ok -eq 1 ] && echo "ok   the next call from the enrolled PBX (pbxsecret matched): its SASrelay is shown (\"$want\", relayed), no request; session_enroll there: state, no request"

# ---- 3. declined: nothing stored, the relayed SAS never shown
ok=1
call 3 B pbx.db --pbx-enroll
expect p3 "event enrollment" || { fail "3: no request"; ok=0; }
probe_result 3
tell p3 "verdict match"
expect p3 verdict
zctl B enroll "$sid" decline >"$tmp/e3" 2>&1 ||
    { fail "3: decline: $(cat "$tmp/e3")"; ok=0; }
grep -q 'Declined. Nothing is stored' "$tmp/e3" ||
    { fail "3: decline said: $(cat "$tmp/e3")"; ok=0; }
expect_in p3 "event enrollment" \
    '*"state":"declined"*"reason":"user"*' \
    "3: the declined event" || ok=0
zctl B cache show "$pbxzid" >"$tmp/c3" 2>&1
grep -q 'PBX no' "$tmp/c3" || { fail "3: cache: $(cat "$tmp/c3")"; ok=0; }
hangup 3
call 4 B pbx.db --pbx --relay-sas 12345678
probe_result 4
seen p4 "event alert" '"code":"sasrelay_untrusted"' \
    "3: the untrusted SASrelay" || ok=0
grep '^event sas_ready' "$tmp/p4.log" | grep -q '"relayed":true' &&
    { fail "3: a relayed SAS from a PBX not enrolled was shown"; ok=0; }
hangup 4
[ $ok -eq 1 ] && echo "ok   declined: nothing stored (PBX no); the PBX's SASrelay on the next call is an alert (sasrelay_untrusted), never shown"

# ---- 4. closed unanswered: declined, nothing stored
ok=1
call 5 B pbx2.db --pbx-enroll
expect p5 "event enrollment" || { fail "4: no request"; ok=0; }
probe_result 5
zid2=$(jfield our_zid "$pres")
spawn w5 7 8 "$CTL" --socket "$tmp/B/ctl.sock" --json watch "$sid" \
    --until closed
expect w5 '{"ok":true' || { fail "4: watch did not subscribe"; ok=0; }
hangup 5
expect_in w5 '{"event":"enrollment"' \
    '*"state":"declined"*"reason":"closed"*' \
    "4: closing unanswered" || ok=0
exec 7>&- 8<&-
r=$(printf '%s\n' "$hello" \
    "{\"id\":1,\"cmd\":\"session_show\",\"session\":\"$sid\"}" | ctl B)
case "$r" in
*'"enrollment":{"state":"declined","reason":"closed"}'*) ;;
*) fail "4: the ended session: $r"; ok=0 ;;
esac
zctl B cache show "$zid2" >"$tmp/c5" 2>&1
grep -q 'PBX no' "$tmp/c5" || { fail "4: cache: $(cat "$tmp/c5")"; ok=0; }
[ $ok -eq 1 ] && echo "ok   a request unanswered when the session closes: declined (closed), nothing stored"

# ---- 5. forbidden by the configuration
ok=1
call 6 F pbx.db --pbx-enroll
expect_in p6 "event enrollment" \
    '*"state":"declined"*"reason":"forbidden"*' \
    "5: the refusal by configuration" || ok=0
probe_result 6
tell p6 "verdict match"
expect p6 verdict
if zctl F enroll "$sid" accept >"$tmp/e6" 2>&1; then
	fail "5: accepted though forbidden"; ok=0
fi
grep -q 'already answered (declined)' "$tmp/e6" ||
    { fail "5: $(cat "$tmp/e6")"; ok=0; }
zctl F cache show "$pbxzid" >"$tmp/c6" 2>&1
grep -q 'PBX no' "$tmp/c6" || { fail "5: cache: $(cat "$tmp/c6")"; ok=0; }
hangup 6
[ $ok -eq 1 ] && echo "ok   pbx_enrollment = no: the request is declined at once (forbidden) and cannot be accepted; nothing stored"

# ---- 6. an E flag the PBX never authenticated
ok=1
call 7 B pbx3.db --pbx --forge-enroll
probe_result 7
r=$(printf '%s\n' "$hello" \
    "{\"id\":1,\"cmd\":\"session_show\",\"session\":\"$sid\"}" \
    "{\"id\":2,\"cmd\":\"session_enroll\",\"session\":\"$sid\",\"decision\":\"accept\"}" |
    ctl B)
case "$r" in
*'"enrollment":null'*'"code":"state","message":"no PBX enrollment request on this session"'*) ;;
*) fail "6: $r"; ok=0 ;;
esac
grep -q '^event alert.*"code":"confirm_mac"' "$tmp/p7.log" ||
    { fail "6: the forged Confirm never arrived (no confirm_mac alert)"; ok=0; }
grep -q '^event enrollment' "$tmp/p7.log" &&
    { fail "6: a forged E flag raised a request"; ok=0; }
hangup 7
[ $ok -eq 1 ] && echo "ok   a Confirm copy with the E flag flipped (CFB: the flag alone changes, the MAC no longer holds): dropped (confirm_mac), no request"

[ $fails -eq 0 ] || { tail -n 20 "$tmp/A/log" "$tmp/B/log"; exit 1; }

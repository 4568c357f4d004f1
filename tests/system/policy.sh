#!/bin/sh
# System test, part of `make check`: what happens before and without
# security. A daemon's session faces a plain RTP endpoint that never speaks
# ZRTP (softphone --plain):
# - best-effort: frames pass in clear both ways, the session says so
#   (media_clear) and reports no_zrtp once its Hellos go unanswered;
# - require: no frame passes either way, the session reports no_zrtp and
#   ends not_secure.
# Then the peer's a=zrtp-hash: a wrong one given at start (the peer's Hello
# is refused, zrtp_hash_mismatch, never secure under require); the right
# one given late (matched) and a wrong one given late (the session fails).
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

daemon A --handshake_timeout 6
daemon B

# show_next WANT: zrtpctl show of daemon A's newest session (ended or
# not) exits 3 (not secure), its words joined on one line hold WANT and
# never send the person to zrtpctl show itself.
show_next() {
	_sid=s$("$b/cli/zrtpctl" --socket "$tmp/A/ctl.sock" --json sessions |
	    jq '[.result.sessions[].session | ltrimstr("s") | tonumber] | max')
	_st=0
	"$b/cli/zrtpctl" --socket "$tmp/A/ctl.sock" show "$_sid" \
	    >"$tmp/show" 2>&1 || _st=$?
	check_eq "zrtpctl show $_sid: exit status" "$_st" 3 || return 1
	_words=$(tr '\n' ' ' <"$tmp/show" | tr -s ' ')
	case "$_words" in
	*"zrtpctl show"*) fail "zrtpctl show $_sid sends to itself: $_words" ;;
	*"$1"*) return 0 ;;
	*) fail "zrtpctl show $_sid: no '$1' in: $_words" ;;
	esac
	return 1
}

# plain POLICY: our phone on daemon A, a plain endpoint as the peer.
plain_peer() {
	phone pa A 3 4 --side A --frames 20 --gap 5 --policy "$1"
	phone pp - 5 6 --side B --frames 20 --gap 5 --plain
	offer pa; pa_port=$port
	offer pp; pp_port=$port
	tell pa "answer 127.0.0.1 $pp_port -"
	tell pp "answer 127.0.0.1 $pa_port -"
	expect pa notsecure || { show pa; fail "$1: no no_zrtp event"; }
	show_next "Next: Do not discuss anything sensitive. The other side never answered in ZRTP: check that it speaks ZRTP" ||
	    fail "$1: zrtpctl show's next step after no_zrtp"
	tell pa go
	tell pp go
	expect pa done
	expect pp done
	tell pa quit
	tell pp quit
	expect pa result
	ra=${line#result }
	expect pp result
	rp=${line#result }
	exec 3>&- 4<&- 5>&- 6<&-
}

plain_peer best-effort
ok=1
check_eq "best-effort: frames the plain peer got" "$(jfield received "$rp")" 20 || ok=0
check_eq "best-effort: frames our phone got" "$(jfield received "$ra")" 20 || ok=0
check_eq "best-effort: security" "$(jfield security "$ra")" not_secure || ok=0
grep -q '"event":"no_zrtp".*"media_clear":true' "$tmp/pa.log" ||
    { fail "best-effort: no_zrtp event without media_clear true"; ok=0; }
grep -q '"media_clear":true' "$tmp/pa.log" || ok=0
[ $ok -eq 1 ] && echo "ok   best-effort: a peer without ZRTP gets clear media both ways, loudly not_secure (no_zrtp, media_clear)"
mv "$tmp/pa.log" "$tmp/pa.best.log"

plain_peer require
ok=1
check_eq "require: frames the plain peer got" "$(jfield received "$rp")" 0 || ok=0
check_eq "require: frames our phone got" "$(jfield received "$ra")" 0 || ok=0
check_eq "require: security" "$(jfield security "$ra")" not_secure || ok=0
[ "$(jfield clear_dropped "$ra")" -ge 40 ] ||
    { fail "require: media held back: $ra"; ok=0; }
grep -q '"event":"no_zrtp".*"media_clear":false' "$tmp/pa.log" ||
    { fail "require: no_zrtp event"; ok=0; }
[ $ok -eq 1 ] && echo "ok   require: a peer without ZRTP gets no media either way, not_secure (no_zrtp), $(jfield clear_dropped "$ra") frames held back"

# --- best-effort: media in clear before the peer answers, then secured.
# media_clear says media passes in clear; once SRTP protects it, it is
# false again (it stayed true, in the secure state, before).
phone pa A 3 4 --side A --frames 5 --gap 5 --policy best-effort
phone pb B 5 6 --side B --frames 0
offer pa; portA=$port
offer pb; portB=$port
tell pa "answer 127.0.0.1 $portB -"
tell pa go
ok=1
while expect pa "event security"; do
	case "$line" in *'"media_clear":true'*) break ;; esac
done
[ -n "$line" ] || { fail "best-effort, then secure: media_clear never true"; ok=0; }
tell pb "answer 127.0.0.1 $portA -"
expect pa secure || { fail "best-effort, then secure: not secure"; ok=0; }
sec=$(grep '^event security' "$tmp/pa.log" | tail -n 1)
case "$sec" in *'"security":"secure_unverified"'*'"media_clear":false'*) ;;
*) fail "best-effort, then secure: the secure state event says $sec"; ok=0 ;;
esac
tell pa quit
tell pb quit
expect pa result
[ $ok -eq 1 ] && echo "ok   best-effort: media in clear (media_clear), then secured: media_clear false again"
exec 3>&- 4<&- 5>&- 6<&-
mv "$tmp/pa.log" "$tmp/pa.clear.log"

# --- a=zrtp-hash: the wrong one at start (one hex digit changed)
phone pa A 3 4 --side A --frames 0
phone pb B 5 6 --side B --frames 0
offer pa; portA=$port hashA=$hash
offer pb; portB=$port hashB=$hash
# Created, not started: nothing failed yet.
show_next "No failure so far: ZRTP has not finished, or the other side went clear. Wait for it: zrtpctl watch s" ||
    fail "zrtpctl show's next step before the start"
last=$(printf '%s' "$hashB" | cut -c69)
[ "$last" = 0 ] && repl=1 || repl=0
wrongB=$(printf '%s' "$hashB" | cut -c1-68)$repl
tell pa "answer 127.0.0.1 $portB $wrongB"
tell pb "answer 127.0.0.1 $portA $hashA"
ok=1
expect pa "event zrtp_hash_mismatch" || { fail "wrong hash: no zrtp_hash_mismatch"; ok=0; }
expect pa notsecure || { fail "wrong hash: A did not fail"; ok=0; }
show_next "someone may be intercepting the call" || ok=0
grep -q '^Failure:' "$tmp/show" || { fail "wrong hash: no Failure line"; ok=0; }
grep -q '^secure' "$tmp/pa.log" && { fail "wrong hash: A went secure"; ok=0; }
tell pa quit
tell pb quit
expect pa result
[ $ok -eq 1 ] && echo "ok   wrong a=zrtp-hash at start: the peer's Hello refused (zrtp_hash_mismatch), never secure, failed at the deadline"
exec 3>&- 4<&- 5>&- 6<&-
mv "$tmp/pa.log" "$tmp/pa.hash1.log"

# --- a=zrtp-hash given late: right (matched), then wrong (the session ends)
phone pa A 3 4 --side A --frames 0
phone pb B 5 6 --side B --frames 0
offer pa; portA=$port hashA=$hash
offer pb; portB=$port hashB=$hash
tell pa "answer 127.0.0.1 $portB -"
tell pb "answer 127.0.0.1 $portA -"
ok=1
expect pa secure || { fail "late hash: not secure"; ok=0; }
tell pa "peerhash $hashB"
expect pa reply
case "$line" in *'"matched":true'*) ;; *) fail "late right hash: $line"; ok=0 ;; esac
tell pa "peerhash $wrongB"
expect pa reply
case "$line" in *'"matched":false'*) ;; *) fail "late wrong hash: $line"; ok=0 ;; esac
# The events came before the reply: they are in the log already.
grep -q '^event zrtp_hash_mismatch' "$tmp/pa.log" ||
    { fail "late wrong hash: no zrtp_hash_mismatch event"; ok=0; }
grep -q '^event security.*"security":"not_secure","previous":"secure_unverified"' \
    "$tmp/pa.log" || { fail "late wrong hash: the session stayed secure"; ok=0; }
tell pa quit
tell pb quit
expect pa result
[ $ok -eq 1 ] && echo "ok   a=zrtp-hash given late: the right one matched, a wrong one ends the session (zrtp_hash_mismatch, not_secure)"
exec 3>&- 4<&- 5>&- 6<&-

[ $fails -eq 0 ] || { tail -n 30 "$tmp/A/log"; exit 1; }

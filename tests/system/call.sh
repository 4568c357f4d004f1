#!/bin/sh
# System test, part of `make check`: two zrtpd daemons on 127.0.0.1 secure
# a call between two plain-RTP softphones, through a wiretap that relays
# and inspects every datagram between the daemons. Media must arrive
# decrypted, whole and in order on both sides, both sides must show the
# same SAS (read from the control socket), and the wire must carry ZRTP
# and SRTP only, never the softphones' plain payload. A second call must
# find the first call's retained secret in both caches, and a verdict
# given on it must come back as verified on a third. A fourth call, with
# forged ZRTP packets of an unknown type injected toward B, still goes
# secure, and B reports that kind of alert once, counting the rest. In a
# fifth, B's SRTCP reaches A from a port A was not told (a peer that does
# not multiplex RTCP, behind a NAT): A, latching, takes it but never
# latches its RTP to that port.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

resA="" resB="" wire="" sasA="" sasB="" cacheA="" cacheB=""
daemon A
daemon B

# call N PHONE_OPTS: one call; sets sasA sasB resA resB wire.
call() {
	n=$1
	shift
	phone pa$n A 3 4 --side A --frames 50 --gap 5 ${AOPTS:-} "$@"
	phone pb$n B 5 6 --side B --frames 50 --gap 5 ${BOPTS:-} "$@"
	offer pa$n || return 1
	portA=$port hashA=$hash
	offer pb$n || return 1
	portB=$port hashB=$hash
	spawn tap$n 7 8 "$b/tests/system/wiretap" --a "$portA" --b "$portB" \
	    --marker ZRTPD-PLAIN-AUDIO ${TAPOPTS:-}
	expect tap$n ports
	set -- $line
	tell pa$n "answer 127.0.0.1 $2 $hashB"
	tell pb$n "answer 127.0.0.1 $3 $hashA"
	expect pa$n secure || { show pa$n; return 1; }
	sasA=$(echo "$line" | cut -d' ' -f2- | sed 's/ [^ ]*$//')
	cacheA=${line##* }
	expect pb$n secure || { show pb$n; return 1; }
	sasB=$(echo "$line" | cut -d' ' -f2- | sed 's/ [^ ]*$//')
	cacheB=${line##* }
	tell pa$n go
	tell pb$n go
	expect pa$n done || { show pa$n; return 1; }
	expect pb$n done || { show pb$n; return 1; }
	if [ -n "${VERDICT:-}" ]; then
		tell pa$n "verdict $VERDICT"
		tell pb$n "verdict $VERDICT"
		expect pa$n verdict
		expect pb$n verdict
	fi
	pair_quit pa$n pb$n
	tap_wire tap$n
	exec 3>&- 4<&- 5>&- 6<&- 7>&- 8<&-
}

# judge NAME WANT_CACHE: the checks every call must pass.
judge() {
	ok=1
	[ -n "$sasA" ] && [ "$sasA" != "-" ] || { fail "$1: no SAS"; ok=0; }
	check_eq "$1: SAS B = SAS A" "$sasB" "$sasA" || ok=0
	check_eq "$1: cache A" "$cacheA" "$2" || ok=0
	check_eq "$1: cache B" "$cacheB" "$2" || ok=0
	for r in "$resA" "$resB"; do
		check_eq "$1: frames received" "$(jfield received "$r")" 50 || ok=0
		check_eq "$1: frames damaged" "$(jfield bad "$r")" 0 || ok=0
		check_eq "$1: frames out of order" "$(jfield reordered "$r")" 0 ||
		    ok=0
		check_eq "$1: SRTP rejected" "$(jfield rejected "$r")" 0 || ok=0
	done
	check_eq "$1: plain payload seen on the wire" \
	    "$(jfield marker_hits "$wire")" 0 || ok=0
	check_eq "$1: datagrams neither ZRTP nor SRTP" \
	    "$(jfield other "$wire")" 0 || ok=0
	[ "$(jfield srtp "$wire")" -ge 100 ] ||
	    { fail "$1: SRTP on the wire: $wire"; ok=0; }
	[ "$(jfield zrtp "$wire")" -ge 8 ] ||
	    { fail "$1: ZRTP on the wire: $wire"; ok=0; }
	if [ $ok -eq 1 ]; then
		echo "ok   $1: SAS '$sasA' both sides, cache $cacheA, 50 frames each way decrypted in order; wire: $wire"
	else
		echo "  A: $resA"
		echo "  B: $resB"
		show pa$n
		show pb$n
	fi
}

call 1 && judge "first call" new || fail "first call did not complete"
# Every event names its session's call (docs/control-protocol.md, Events),
# the `secure` event too.
nocall=$(cat "$tmp/pa1.log" "$tmp/pb1.log" | grep '^event ' |
    grep -v '"call":"c' || true)
if [ -z "$nocall" ] && grep -q '^event secure ' "$tmp/pa1.log"; then
	echo "ok   first call: every event names its call"
else
	fail "first call: events without their call: $nocall"
fi
VERDICT=match call 2 && judge "second call (verdict given)" matched ||
    fail "second call did not complete"
call 3 && judge "third call" matched || fail "third call did not complete"
case "$resA" in *'"security":"secure_verified"'*) ;;
*) fail "third call: A not secure_verified after the verdict: $resA" ;; esac

# Forged packets cost the attacker a datagram each, never a log line and an
# event each (docs/control-protocol.md, alert).
TAPOPTS="--forge-unknown 4" call 4 &&
    judge "fourth call (forged packets of an unknown type toward B)" matched ||
    fail "fourth call did not complete"
forged=$(jfield forged "$wire")
told=$(grep -c 'alert: .*(unknown_message)' "$tmp/B/log" || true)
if [ "${forged:-0}" -ge 8 ] && [ "$told" -eq 1 ]; then
	echo "ok   $forged forged packets of an unknown type: one alert in B's log, the call secure"
else
	fail "forged $forged packets, B logged $told unknown_message alerts (want 1)"
fi

# Latching follows authenticated RTP, not RTCP, when the peer's RTCP has
# its own port (session_start remote_rtcp_port): else A's media went to
# the peer's RTCP socket until its next RTP latched it back.
n0=$fails
AOPTS="--latch 1 --rtcp-port 9" BOPTS="--rtcp 5" TAPOPTS="--rtcp-apart 1" \
    call 5 && judge "fifth call (B's RTCP from another port)" matched ||
    fail "fifth call did not complete"
check_eq "fifth call: A's datagrams to B's RTCP socket" \
    "$(jfield to_rtcp_apart "$wire")" 0
[ "$(jfield rtcp_received "$resA")" -ge 1 ] ||
    fail "fifth call: B's SRTCP from its own port did not reach A: $resA"
[ $fails -eq $n0 ] &&
    echo "ok   fifth call: B's SRTCP from a port A was not told taken, A's media never latched to it"

if [ $fails -ne 0 ]; then
	echo "--- daemon A log:"; tail -n 40 "$tmp/A/log"
	echo "--- daemon B log:"; tail -n 40 "$tmp/B/log"
	exit 1
fi

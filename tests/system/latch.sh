#!/bin/sh
# System test, part of `make check`: symmetric-RTP latching (session_start
# `latch`) follows a peer behind a NAT that rebinds, and nothing else.
# B's media passes through a wiretap (--nat 1) that, told "rebind", sends
# B's datagrams to A from another port of its own, as a NAT whose mapping
# of B moved. A's session, latching, must move its remote there on B's
# first SRTP that authenticates, and send its own SRTP there from then on:
# all of A's frames, sent after the move, reach B through the new port and
# none through the old one. A stranger's datagrams from a third port (RTP
# of random bytes, B's last SRTP replayed and with a bad tag, B's last
# ZRTP and a copy of B's first Hello, which matches the a=zrtp-hash A was
# given), before and after the move, never move the remote: the
# SRTP-shaped ones are counted as rejected.
# A second call (tap --drop-old 1) has B behind the NAT from the start:
# what A sends to B's signalled address is dropped, so it goes secure only
# if A latched to the NAT's port on B's ZRTP (its Hello matching
# a=zrtp-hash, then messages chaining to it). Every wait is on an event
# or a counter (the softphone's "latched" and "fence"), with a deadline.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

# check WHAT GOT WANT: check_eq, the test going on to report the rest.
check() { check_eq "$@" || :; }

daemon A
daemon B

phone pa A 3 4 --side A --frames 50 --gap 5 --latch 1
phone pb B 5 6 --side B --frames 50 --gap 5 --quiet 30000
offer pa || exit 1
portA=$port hashA=$hash
offer pb || exit 1
portB=$port hashB=$hash
spawn tap 7 8 "$b/tests/system/wiretap" --a "$portA" --b "$portB" \
    --marker ZRTPD-PLAIN-AUDIO --nat 1
expect tap nat
set -- $line
natport=$2
expect tap ports
set -- $line
oldport=$2
tell pa "answer 127.0.0.1 $2 $hashB"
tell pb "answer 127.0.0.1 $3 $hashA"
pair_secure pa pb

# show_a: A's session_show result in $shown.
show_a() {
	tell pa show
	expect pa "show " || { show pa; fail "no session_show from A"; exit 1; }
	shown=${line#show }
}

# stranger N: the stranger's datagrams, then its fence; A's session has
# read them all once its "other" counter is N. Sets rtp zrtp.
stranger() {
	_want=$1
	tell tap forge
	expect tap forged
	set -- $line
	rtp=$2 zrtp=$3
	tell pa "fence $_want"
	expect pa "fence " || true
	case "$line" in "fence reached"*) ;;
	*) show pa; show tap; fail "A never read the stranger's datagrams ($line)"; exit 1 ;; esac
}

# remote_is WHAT PORT LATCHED: A's remote, as session_show says it.
remote_is() {
	show_a
	got=$(printf '%s\n' "$shown" | jq -c '.remote | [.addr, .port, .latched]')
	check "$1: A's remote" "$got" "[\"127.0.0.1\",$2,$3]"
}

# 1. Secure, no media yet: a stranger does not move A's remote.
n1=$fails
show_a
rej0=$(printf '%s\n' "$shown" | jq .counters.rejected)
stranger 1
remote_is "a stranger before the NAT rebinds" "$oldport" false
rej1=$(printf '%s\n' "$shown" | jq .counters.rejected)
check "stranger's RTP-shaped datagrams rejected (before)" \
    "$((rej1 - rej0))" "$rtp"
[ "$rtp" -eq 1 ] || fail "the stranger's RTP: $rtp datagrams"
[ "$zrtp" -eq 2 ] || fail "the stranger had no ZRTP and Hello of B's to send: $zrtp"
[ $fails -eq $n1 ] &&
    echo "ok   before the rebinding: $rtp forged RTP rejected, copies of B's ZRTP and Hello moving nothing, A's remote unmoved"

# 2. The NAT rebinds; B sends: A latches to the new port on B's SRTP.
tell tap rebind
expect tap rebound
tell pb go
tell pa "latched $natport"
expect pa "latched " || true
case "$line" in
"latched reached"*) echo "ok   A latched to the NAT's new port $natport on B's SRTP" ;;
*) show pa; fail "A did not latch to $natport: $line" ;;
esac

# 3. A stranger, after the move, with a copy of B's SRTP (bad tag).
n2=$fails
stranger 2
[ "$rtp" -eq 3 ] || fail "the stranger had no SRTP of B's to copy: forged $rtp"
remote_is "a stranger after the NAT rebound" "$natport" true
rej2=$(printf '%s\n' "$shown" | jq .counters.rejected)
check "stranger's RTP-shaped datagrams rejected (after)" \
    "$((rej2 - rej1))" "$rtp"

# 4. A sends: every frame to the new port, B gets them all.
tell pa go
expect pa done || { show pa; fail "A's frames: no done"; }
expect pb done || { show pb; fail "B's frames: no done"; }
remote_is "after the call" "$natport" true
pair_quit pa pb
tap_wire tap
for r in "$resA" "$resB"; do
	check "frames received" "$(jfield received "$r")" 50
	check "frames damaged" "$(jfield bad "$r")" 0
done
check "SRTP rejected at B" "$(jfield rejected "$resB")" 0
check "A's datagrams to the old port once heard on the new" \
    "$(jfield to_old_late "$wire")" 0
check "A's datagrams to the stranger" "$(jfield to_stranger "$wire")" 0
check "plain payload on the wire" "$(jfield marker_hits "$wire")" 0
[ "$(jfield to_nat "$wire")" -ge 50 ] ||
    fail "A's SRTP to the NAT's new port: $wire"
[ $fails -eq $n2 ] &&
    echo "ok   after the rebinding: $rtp forged RTP (random, B's SRTP replayed, and with a bad tag) rejected, A's remote stayed; A's 50 frames all through the new port, B got them all; wire: $wire"

exec 3>&- 4<&- 5>&- 6<&- 7>&- 8<&-

# 5. B behind the NAT from the start; A's datagrams to B's signalled
# address never arrive: only latching on B's ZRTP lets the call go secure.
n5=$fails
phone pc A 3 4 --side A --frames 20 --gap 5 --latch 1
phone pd B 5 6 --side B --frames 20 --gap 5
offer pc || exit 1
portA=$port hashA=$hash
offer pd || exit 1
portB=$port hashB=$hash
spawn tap2 7 8 "$b/tests/system/wiretap" --a "$portA" --b "$portB" \
    --marker ZRTPD-PLAIN-AUDIO --nat 1 --drop-old 1
expect tap2 nat
set -- $line
natport=$2
expect tap2 ports
set -- $line
oldport=$2
tell pc "answer 127.0.0.1 $2 $hashB"
tell pd "answer 127.0.0.1 $3 $hashA"
pair_secure pc pd
tell pc show
expect pc "show " || { show pc; fail "no session_show from A"; exit 1; }
got=$(printf '%s\n' "${line#show }" | jq -c '.remote | [.addr, .port, .latched]')
check "NAT from the start: A's remote" "$got" "[\"127.0.0.1\",$natport,true]"
pair_done pc pd
pair_quit pc pd
tap_wire tap2
for r in "$resA" "$resB"; do
	check "NAT from the start: frames received" "$(jfield received "$r")" 20
done
[ "$(jfield old_dropped "$wire")" -ge 1 ] ||
    fail "NAT from the start: nothing of A's to the old address dropped: $wire"
check "NAT from the start: A's datagrams to the stranger" \
    "$(jfield to_stranger "$wire")" 0
[ $fails -eq $n5 ] &&
    echo "ok   NAT from the start: A latched to $natport on B's ZRTP, secure, 20 frames each way; A's $(jfield old_dropped "$wire") datagrams to the old address dropped"

if [ $fails -ne 0 ]; then
	echo "--- daemon A log:"; tail -n 40 "$tmp/A/log"
	exit 1
fi

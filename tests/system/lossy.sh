#!/bin/sh
# System test, part of `make check`: two zrtpd daemons secure calls between
# two softphones through a wiretap that impairs the wire between them
# (tests/system/impair.c, seeded, each seed printed): it drops, duplicates,
# reorders and tampers with ZRTP and SRTP alike. For every call, from what
# the wiretap says it did:
# - both sides go secure with the same SAS, by retransmission alone;
# - each phone gets exactly the frames that crossed with a clean copy
#   (the wiretap's srtp_good for that direction): whole, none twice (SRTP
#   replay protection), in order but where the wire reordered them;
# - each daemon counts every other copy (duplicates, tampered copies) as
#   rejected, and never hands one to its phone;
# - every tampered ZRTP packet is counted by the receiving daemon as a bad
#   CRC (zrtp_bad_crc), so the engine dropped it, and the exchange still
#   completes;
# - the daemons keep running.
# Also (0) a wire that loses every Conf2ACK (§4.6), and (c) bits flipped
# inside one kind of message with the CRC resealed (only the engine's
# checks can tell): never a wrong success.
# Seeds are fixed: a failure names its seed and reruns the same faults.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

daemon A
daemon B

FRAMES=100

# fence_both: both phones wait for the wiretap's fence (wiretap --fence
# ab) at their daemon; a phone that never sees it fails the call.
fence_both() {
	tell pa "fence 1"
	tell pb "fence 1"
	for _f in pa pb; do
		expect $_f "fence " || true
		case "$line" in "fence reached"*) ;;
		*) fail "$_f: its daemon never read the wiretap's fence: '$line'" ;;
		esac
	done
}

# tap_up WIRETAP_OPTS...: once both phones offered, the wiretap between
# them (gated, fenced, watching for the plain payload), each phone told
# the other's address through it.
tap_up() {
	offer pa || return 1
	portA=$port hashA=$hash
	offer pb || return 1
	portB=$port hashB=$hash
	spawn tap 7 8 "$b/tests/system/wiretap" --a "$portA" --b "$portB" \
	    --marker ZRTPD-PLAIN-AUDIO --gate 1 --fence ab "$@"
	expect tap ports
	set -- $line
	tell pa "answer 127.0.0.1 $2 $hashB"
	tell pb "answer 127.0.0.1 $3 $hashA"
}

# tap_down FENCE: the wiretap first: every copy it held goes out before
# it counts, then its fence; with FENCE 1 the phones read their sessions'
# counters only once each daemon has read the fence, so every copy
# before it: exact counts. Sets wire resA resB.
tap_down() {
	tell tap quit
	expect tap wire || true
	wire=${line#wire }
	[ "$1" -eq 0 ] || fence_both
	tell pa quit
	tell pb quit
	expect pa result || true
	resA=${line#result }
	expect pb result || true
	resB=${line#result }
	exec 3>&- 4<&- 5>&- 6<&- 7>&- 8<&-
}

# lcall WIRETAP_OPTS...: one call through the impairing wiretap; sets sasA
# sasB resA resB wire. PHONE_OPTS go to both phones.
lcall() {
	phone pa A 3 4 --side A --frames $FRAMES --gap 4 --quiet 300 \
	    ${PHONE_OPTS:-}
	phone pb B 5 6 --side B --frames $FRAMES --gap 4 --quiet 300 \
	    ${PHONE_OPTS:-}
	sasA="" sasB="" resA="" resB="" wire="" cacheA="" cacheB=""
	tap_up "$@" || return 1
	expect pa secure || { show pa; return 1; }
	sasA=$(echo "$line" | cut -d' ' -f2- | sed 's/ [^ ]*$//')
	cacheA=${line##* }
	expect pb secure || { show pb; return 1; }
	sasB=$(echo "$line" | cut -d' ' -f2- | sed 's/ [^ ]*$//')
	cacheB=${line##* }
	tell pa go
	tell pb go
	expect pa done || { show pa; return 1; }
	expect pb done || { show pb; return 1; }
	tap_down 1
}

# seed_call SEED WANT WHAT WIRETAP_OPTS...: one call through the wiretap
# impairing with SEED, judged; WANT names the faults it must have made.
seed_call() {
	_seed=$1 _want=$2 _what=$3
	shift 3
	lcall --seed "$_seed" "$@" ||
	    fail "seed $_seed: $_what: the call did not complete"
	WANT=$_want judge "seed $_seed, $_what"
}

# said: what the wiretap and the phones said, after a failed call.
said() {
	echo "  wire: $wire"
	echo "  A: $resA"
	echo "  B: $resB"
	show pa
	show pb
}

# phones_gone WHAT: once both phones have ended, nothing on their stderr
# (under ASan, a leak report there: the reply to "subscribe" was never
# freed, in every call).
phones_gone() {
	exec 3>&- 4<&- 5>&- 6<&- 7>&- 8<&-	# a call cut short: EOF ends them
	for _f in pa pb; do
		eval "wait \$pid_$_f" || true
		[ ! -s "$tmp/$_f.err" ] ||
		    { fail "$1: $_f's stderr: $(head -c 300 "$tmp/$_f.err")"; ok=0; }
	done
}

# wf NAME: a member of the wiretap's verdict.
wf() { jfield "$1" "$wire"; }

# judge_dir WHAT DIR RES: what crossed in direction DIR (ab, ba) against
# the receiving phone's result RES.
judge_dir() {
	_ok=0
	check_eq "$1 $2: frames received = clean packets crossed" \
	    "$(jfield received "$3")" "$(wf ${2}_srtp_good)" || _ok=1
	check_eq "$1 $2: SRTP accepted by the daemon" \
	    "$(jfield srtp_in "$3")" "$(wf ${2}_srtp_good)" || _ok=1
	check_eq "$1 $2: SRTP rejected = duplicate and tampered copies" \
	    "$(jfield rejected "$3")" "$(wf ${2}_srtp_bad)" || _ok=1
	check_eq "$1 $2: frames damaged" "$(jfield bad "$3")" 0 || _ok=1
	check_eq "$1 $2: frames delivered twice" "$(jfield dup "$3")" 0 || _ok=1
	check_eq "$1 $2: tampered ZRTP = bad CRC counted" \
	    "$(jfield zrtp_bad_crc "$3")" "$(wf ${2}_tampered_zrtp)" || _ok=1
	[ "$(jfield received "$3")" -ge $((FRAMES / 2)) ] ||
	    { fail "$1 $2: only $(jfield received "$3") frames"; _ok=1; }
	return $_ok
}

# judge WHAT: the checks every call must pass; WANT_* name the faults the
# wiretap must have made (so that no call passes by luck of a clean wire).
judge() {
	ok=1
	[ -n "$sasA" ] && [ "$sasA" != "-" ] || { fail "$1: no SAS"; ok=0; }
	check_eq "$1: SAS B = SAS A" "$sasB" "$sasA" || ok=0
	# Loss never leaves the two caches a generation apart.
	check_eq "$1: cache A" "$cacheA" "$WANT_CACHE" || ok=0
	check_eq "$1: cache B" "$cacheB" "$WANT_CACHE" || ok=0
	for r in "$resA" "$resB"; do
		case "$(jfield security "$r")" in secure_*) ;;
		*) fail "$1: not secure: $r"; ok=0 ;; esac
	done
	judge_dir "$1" ab "$resB" || ok=0
	judge_dir "$1" ba "$resA" || ok=0
	for f in ${WANT:-}; do
		[ "$(wf "ab_$f")" -gt 0 ] && [ "$(wf "ba_$f")" -gt 0 ] ||
		    { fail "$1: the wiretap made no '$f' each way"; ok=0; }
	done
	check_eq "$1: plain payload on the wire" "$(wf marker_hits)" 0 || ok=0
	for d in A B; do
		kill -0 "$(daemon_pid $d)" 2>/dev/null ||
		    { fail "$1: daemon $d is gone"; ok=0; }
	done
	phones_gone "$1"
	if [ $ok -eq 1 ]; then
		reord=$(( $(jfield reordered "$resA") + $(jfield reordered "$resB") ))
		echo "ok   $1: SAS '$sasA' both sides; frames A->B $(jfield received "$resB"), B->A $(jfield received "$resA") of $FRAMES, $reord reordered, rejected $(jfield rejected "$resB")/$(jfield rejected "$resA"), ZRTP bad CRC $(jfield zrtp_bad_crc "$resB")/$(jfield zrtp_bad_crc "$resA")"
		total_reordered=$((total_reordered + reord))
		for f in ab_tampered_zrtp ba_tampered_zrtp ab_tampered_srtp \
		    ba_tampered_srtp; do
			eval "total_$f=\$((total_$f + $(wf $f)))"
		done
	else
		said
	fi
}

# (0) RFC 6189 §4.6: a wire that loses every Conf2ACK. The initiator (A)
# MUST take the responder's first authentic SRTP for it; it checks it with
# the keys the engine hands over with Confirm2 (ZSA_SRTP_RX), so the call
# is secure at B's first frame, and every frame of both crosses. (Before,
# A had no keys until a Conf2ACK, refused B's media and failed when
# Confirm2's schedule ran out.)
phone pa A 3 4 --side A --frames 50 --gap 4 --quiet 300 --role initiator \
    --timeout 20
phone pb B 5 6 --side B --frames 50 --gap 4 --quiet 300 --role responder \
    --timeout 20
tap_up --drop-type Conf2ACK
ok=1 sasA="" sasB=""
if expect pb secure; then sasB=${line#secure }; else fail "conf2ack: B not secure"; ok=0; fi
tell pb go
if expect pa secure; then sasA=${line#secure }; else fail "conf2ack: A not secure"; ok=0; fi
tell pa go
expect pa done || true
expect pb done || true
tap_down 1
check_eq "conf2ack: SAS and cache, B = A" "$sasB" "$sasA" || ok=0
check_eq "conf2ack: frames A got" "$(jfield received "$resA")" 50 || ok=0
check_eq "conf2ack: frames B got" "$(jfield received "$resB")" 50 || ok=0
check_eq "conf2ack: A's failure" "$(jfield error "$resA")" null || ok=0
[ "$(jfield type_dropped "$wire")" -ge 1 ] ||
    { fail "conf2ack: the wiretap dropped no Conf2ACK: $wire"; ok=0; }
phones_gone conf2ack
if [ $ok -eq 1 ]; then
	echo "ok   every Conf2ACK lost ($(jfield type_dropped "$wire")): the initiator secure on the responder's first SRTP (§4.6), SAS '${sasA% *}', 50 frames each way"
else
	said
fi

total_reordered=0
WANT_CACHE=matched

# (a) loss, duplication and reordering, both ways, ZRTP and SRTP alike;
# one seed's frames cross the 16-bit sequence wrap (SRTP's rollover
# counter guessed under reordering), one's change SSRC half-way.
for seed in ${LOSSY_SEEDS:-1 2 3}; do
	case $((seed % 3)) in
	2) PHONE_OPTS="--first-seq 65480" what=", sequence wrap" ;;
	0) PHONE_OPTS="--ssrc-change" what=", new SSRC half-way" ;;
	*) PHONE_OPTS="" what="" ;;
	esac
	seed_call $seed "dropped duplicated held" \
	    "25% loss, 15% dup, 20% reordered$what" \
	    --drop 25 --dup 15 --reorder 20 --hold 3
done
PHONE_OPTS=""
[ $total_reordered -gt 0 ] ||
    fail "no frame reached a phone out of order: the reordering was not tested"

# (b) the same with tampering: one bit flipped (the CRC left as it was) in
# a quarter of the ZRTP copies and a tenth of the SRTP copies, each way.
total_ab_tampered_zrtp=0 total_ba_tampered_zrtp=0
total_ab_tampered_srtp=0 total_ba_tampered_srtp=0
for seed in ${TAMPER_SEEDS:-1 2 3}; do
	seed_call $seed "dropped duplicated held tampered_srtp" \
	    "10% loss, dup, reordered, 25% of ZRTP and 10% of SRTP tampered" \
	    --drop 10 --dup 10 --reorder 10 --tamper-zrtp 25 --tamper-srtp 10
done
for f in ab_tampered_zrtp ba_tampered_zrtp ab_tampered_srtp \
    ba_tampered_srtp; do
	eval "n=\$total_$f"
	[ "$n" -gt 0 ] || fail "the wiretap made no $f: not tested"
done
echo "ok   tampered copies over the seeds: ZRTP $total_ab_tampered_zrtp A->B, $total_ba_tampered_zrtp B->A (each counted as a bad CRC by its receiver); SRTP $total_ab_tampered_srtp A->B, $total_ba_tampered_srtp B->A (each rejected)"

# (c) tampering as an attacker in the path would: a bit flipped inside
# one kind of message and the CRC sealed again, so that only the engine's
# own checks can tell; A initiates. Hello (a=zrtp-hash) and Confirm (its
# MAC): every altered copy is dropped with an alert, a retransmission
# completes the call, and the a=zrtp-hash state ends "matched" (it stayed
# "mismatch" after a refused Hello, on a call whose Hello matched). Commit
# and DHPart2: an altered one can only be caught by what follows it (its
# MAC under H1, hvi), so the exchange is attacked: it must end on both
# sides with a named code and no frame, never secure on one side alone or
# with two SASes.
# rcall TYPE SEED: one call; sets la lb (secure/notsecure lines), resA
# resB wire.
fin() {
	while eval "IFS= read -r line <&\$fd_out_$1"; do
		printf '%s\n' "$line" >>"$tmp/$1.log"
		case "$line" in secure*|notsecure*) return 0 ;; esac
	done
	return 1
}
rcall() {
	phone pa A 3 4 --side A --frames 20 --gap 4 --quiet 300 \
	    --role initiator --timeout 20
	phone pb B 5 6 --side B --frames 20 --gap 4 --quiet 300 \
	    --role responder --timeout 20
	tap_up --seed "$2" --reseal 1 --tamper-type "$1" --tamper-zrtp 50
	la="" lb=""
	fin pa && la=$line
	fin pb && lb=$line
	# A session that ended reads no more: only a secure call is fenced.
	case "$la $lb" in
	secure*" secure"*)
		tell pa go
		tell pb go
		expect pa done || true
		expect pb done || true
		tap_down 1 ;;
	*)
		tap_down 0 ;;
	esac
}
# Seed 10 alters a Confirm's CFB IV, which confirm_mac leaves out: that
# ended the exchange (0x70) before the engine dropped it like a bad MAC.
for ts in Hello:7 Confirm:7 Confirm:10 Commit:7 DHPart2:7; do
	t=${ts%:*} sd=${ts#*:}
	rcall $t $sd
	ok=1
	n=$(( $(wf ab_tampered_zrtp) + $(wf ba_tampered_zrtp) ))
	[ "$n" -gt 0 ] || { fail "resealed $t: nothing altered"; ok=0; }
	check_eq "resealed $t: plain payload on the wire" "$(wf marker_hits)" 0 ||
	    ok=0
	for r in "$resA" "$resB"; do
		check_eq "resealed $t: bad CRC" "$(jfield zrtp_bad_crc "$r")" 0 ||
		    ok=0
	done
	case "$la|$lb" in
	secure*"|secure"*)
		check_eq "resealed $t: SAS B = SAS A" "${lb% *}" "${la% *}" || ok=0
		for r in "$resA" "$resB"; do
			check_eq "resealed $t: frames" "$(jfield received "$r")" 20 ||
			    ok=0
			check_eq "resealed $t: a=zrtp-hash state" \
			    "$(jfield zrtp_hash_state "$r")" matched || ok=0
		done
		alerts=$(cat "$tmp/pa.log" "$tmp/pb.log" |
		    grep -c '^event \(alert\|zrtp_hash_mismatch\)' || true)
		[ "$alerts" -gt 0 ] || { fail "resealed $t: no alert"; ok=0; }
		outcome="$n altered copies dropped ($alerts alerts), secure, SAS '$(echo "$la" | cut -d" " -f2)'" ;;
	notsecure*"|notsecure"*)
		case "$t" in Hello|Confirm)
			fail "resealed $t: the call failed: $resA" ; ok=0 ;;
		esac
		for r in "$resA" "$resB"; do
			[ "$(jfield code "$r")" != "" ] ||
			    { fail "resealed $t: no error code: $r"; ok=0; }
			check_eq "resealed $t: frames" "$(jfield received "$r")" 0 ||
			    ok=0
		done
		outcome="ended on both sides ($(jfield code "$resA") / $(jfield code "$resB")), no frame" ;;
	*)
		fail "resealed $t: A '$la', B '$lb'"; ok=0 ;;
	esac
	for d in A B; do
		kill -0 "$(daemon_pid $d)" 2>/dev/null ||
		    { fail "resealed $t: daemon $d is gone"; ok=0; }
	done
	phones_gone "resealed $t"
	if [ $ok -eq 1 ]; then
		echo "ok   $t altered, CRC resealed (seed $sd): $outcome"
	else
		said
	fi
done

[ $fails -eq 0 ] || { tail -n 30 "$tmp/A/log"; tail -n 30 "$tmp/B/log"; exit 1; }

#!/bin/sh
# System test, part of `make check`: a softphone on zrtpd calls Debian's
# libbzrtp (tests/interop/bzpeer, as in bzrtp.sh) through a wiretap that
# drops, duplicates and reorders ZRTP and SRTP both ways
# (tests/system/impair.c, seeded, each seed printed), with zrtpd as
# initiator and as responder. For every call: both sides secure with the
# same SAS, bzrtp's cache continuous (no mismatch, matched after the first
# call); bzrtp decrypts exactly the clean packets that crossed to it and
# refuses every duplicate as a replay; our phone gets every packet zrtpd
# accepted, whole and once; every SRTP copy that reached zrtpd is accepted,
# rejected (a duplicate) or withheld before its keys (require); the daemon
# keeps running.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

daemon A
FRAMES=50

# bzlcall ROLE SEED WANT_CACHE: one call; zrtpd in ROLE.
bzlcall() {
	ok=1
	phone pa A 3 4 --side A --frames $FRAMES --gap 4 --quiet 300 \
	    --probe-pattern --role "$1"
	offer pa; pa_port=$port
	spawn tap 7 8 "$b/tests/system/wiretap" --a "$pa_port" --b 0 \
	    --marker ZRTPD-PLAIN-AUDIO --seed "$2" --drop 20 --dup 10 \
	    --reorder 20 --fence ab
	expect tap ports
	tap_a=$(echo "$line" | cut -d' ' -f2) tap_b=$(echo "$line" | cut -d' ' -f3)
	spawn bz 5 6 "$b/tests/interop/bzpeer" --local 127.0.0.1:0 \
	    --remote "127.0.0.1:$tap_b" --srtp $FRAMES --srtp-quiet 300 \
	    --srtp-fence \
	    --timeout 20 --cache "$tmp/bz.db"
	expect bz '{"event":"bound"'
	tell pa "answer 127.0.0.1 $tap_a -"
	sas="" cache="" bzsec="" bzsrtp="" res="" wire=""
	if expect pa secure; then
		sas=$(echo "$line" | cut -d' ' -f2- | sed 's/ [^ ]*$//')
		cache=${line##* }
	else
		fail "$1 seed $2: not secure"; ok=0
	fi
	tell pa go
	expect bz '{"event":"secure"' || { fail "$1 seed $2: bzrtp not secure"; ok=0; }
	bzsec=$line
	expect bz '{"event":"srtp_sent"' ||
	    { fail "$1 seed $2: bzrtp did not send all"; ok=0; }
	expect pa done || true
	# Both ends sent all. The wiretap relays what reached it, sends what
	# it held, counts, then its fence each way: bzrtp reports when it
	# gets it, our phone reads the session's counters and its own once
	# zrtpd has read it, so every copy before it: exact counts.
	tell tap quit
	expect tap wire || true
	wire=${line#wire }
	expect bz '{"event":"srtp"' || { fail "$1 seed $2: bzrtp's SRTP report"; ok=0; }
	bzsrtp=$line
	tell pa "fence 1"
	expect pa "fence " || true
	case "$line" in "fence reached"*) ;;
	*) fail "$1 seed $2: zrtpd never read the wiretap's fence: '$line'"; ok=0 ;;
	esac
	tell pa quit
	expect pa result || true
	res=${line#result }
	exec 3>&- 4<&- 5>&- 6<&- 7>&- 8<&-
	check_eq "$1 seed $2: SAS (bzrtp's)" "$sas" \
	    "$(jfield sas "$bzsec" | tr ':' ' ')" || ok=0
	check_eq "$1 seed $2: cache" "$cache" "$3" || ok=0
	check_eq "$1 seed $2: bzrtp's cache mismatch" \
	    "$(jfield cache_mismatch "$bzsec")" 0 || ok=0
	check_eq "$1 seed $2: bzrtp decrypted = clean packets crossed" \
	    "$(jfield received "$bzsrtp")" "$(jfield ab_srtp_good "$wire")" || ok=0
	check_eq "$1 seed $2: bzrtp refused as replays = duplicates" \
	    "$(jfield replayed "$bzsrtp")" "$(jfield ab_srtp_bad "$wire")" || ok=0
	check_eq "$1 seed $2: bzrtp's damaged" "$(jfield bad "$bzsrtp")" 0 || ok=0
	check_eq "$1 seed $2: frames our phone got = SRTP zrtpd accepted" \
	    "$(jfield received "$res")" "$(jfield srtp_in "$res")" || ok=0
	check_eq "$1 seed $2: SRTP copies at zrtpd" \
	    $(( $(jfield srtp_in "$res") + $(jfield rejected "$res") + \
	    $(jfield clear_dropped "$res") )) \
	    $(( $(jfield ba_srtp_good "$wire") + $(jfield ba_srtp_bad "$wire") )) ||
	    ok=0
	check_eq "$1 seed $2: frames damaged" "$(jfield bad "$res")" 0 || ok=0
	check_eq "$1 seed $2: frames delivered twice" "$(jfield dup "$res")" 0 ||
	    ok=0
	[ "$(jfield received "$res")" -ge $((FRAMES / 2)) ] ||
	    { fail "$1 seed $2: our phone got $(jfield received "$res")"; ok=0; }
	for f in dropped duplicated held; do
		[ "$(jfield "ab_$f" "$wire")" -gt 0 ] &&
		    [ "$(jfield "ba_$f" "$wire")" -gt 0 ] ||
		    { fail "$1 seed $2: the wiretap made no '$f' each way"; ok=0; }
	done
	kill -0 "$(daemon_pid A)" 2>/dev/null ||
	    { fail "$1 seed $2: the daemon is gone"; ok=0; }
	if [ $ok -eq 1 ]; then
		echo "ok   zrtpd as $1 against bzrtp, seed $2, 20% loss, 10% dup, 20% reordered: SAS '$sas', cache $cache; bzrtp decrypted $(jfield received "$bzsrtp") of $FRAMES and refused $(jfield replayed "$bzsrtp") replays; our phone got $(jfield received "$res"), zrtpd rejected $(jfield rejected "$res")"
	else
		echo "  wire: $wire"
		echo "  bz: $bzsec"
		echo "  bz: $bzsrtp"
		echo "  res: $res"
		show pa
		show bz
	fi
}

# Odd seeds with zrtpd initiating, even ones responding; the first call
# is new to both caches, the others match.
want=new
for seed in ${LOSSY_SEEDS:-1 2 3 4}; do
	if [ $((seed % 2)) -eq 1 ]; then role=initiator; else role=responder; fi
	bzlcall $role $seed $want
	want=matched
done

[ $fails -eq 0 ] || { tail -n 30 "$tmp/A/log"; exit 1; }

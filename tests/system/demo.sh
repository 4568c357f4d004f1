#!/bin/sh
# The README's first command (./dev demo): two zrtpd daemons on 127.0.0.1,
# "alice" and "bob", each paired with a plain-RTP softphone over its control
# socket; a wiretap between the daemons relays and shows the wire. A call is
# secured, both people see the same SAS, 50 audio frames go each way, arrive
# decrypted, whole and in order, and the wire carries only ZRTP and SRTP.
# A second call then finds the first call's retained secret in both caches.
set -eu
b=${1:-.}
top_builddir=$b
. "$(dirname "$0")/lib.sh"

say() { printf '\n=== %s\n' "$*"; }
plain() { printf '  %s\n' "$*"; }

say "1. two zrtpd daemons on 127.0.0.1 (each runs its crypto self-test first)"
daemon alice
daemon bob
for d in alice bob; do
	plain "$d: $(grep -h 'ready' "$tmp/$d/log" | sed 's/^zrtpd\[[a-z]*\]: //')"
done

# call N: one call between the two softphones, shown.
call() {
	n=$1
	phone alice$n alice 3 4 --side A --frames 50 --gap 10
	phone bob$n bob 5 6 --side B --frames 50 --gap 10
	offer alice$n
	portA=$port hashA=$hash
	offer bob$n
	portB=$port hashB=$hash
	if [ "$n" -eq 1 ]; then
		say "2. each softphone asks its daemon for a session (its SDP offer)"
		plain "alice's phone: media port $portA, a=zrtp-hash:$hashA"
		plain "bob's phone:   media port $portB, a=zrtp-hash:$hashB"
	fi
	spawn tap$n 7 8 "$b/tests/system/wiretap" --a "$portA" --b "$portB" \
	    --marker ZRTPD-PLAIN-AUDIO --show 14
	expect tap$n ports
	set -- $line
	tell alice$n "answer 127.0.0.1 $2 $hashB"
	tell bob$n "answer 127.0.0.1 $3 $hashA"
	expect alice$n secure
	sasA=$(echo "$line" | cut -d' ' -f2- | sed 's/ [^ ]*$//') cacheA=${line##* }
	expect bob$n secure
	sasB=$(echo "$line" | cut -d' ' -f2- | sed 's/ [^ ]*$//') cacheB=${line##* }
	tell alice$n go
	tell bob$n go
	expect alice$n done
	expect bob$n done
	if [ "$n" -eq 1 ]; then
		say "3. the call is secured: what each person reads on their phone (from the control socket)"
		plain "alice sees SAS \"$sasA\"   (cache: $cacheA peer)"
		plain "bob   sees SAS \"$sasB\"   (cache: $cacheB peer)"
		[ "$sasA" = "$sasB" ] && plain "the same words on both sides: no one is in the middle"
		if [ -x "$b/cli/zrtpctl" ]; then
			say "4. zrtpctl on alice's daemon, as a person would ask"
			"$b/cli/zrtpctl" --color never --socket "$tmp/alice/ctl.sock" \
			    sessions 2>&1 | sed 's/^/  /'
		fi
		tell alice$n "verdict match"
		tell bob$n "verdict match"
		expect alice$n verdict
		expect bob$n verdict
	fi
	pair_quit alice$n bob$n
	tap_wire tap$n
	exec 3>&- 4<&- 5>&- 6<&- 7>&- 8<&-
}

call 1
say "5. the media: each softphone sent 50 numbered frames of plain RTP to its daemon"
plain "a frame as the phone sends it (payload): ZRTPD-PLAIN-AUDIO A #00001 ..."
plain "alice's phone received $(jfield received "$resA")/50 of bob's frames, $(jfield bad "$resA") damaged, $(jfield reordered "$resA") out of order"
plain "bob's phone received   $(jfield received "$resB")/50 of alice's frames, $(jfield bad "$resB") damaged, $(jfield reordered "$resB") out of order"
say "6. the wire between the daemons, as the wiretap saw it"
grep -E '^  (A->B|B->A)' "$tmp/tap1.log" || true
plain "..."
plain "ZRTP messages: $(jfield zrtp "$wire") ($(jfield zrtp_types "$wire"))"
plain "SRTP packets:  $(jfield srtp "$wire"), anything else: $(jfield other "$wire")"
plain "the plain payload \"ZRTPD-PLAIN-AUDIO\" seen on the wire: $(jfield marker_hits "$wire") times"

call 2
say "7. a second call: both daemons find the first call's retained secret"
plain "alice sees SAS \"$sasA\" (cache: $cacheA), bob sees \"$sasB\" (cache: $cacheB)"
plain "$(jfield received "$resA")/50 and $(jfield received "$resB")/50 frames; plain payload on the wire: $(jfield marker_hits "$wire") times"

ok=1
[ "$sasA" = "$sasB" ] || ok=0
[ "$(jfield marker_hits "$wire")" = 0 ] || ok=0
[ "$(jfield received "$resA")" = 50 ] && [ "$(jfield received "$resB")" = 50 ] || ok=0
if [ $ok -eq 1 ]; then
	say "secured with the same SAS, media decrypted on both sides, only ZRTP and SRTP on the wire"
else
	say "SOMETHING WENT WRONG: see above"
	exit 1
fi

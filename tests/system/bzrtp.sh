#!/bin/sh
# System test, part of `make check`: zrtpd against an independent ZRTP
# implementation. A softphone on one daemon calls Debian's libbzrtp
# (tests/interop/bzpeer) over UDP on 127.0.0.1, with the daemon as
# initiator and as responder: both sides secure with the same SAS, and 20
# RTP packets each way cross as SRTP (libsrtp2 on both ends) and arrive
# whole (bzrtp's payload pattern, checked by both). A second call finds the
# retained secret of the first on both sides (zrtpd matched, bzrtp no
# cache mismatch), and both mark its SAS verified: the third is verified
# at once on both sides (zrtpd's first secure state secure_verified,
# bzrtp's verified flag), so the V flag crosses implementations.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

daemon A

# bzcall ROLE CACHE_WANT [VERIFY]: VERIFY "verify" has both sides mark
# the SAS verified (sas_verdict match; bzrtp_SASVerified).
bzcall() {
	phone pa A 3 4 --side A --frames 20 --gap 5 --probe-pattern --role "$1"
	offer pa; pa_port=$port
	spawn bz 5 6 "$b/tests/interop/bzpeer" --local 127.0.0.1:0 \
	    --remote "127.0.0.1:$pa_port" --srtp 20 --timeout 20 \
	    --cache "$tmp/bz.db" ${3:+--sas-verified}
	expect bz '{"event":"bound"'
	bz_port=$(echo "$line" | sed 's/.*"port":\([0-9]*\).*/\1/')
	tell pa "answer 127.0.0.1 $bz_port -"
	ok=1
	if expect pa secure; then
		sas=$(echo "$line" | cut -d' ' -f2- | sed 's/ [^ ]*$//')
		cache=${line##* }
	else
		sas="" cache=""
		fail "$1: not secure"; ok=0
	fi
	tell pa go
	expect bz '{"event":"secure"' || { fail "$1: bzrtp not secure"; ok=0; }
	bzsec=$line
	expect bz '{"event":"srtp"' || { fail "$1: bzrtp's SRTP report"; ok=0; }
	bzsrtp=$line
	expect pa done || true
	if [ -n "${3:-}" ]; then
		tell pa "verdict match"
		expect pa verdict || { fail "$1: verdict"; ok=0; }
	fi
	tell pa quit
	expect pa result || true
	res=${line#result }
	exec 3>&- 4<&- 5>&- 6<&-
	check_eq "$1: SAS (bzrtp's)" "$sas" "$(jfield sas "$bzsec" | tr ':' ' ')" || ok=0
	check_eq "$1: cache" "$cache" "$2" || ok=0
	check_eq "$1: role" "$(jfield role "$bzsec")" \
	    "$([ "$1" = initiator ] && echo responder || echo initiator)" || ok=0
	check_eq "$1: SRTP bzrtp decrypted" "$(jfield received "$bzsrtp")" 20 || ok=0
	check_eq "$1: SRTP bzrtp refused" "$(jfield bad "$bzsrtp")" 0 || ok=0
	check_eq "$1: frames our phone got" "$(jfield received "$res")" 20 || ok=0
	check_eq "$1: frames damaged" "$(jfield bad "$res")" 0 || ok=0
	check_eq "$1: bzrtp's cache mismatch" "$(jfield cache_mismatch "$bzsec")" 0 ||
	    ok=0
	# Its client identifier as people see it: Debian 12's libbzrtp pads
	# "BZRTPv1.1" with NULs, which are no part of the text.
	check_eq "$1: bzrtp's client id (peer event)" "$(grep '^event peer ' \
	    "$tmp/pa.log" | head -n 1 | jfield client_id "$(cat)")" BZRTPv1.1 ||
	    ok=0
	# Our first secure state, and bzrtp's verified (both V flags, §7.1).
	first=$(grep '^event security' "$tmp/pa.log" | grep -o \
	    '"security":"\(secure_[a-z]*\|cache_mismatch\)"' | head -n 1 |
	    cut -d'"' -f4)
	check_eq "$1: our first secure state" "$first" "${WANT_STATE:-secure_unverified}" ||
	    ok=0
	check_eq "$1: bzrtp's verified" "$(jfield verified "$bzsec")" \
	    "${WANT_VERIFIED:-0}" || ok=0
	mv "$tmp/pa.log" "$tmp/pa.$1.$2.log"
	if [ $ok -eq 1 ]; then
		echo "ok   zrtpd as $1 against bzrtp: SAS '$sas', cache $cache, $first, 20 SRTP packets each way${3:+, both sides verify}"
	else
		cp "$tmp/pa.$1.$2.log" "$tmp/pa.log"
		show pa
		show bz
	fi
}

bzcall initiator new
bzcall responder matched verify
# Both V flags set, the cache matched: verified at once on both sides.
WANT_STATE=secure_verified WANT_VERIFIED=1 bzcall initiator matched

[ $fails -eq 0 ] || { tail -n 30 "$tmp/A/log"; exit 1; }

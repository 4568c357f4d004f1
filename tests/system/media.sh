#!/bin/sh
# System test, part of `make check`: the relay's media path beyond plain
# RTP over IPv4.
# 1. RTCP: each softphone sends an RTCP compound (SR + APP carrying the
#    plain-text marker) every 5 frames; it crosses as SRTCP (the wiretap
#    counts it, never sees the marker) and arrives whole; and half-way each
#    phone changes its SSRC (a re-INVITE): every frame still arrives.
# 2. IPv6: the same call with both media ports on ::1.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

daemon A
daemon B

# --- RTCP and an SSRC change, through the wiretap
phone pa A 3 4 --side A --frames 50 --gap 5 --rtcp 5 --ssrc-change
phone pb B 5 6 --side B --frames 50 --gap 5 --rtcp 5 --ssrc-change
offer pa; portA=$port hashA=$hash
offer pb; portB=$port hashB=$hash
spawn tap 7 8 "$b/tests/system/wiretap" --a "$portA" --b "$portB" \
    --marker ZRTPD-PLAIN-AUDIO
expect tap ports
set -- $line
tell pa "answer 127.0.0.1 $2 $hashB"
tell pb "answer 127.0.0.1 $3 $hashA"
ok=1
expect pa secure || { show pa; ok=0; }
expect pb secure || { show pb; ok=0; }
pair_done pa pb
pair_quit pa pb
tap_wire tap
exec 3>&- 4<&- 5>&- 6<&- 7>&- 8<&-
for r in "$resA" "$resB"; do
	check_eq "rtcp: frames" "$(jfield received "$r")" 50 || ok=0
	check_eq "rtcp: damaged" "$(jfield bad "$r")" 0 || ok=0
	check_eq "rtcp: RTCP received" "$(jfield rtcp_received "$r")" 10 || ok=0
	check_eq "rtcp: SRTCP sent" "$(jfield srtcp_out "$r")" 10 || ok=0
	check_eq "rtcp: SRTCP received" "$(jfield srtcp_in "$r")" 10 || ok=0
done
check_eq "rtcp: SRTCP on the wire" "$(jfield srtcp "$wire")" 20 || ok=0
check_eq "rtcp: plain text on the wire" "$(jfield marker_hits "$wire")" 0 || ok=0
check_eq "rtcp: neither ZRTP nor SRTP(C)" "$(jfield other "$wire")" 0 || ok=0
[ $ok -eq 1 ] && echo "ok   RTCP crosses as SRTCP (20 on the wire, none in clear) and arrives whole; a new SSRC half-way loses no frame"

# --- IPv6
pair_addr=::1
pair pa pb --frames 20 --gap 5 --media-addr ::1
pair_addr=
ok=1
if expect pa secure; then sasA=$line; else sasA=""; show pa; ok=0; fi
if expect pb secure; then sasB=$line; else sasB=""; show pb; ok=0; fi
pair_done pa pb
pair_quit pa pb
exec 3>&- 4<&- 5>&- 6<&-
check_eq "ipv6: SAS" "${sasB% *}" "${sasA% *}" || ok=0
check_eq "ipv6: frames A" "$(jfield received "$resA")" 20 || ok=0
check_eq "ipv6: frames B" "$(jfield received "$resB")" 20 || ok=0
[ $ok -eq 1 ] && echo "ok   IPv6: media ports on ::1, secured (${sasA% *}), 20 frames each way"

[ $fails -eq 0 ] || { tail -n 30 "$tmp/A/log"; exit 1; }

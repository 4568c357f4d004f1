#!/bin/bash
# System test, part of `make check`: keys mode and Multistream.
# 1. Two daemons, each paired with a "media relay" in keys mode that owns
#    its media socket and forwards ZRTP through the session's loopback port:
#    both end secure with the same SAS and the keys each is handed mirror
#    the other's (our send key is the peer's receive key).
#    (bash: the Multistream part needs more than nine descriptors.)
# 2. A call of two streams in relay mode between two daemons: the first runs
#    DH, the second Multistream (no SAS of its own); frames pass on both.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

daemon A
daemon B

# --- keys mode
phone ka A 3 4 --side A --mode keys --frames 0
phone kb B 5 6 --side B --mode keys --frames 0
offer ka; pa=$port ha=$hash
offer kb; pb=$port hb=$hash
tell ka "answer 127.0.0.1 $pb $hb"
tell kb "answer 127.0.0.1 $pa $ha"
if expect ka keys; then keysA=$line; else keysA=""; show ka; fi
if expect kb keys; then keysB=$line; else keysB=""; show kb; fi
expect ka secure || true
expect kb secure || true
set -- $keysA
txA=${2:-} rxA=${3:-} suite=${4:-}
set -- $keysB
txB=${2:-} rxB=${3:-}
ok=1
[ -n "$txA" ] && [ ${#txA} -eq 32 ] || { fail "keys mode: no key in A's secure event: '$keysA'"; ok=0; }
check_eq "keys mode: A's send key = B's receive key" "$txA" "$rxB" || ok=0
check_eq "keys mode: A's receive key = B's send key" "$rxA" "$txB" || ok=0
[ "$txA" != "$rxA" ] || { fail "keys mode: both directions share a key"; ok=0; }
grep -q '^secure ' "$tmp/ka.log" || { fail "keys mode: A not secure"; ok=0; }
sasA=$(sed -n 's/^secure \(.*\) [a-z]*$/\1/p' "$tmp/ka.log")
sasB=$(sed -n 's/^secure \(.*\) [a-z]*$/\1/p' "$tmp/kb.log")
check_eq "keys mode: SAS" "$sasB" "$sasA" || ok=0
tell ka quit
tell kb quit
expect ka result
expect kb result
exec 3>&- 4<&- 5>&- 6<&-
[ $ok -eq 1 ] && echo "ok   keys mode: keys handed out mirror each other ($suite), SAS '$sasA'"

# --- Multistream: audio, then video joining the audio's call
phone a1 A 3 4 --side A --frames 30 --gap 5
phone b1 B 5 6 --side B --frames 30 --gap 5
offer a1; pa1=$port ha1=$hash ca=$callid
offer b1; pb1=$port hb1=$hash cb=$callid
phone a2 A 7 8 --side A --frames 30 --gap 5 --call "$ca"
phone b2 B 9 10 --side B --frames 30 --gap 5 --call "$cb"
offer a2; pa2=$port ha2=$hash
offer b2; pb2=$port hb2=$hash
# The video stream starts first: it must wait for the audio to be secure.
tell a2 "answer 127.0.0.1 $pb2 $hb2"
tell b2 "answer 127.0.0.1 $pa2 $ha2"
tell a1 "answer 127.0.0.1 $pb1 $hb1"
tell b1 "answer 127.0.0.1 $pa1 $ha1"
ok=1
for p in a1 b1 a2 b2; do
	expect $p secure || { fail "multistream: $p not secure"; show $p; ok=0; }
done
for p in a1 b1 a2 b2; do tell $p go; done
for p in a1 b1 a2 b2; do expect $p done || { show $p; ok=0; }; done
for p in a1 b1 a2 b2; do tell $p quit; done
for p in a1 b1 a2 b2; do
	expect $p result
	r=${line#result }
	check_eq "multistream: $p frames" "$(jfield received "$r")" 30 || ok=0
	check_eq "multistream: $p damaged" "$(jfield bad "$r")" 0 || ok=0
done
grep -q '"security":"secure_unverified"' "$tmp/a2.log" || ok=0
grep -q '"multistream":true' "$tmp/a2.log" ||
    { fail "multistream: the video stream's secure event says no Multistream"; ok=0; }
grep -q '"event":"sas_ready"' "$tmp/a2.log" &&
    { fail "multistream: the video stream has a SAS of its own"; ok=0; }
sas1=$(sed -n 's/^secure \(.*\) [a-z]*$/\1/p' "$tmp/a1.log")
[ $ok -eq 1 ] && echo "ok   multistream: audio (SAS '$sas1') and video (Multistream, no SAS) secured, 30 frames each way on both"
exec 3>&- 4<&- 5>&- 6<&- 7>&- 8<&- 9>&- 10<&-

[ $fails -eq 0 ] || { tail -n 30 "$tmp/A/log"; exit 1; }

#!/bin/sh
# System test, part of `make check`: the peer's a=zrtp-hash against an
# impostor, and an announced ZRTP that never comes (RFC 6189 §8.1;
# docs/control-protocol.md, policy). policy.sh covers the plain cases;
# this one adds:
# - an impostor: A is given B's a=zrtp-hash, but another ZRTP daemon (C)
#   answers at the address, under best-effort: A refuses C's Hellos (one
#   zrtp_hash_mismatch event naming B's hash, however many Hellos come),
#   fails at its handshake deadline with hello_hash_mismatch (a `failed`
#   event, not `no_zrtp`: C did speak ZRTP), neither side goes secure, and
#   no media passes either way in clear (an announced ZRTP makes
#   best-effort behave as require);
# - the same impostor when B's hash is given late (session_peer_hash after
#   the exchange): matched false, the session ends not_secure;
# - a peer that announced ZRTP (its hash given) and never speaks it, under
#   best-effort: no media in clear either way, no_zrtp with media_clear
#   false.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

daemon A --handshake_timeout 6
daemon B
daemon C
daemon D --handshake_timeout 2

# --- the impostor, B's hash given at start, best-effort
phone pb B 7 8 --side B --frames 0
offer pb; hashB=$hash
phone pa D 3 4 --side A --frames 20 --gap 5 --policy best-effort
phone pc C 5 6 --side B --frames 20 --gap 5 --policy best-effort
offer pa; portA=$port hashA=$hash
offer pc; portC=$port
tell pa "answer 127.0.0.1 $portC $hashB"
tell pc "answer 127.0.0.1 $portA $hashA"
tell pa go
tell pc go
ok=1
expect pa "event zrtp_hash_mismatch" ||
    { fail "impostor: no zrtp_hash_mismatch"; ok=0; }
ev=$line
case "$ev" in
*"\"expected\":\"${hashB#* }\""*) ;;
*) fail "impostor: the event does not name B's hash: $ev"; ok=0 ;;
esac
# Refused Hellos, then the handshake deadline (2 s on D): failed. The
# phone's "done" may come before or after.
expect pa notsecure || { fail "impostor: A did not fail"; ok=0; }
check_eq "impostor: how A failed" "$line" "notsecure failed" || ok=0
grep -q '^done' "$tmp/pa.log" || expect pa done || true
expect pc done || true
tell pa quit
tell pc quit
expect pa result; ra=${line#result }
expect pc result; rc=${line#result }
grep -q '^secure' "$tmp/pa.log" && { fail "impostor: A went secure"; ok=0; }
grep -q '^secure' "$tmp/pc.log" && { fail "impostor: C went secure"; ok=0; }
check_eq "impostor: frames A got" "$(jfield received "$ra")" 0 || ok=0
check_eq "impostor: frames C got" "$(jfield received "$rc")" 0 || ok=0
check_eq "impostor: A's security" "$(jfield security "$ra")" not_secure || ok=0
case "$ra" in *'"error":{"code":"hello_hash_mismatch"'*) ;;
*) fail "impostor: A's error: $ra"; ok=0 ;; esac
check_eq "impostor: zrtp_hash_mismatch events (once a session)" \
    "$(grep -c '^event zrtp_hash_mismatch' "$tmp/pa.log")" 1 || ok=0
grep -q '^event no_zrtp' "$tmp/pa.log" &&
    { fail "impostor: reported as no_zrtp: C spoke ZRTP"; ok=0; }
grep -q '"media_clear":true' "$tmp/pa.log" &&
    { fail "impostor: A said media_clear true"; ok=0; }
[ $ok -eq 1 ] && echo "ok   an impostor answers for B (B's hash given at start, best-effort): its Hello refused (zrtp_hash_mismatch), failed at the deadline, neither side secure, no frame in clear either way ($(jfield clear_dropped "$ra") held back)"
exec 3>&- 4<&- 5>&- 6<&-
tell pb quit
exec 7>&- 8<&-
mv "$tmp/pa.log" "$tmp/pa.1.log"; mv "$tmp/pc.log" "$tmp/pc.1.log"

# --- the impostor, B's hash given late
phone pb B 7 8 --side B --frames 0
offer pb; hashB=$hash
phone pa A 3 4 --side A --frames 0
phone pc C 5 6 --side B --frames 0
offer pa; portA=$port hashA=$hash
offer pc; portC=$port
tell pa "answer 127.0.0.1 $portC -"
tell pc "answer 127.0.0.1 $portA $hashA"
ok=1
expect pa secure || { fail "late: A and C not secure"; ok=0; }
tell pa "peerhash $hashB"
expect pa reply
case "$line" in *'"matched":false'*) ;; *) fail "late: $line"; ok=0 ;; esac
grep -q '^event zrtp_hash_mismatch' "$tmp/pa.log" ||
    { fail "late: no zrtp_hash_mismatch event"; ok=0; }
tell pa quit
expect pa result; ra=${line#result }
check_eq "late: A's security" "$(jfield security "$ra")" not_secure || ok=0
case "$ra" in *'"code":"hello_hash_mismatch"'*) ;;
*) fail "late: A's error: $ra"; ok=0 ;; esac
[ $ok -eq 1 ] && echo "ok   B's hash given late, an impostor's Hello in: matched false, the session ends not_secure (hello_hash_mismatch)"
tell pc quit
tell pb quit
exec 3>&- 4<&- 5>&- 6<&- 7>&- 8<&-

# --- ZRTP announced, never spoken, best-effort
phone pa A 3 4 --side A --frames 20 --gap 5 --policy best-effort
phone pp - 5 6 --side B --frames 20 --gap 5 --plain
offer pa; portA=$port
offer pp; portP=$port
tell pa "answer 127.0.0.1 $portP $hashB"
tell pp "answer 127.0.0.1 $portA -"
ok=1
expect pa notsecure || { fail "announced: no no_zrtp"; ok=0; }
pair_done pa pp
pair_quit pa pp
check_eq "announced: frames the plain peer got" "$(jfield received "$resB")" 0 || ok=0
check_eq "announced: frames our phone got" "$(jfield received "$resA")" 0 || ok=0
check_eq "announced: security" "$(jfield security "$resA")" not_secure || ok=0
grep -q '^event no_zrtp.*"media_clear":false' "$tmp/pa.log" ||
    { fail "announced: no_zrtp without media_clear false"; ok=0; }
grep -q '"media_clear":true' "$tmp/pa.log" &&
    { fail "announced: A said media_clear true"; ok=0; }
[ $ok -eq 1 ] && echo "ok   best-effort, ZRTP announced (a=zrtp-hash) and never spoken: behaves as require, no frame either way, no_zrtp (media_clear false)"
exec 3>&- 4<&- 5>&- 6<&-

[ $fails -eq 0 ] || { show pa; tail -n 30 "$tmp/A/log" "$tmp/D/log"; exit 1; }

#!/bin/sh
# System test, part of `make check`: a control client that repeats
# sas_verdict cannot take the locked memory every session needs. Each
# verdict on a secure session was a cache write of its own (a job in the
# locked arena until the cache thread answered): with the cache slow (here
# its write lock held by another process, tests/system/dblock), a few
# hundred verdicts in a row filled the arena, and sessions of everyone
# else could no longer be created. Now a session has at most one verdict
# write out; later verdicts wait for it, and the last one is written.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

daemon A --max_sessions 4
daemon B
pair a1 b1 --frames 20 --gap 5 --timeout 60
pair_secure a1 b1
sid=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    '{"id":2,"cmd":"session_list"}' | ctl A | tail -n 1 |
    jq -r '[.result.sessions[] | select(.ended != true)][0].session')
# The first verdict writes rs1 with V; the later ones the flag alone.
printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    "{\"id\":2,\"cmd\":\"sas_verdict\",\"session\":\"$sid\",\"verdict\":\"match\"}" |
    ctl A >"$tmp/v0"
want_reply "$tmp/v0" 2 "first verdict" ok
aport=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    "{\"id\":2,\"cmd\":\"session_show\",\"session\":\"$sid\"}" | ctl A |
    tail -n 1 | jq -r .result.app.port)
spawn lock 7 8 "$b/tests/system/dblock" "$tmp/A/state/cache.db"
expect lock locked || { show lock; fail "cannot lock A's cache"; exit 1; }
{
	echo '{"id":1,"cmd":"hello","versions":[1]}'
	i=2
	while [ $i -lt 302 ]; do
		v=match
		[ $((i % 2)) -eq 0 ] || v=mismatch
		echo "{\"id\":$i,\"cmd\":\"sas_verdict\",\"session\":\"$sid\",\"verdict\":\"$v\"}"
		i=$((i + 1))
	done
	echo '{"id":302,"cmd":"session_create"}'
} | ctl A >"$tmp/v"
want_reply "$tmp/v" 302 "a session created after 300 verdicts" ok
grep -q '"id":301,"ok":true' "$tmp/v" || fail "verdict 301: $(sed -n 301p "$tmp/v")"
# Closed while its V flag write waits for the cache: the session stays
# until the write is answered, but its sockets go at once. They stayed:
# descriptors outside what max_sessions and max_relay_sessions count
# (closed sessions are not counted), as many as closed sessions with a
# write or a key agreement still out.
printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    "{\"id\":2,\"cmd\":\"session_close\",\"session\":\"$sid\"}" |
    ctl A >"$tmp/close"
want_reply "$tmp/close" 2 "session_close with its write out" ok
r=$("$b/tests/system/udpsock" --bind 127.0.0.1 "$aport" 2>&1 | tail -n 1)
check_eq "the closed session's application port, free at once" "$r" \
    "port $aport"
# The lock goes: the last verdict (301, mismatch) is the one on disk.
exec 7>&- 8<&-
i=0 v=true
while [ $i -lt 500 ] && [ "$v" != false ]; do
	v=$(printf '%s
' '{"id":1,"cmd":"hello","versions":[1]}' \
	    '{"id":2,"cmd":"cache_list"}' | ctl A | tail -n 1 |
	    jq -r '.result.peers[0].verified')
	i=$((i + 1))
done
check_eq "the V flag after the last verdict, mismatch" "$v" false &&
    echo "ok   300 verdicts with the cache locked: sessions still created, the last verdict written"
tell a1 quit
tell b1 quit
expect a1 result || true
expect b1 result || true
exec 3>&- 4<&- 5>&- 6<&-
[ $fails -eq 0 ] || { tail -n 20 "$tmp/A/log"; exit 1; }

#!/bin/sh
# System test, part of `make check`: hostile control clients while a call
# between two daemons carries media (docs/control-protocol.md, Transport
# and Who may do what). control.sh covers the common malformed requests;
# this one adds, each checked against the document:
# - wrong types and out-of-range values, huge and odd ids, a line of
#   exactly 65536 bytes (parsed) and of 65537 (too_long), a 10 MB line:
#   each its error code, the connection usable throughout;
# - commands before hello;
# - a request without its newline, then the client closes: never run;
# - a client that subscribes and never reads while it floods requests:
#   disconnected (its queue is bounded), while another client is answered
#   and the call's media keeps flowing;
# - 200 connections open at once, each answered;
# - another user (nobody, via setpriv) on a socket open to all: read
#   access; every changing command forbidden, the live call untouched.
# At the end the call must have carried every frame both ways.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

daemon A --control_mode 0666
daemon B

pair pa pb --frames 1000 --gap 5 --timeout 60
pair_secure pa pb
tell pa go
tell pb go
# pa's session is the first on A.
sid=s1

# --- commands before hello, then wrong types, ranges and ids
n0=$fails
ctl A >"$tmp/types" <<'REQ'
{"id":1,"cmd":"session_create"}
{"id":2,"cmd":"subscribe"}
{"id":3,"cmd":"hello","versions":["1"]}
{"id":4,"cmd":"hello","versions":[1],"client":5}
{"id":5,"cmd":"hello","versions":[1],"client":"hostile.sh"}
{"id":6,"cmd":5}
{"id":7,"cmd":"session_show","session":5}
{"id":8,"cmd":"session_create","bind_port":"4000"}
{"id":9,"cmd":"session_create","bind_port":70000}
{"id":10,"cmd":"session_create","bind_port":-1}
{"id":11,"cmd":"session_create","bind_port":4294967297}
{"id":12,"cmd":"session_create","label":12}
{"id":13,"cmd":"session_create","algorithms":["X255"]}
{"id":14,"cmd":"session_create","algorithms":{"kex":"X255"}}
{"id":15,"cmd":"session_create","algorithms":{"kex":[1]}}
{"id":16,"cmd":"session_create","policy":7}
{"id":17,"cmd":"session_create","role":["initiator"]}
{"id":18,"cmd":"session_create","call":17}
{"id":19,"cmd":"session_create","app_port":1e3}
{"id":20,"cmd":"session_create","app_addr":"127.0.0.1","app_port":0}
{"id":21,"cmd":"session_create","app_addr":"127.0.0.1"}
{"id":22,"cmd":"subscribe","sessions":"s1"}
{"id":23,"cmd":"subscribe","events":[1,2]}
{"id":24,"cmd":"cache_show","zid":123}
{"id":25,"cmd":"session_close","session":["s1"]}
{"id":26,"cmd":"sas_challenge","session":"s1","count":"4"}
{"id":27,"cmd":"sas_challenge","session":"s1","count":1000000000000}
{"id":28,"cmd":"sas_verdict","session":"s1","verdict":true}
{"id":29,"cmd":"session_name","session":"s1","name":7}
{"id":30,"cmd":"session_create","label":"target"}
{"id":31,"cmd":"session_start","session":"s2","remote_addr":"127.0.0.1","remote_port":"9"}
{"id":32,"cmd":"session_start","session":"s2","remote_addr":"127.0.0.1","remote_port":0}
{"id":33,"cmd":"session_start","session":"s2","remote_addr":"127.0.0.1"}
{"id":34,"cmd":"session_start","session":"s2","remote_addr":7,"remote_port":9}
{"id":35,"cmd":"session_start","session":"s2","remote_addr":"127.0.0.1","remote_port":9,"latch":"yes"}
{"id":36,"cmd":"session_start","session":"s2","remote_addr":"127.0.0.1","remote_port":9,"peer_hash":5}
{"id":37,"cmd":"session_start","session":"s2","remote_addr":"127.0.0.1","remote_port":9,"peer_hash":"1.10 zz"}
{"id":38,"cmd":"session_peer_hash","session":"s2","peer_hash":[]}
{"id":9223372036854775807,"cmd":"status"}
{"id":-9223372036854775808,"cmd":"status"}
{"id":99999999999999999999,"cmd":"status"}
{"id":1.5,"cmd":"status"}
{"id":true,"cmd":"status"}
{"id":"a\u0000b","cmd":"status"}
{"id":"0123456789012345678901234567890123456789012345678901234567890123","cmd":"status"}
{"id":"01234567890123456789012345678901234567890123456789012345678901234","cmd":"status"}
@exact 65536
@exact 65537
@long 10000000
{"id":39,"cmd":"status"}
{"id":40,"cmd":"subscribe","events":["sas_ready","sas-ready"]}
{"id":41,"cmd":"hello","versions":[1],"client":"hello again"}
{"id":42,"cmd":"hello","versions":[7]}
{"id":43,"cmd":"status"}
{"id":44,"cmd":"subscribe","events":["security peer"]}
{"id":45,"cmd":"sas_verdict","session":"s1","verdict":"match","pick":1}
REQ
f=$tmp/types
want_reply $f 1 "session_create before hello" no_hello
want_reply $f 2 "subscribe before hello" no_hello
want_reply $f 3 "versions of strings" bad_version
want_reply $f 4 "client a number" bad_request
want_reply $f 5 "hello" ok
want_reply $f 6 "cmd a number" bad_request
want_reply $f 7 "session a number" bad_request
want_reply $f 8 "bind_port a string" bad_request
want_reply $f 9 "bind_port 70000" bad_request
want_reply $f 10 "bind_port -1" bad_request
want_reply $f 11 "bind_port 2^32+1" bad_request
want_reply $f 12 "label a number" bad_request
want_reply $f 13 "algorithms an array" bad_request
want_reply $f 14 "algorithms.kex a string" bad_request
want_reply $f 15 "algorithms.kex of numbers" bad_request
want_reply $f 16 "policy a number" bad_request
want_reply $f 17 "role an array" bad_request
want_reply $f 18 "call a number" bad_request
want_reply $f 19 "app_port a real" bad_request
want_reply $f 20 "app_port 0" bad_request
want_reply $f 21 "app_addr without app_port" bad_request
want_reply $f 22 "subscribe sessions a string" bad_request
want_reply $f 23 "subscribe events of numbers" bad_request
want_reply $f 24 "zid a number" bad_request
want_reply $f 25 "session an array" bad_request
want_reply $f 26 "count a string" bad_request
want_reply $f 27 "count 10^12" bad_request
want_reply $f 28 "verdict a boolean" bad_request
want_reply $f 29 "name a number" bad_request
want_reply $f 30 "a session to start" ok
want_reply $f 31 "remote_port a string" bad_request
want_reply $f 32 "remote_port 0" bad_request
want_reply $f 33 "remote_addr without remote_port" bad_request
want_reply $f 34 "remote_addr a number" bad_request
want_reply $f 35 "latch a string" bad_request
want_reply $f 36 "peer_hash a number" bad_request
want_reply $f 37 "peer_hash malformed" bad_request
want_reply $f 38 "peer_hash an array" bad_request
want_reply $f 39 "id 2^63-1" ok
want_reply $f 40 "id -2^63" ok
want_reply $f 41 "id 10^20" bad_json
want_reply $f 42 "id a real" bad_request
want_reply $f 43 "id a boolean" bad_request
want_reply $f 44 "id with a NUL" bad_json
want_reply $f 45 "id of 64 bytes" ok
want_reply $f 46 "id of 65 bytes" bad_request
want_reply $f 47 "a line of exactly 65536 bytes (parsed: unknown argument)" bad_request
want_reply $f 48 "a line of 65537 bytes" too_long
want_reply $f 49 "a line of 10 MB" too_long
want_reply $f 50 "still usable" ok
want_reply $f 51 "subscribe to an event name with a typo" bad_request
# A second hello: refused, the version agreed stays, the connection usable.
want_reply $f 52 "a second hello" state
want_reply $f 53 "a second hello with another version" state
want_reply $f 54 "usable after a second hello" ok
# Two names in one string are no event name either: it would subscribe
# to nothing.
want_reply $f 55 "subscribe to two names in one string" bad_request
# A pick without its challenge would record the match whatever was
# picked.
want_reply $f 56 "a pick without its challenge" bad_request
sed -n 54p $f | grep -q '"version":1' ||
    fail "the version after a second hello: $(sed -n 54p $f | cut -c1-120)"
! grep -q 'is "hello again"' "$tmp/A/log" ||
    fail "a second hello renamed the client in the log"
grep -q '^{"id":9223372036854775807,"ok":true' $f ||
    fail "id 2^63-1 not echoed exactly: $(sed -n 39p $f | cut -c1-80)"
grep -q '^{"id":-9223372036854775808,"ok":true' $f ||
    fail "id -2^63 not echoed exactly: $(sed -n 40p $f | cut -c1-80)"
grep -q '^{"id":9,"ok":false' $f ||
    fail "the 65536-byte line's id not read: $(sed -n 47p $f | cut -c1-80)"
# The rejected start left s2 startable.
r=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    '{"id":2,"cmd":"session_list"}' | ctl A | tail -n 1)
case "$r" in
*'"session":"s2"'*'"security":"not_secure"'*) ;;
*) fail "s2 after refused starts: $r" ;;
esac
[ $fails -eq $n0 ] && echo "ok   55 requests before hello, of wrong types and ranges, odd ids, 65536/65537/10^7-byte lines, unknown event names, a second hello: each its code, the connection usable"

# --- a request without its newline, then the client goes: never run
n0=$fails
r=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    '@partial {"id":2,"cmd":"session_create","label":"partial"}' | ctl A)
case "$r" in
*'closed: '*'"id":2'*) fail "the partial request was answered: $r" ;;
*'closed: '*) ;;
*) fail "partial request: $r" ;;
esac
r=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    '{"id":2,"cmd":"session_list"}' | ctl A | tail -n 1)
case "$r" in
*'"label":"partial"'*) fail "a request without its newline was run: $r" ;;
*'"ok":true'*) ;;
*) fail "session_list after the partial request: $r" ;;
esac
[ $fails -eq $n0 ] && echo "ok   a request without its newline, then the client closes: never run, the daemon serves on"

# --- a subscriber that never reads, flooding, while another client asks
n0=$fails
before=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    "{\"id\":2,\"cmd\":\"session_show\",\"session\":\"$sid\"}" | ctl A |
    tail -n 1)
ctl A --hog 1 >"$tmp/hog" 2>&1 &
hogpid=$!
pids="$pids $hogpid"
ctl A >"$tmp/other" <<REQ
{"id":1,"cmd":"hello","versions":[1]}
{"id":2,"cmd":"status"}
{"id":3,"cmd":"session_show","session":"$sid"}
{"id":4,"cmd":"session_list"}
REQ
wait $hogpid || true
after=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    "{\"id\":2,\"cmd\":\"session_show\",\"session\":\"$sid\"}" | ctl A |
    tail -n 1)
case "$(cat "$tmp/hog")" in
"hog disconnected"*) ;;
*) fail "the client that never reads: $(cat "$tmp/hog")" ;;
esac
grep -q "output queue full" "$tmp/A/log" ||
    fail "no log line for the dropped client"
[ "$(grep -c '"ok":true' "$tmp/other")" -eq 4 ] ||
    fail "another client meanwhile: $(cat "$tmp/other")"
case "$after" in
*'"security":"secure_unverified"'*) ;;
*) fail "the call after the flood: $after" ;;
esac
[ $fails -eq $n0 ] && echo "ok   a subscriber that floods and never reads: $(cat "$tmp/hog"); another client answered meanwhile; call's SRTP in: $(jfield srtp_in "$before") before, $(jfield srtp_in "$after") after"

# --- 200 connections at once
n0=$fails
r=$(ctl A --many 200 || true)
check_eq "200 connections at once" "$r" "many 200/200" &&
    echo "ok   200 connections open at once: each said hello and got its status"

# --- another user: read access, never a change
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 &&
    command -v setpriv >/dev/null; then
	n0=$fails
	chmod 755 "$tmp" "$tmp/A"
	ng=$(id -gn nobody)
	zidB=$(echo '{"id":1,"cmd":"hello","versions":[1]}' | ctl B |
	    sed 's/.*"zid":"\([0-9a-f]*\)".*/\1/')
	setpriv --reuid=nobody --regid="$ng" --clear-groups \
	    "$b/tests/system/ctlraw" --socket "$tmp/A/ctl.sock" \
	    >"$tmp/nobody" <<REQ
{"id":1,"cmd":"hello","versions":[1]}
{"id":2,"cmd":"session_create"}
{"id":3,"cmd":"session_start","session":"s2","remote_addr":"127.0.0.1","remote_port":9}
{"id":4,"cmd":"session_peer_hash","session":"$sid","peer_hash":"$hashB"}
{"id":5,"cmd":"sas_verdict","session":"$sid","verdict":"mismatch"}
{"id":6,"cmd":"sas_challenge","session":"$sid"}
{"id":7,"cmd":"sas_clear","session":"$sid"}
{"id":8,"cmd":"session_name","session":"$sid","name":"Mallory"}
{"id":9,"cmd":"cache_rename","zid":"$zidB","name":"Mallory"}
{"id":10,"cmd":"cache_forget","zid":"$zidB"}
{"id":11,"cmd":"session_keys","session":"$sid"}
{"id":12,"cmd":"session_close","session":"$sid"}
{"id":13,"cmd":"status"}
{"id":14,"cmd":"session_list"}
{"id":15,"cmd":"session_show","session":"$sid"}
{"id":16,"cmd":"cache_list"}
{"id":17,"cmd":"cache_show","zid":"$zidB"}
{"id":18,"cmd":"session_name","session":"$sid"}
{"id":19,"cmd":"subscribe"}
{"id":20,"cmd":"unsubscribe"}
REQ
	f=$tmp/nobody
	case "$(sed -n 1p $f)" in *'"access":"read"'*) ;;
	*) fail "nobody's hello: $(sed -n 1p $f)" ;; esac
	i=2
	for c in session_create session_start session_peer_hash sas_verdict \
	    sas_challenge sas_clear "session_name (set)" cache_rename \
	    cache_forget session_keys session_close; do
		want_reply $f $i "nobody: $c" forbidden
		i=$((i + 1))
	done
	# The refusal tells a person what to do, not a setting's name: A
	# has no control_group, so no group to join.
	case "$(sed -n 2p $f)" in
	*'needs control access: no control_group is set'*) ;;
	*) fail "nobody's session_create refusal: $(sed -n 2p $f)" ;; esac
	for c in status session_list session_show cache_list cache_show \
	    "session_name (get)" subscribe unsubscribe; do
		want_reply $f $i "nobody: $c" ok
		i=$((i + 1))
	done
	r=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
	    "{\"id\":2,\"cmd\":\"session_show\",\"session\":\"$sid\"}" |
	    ctl A | tail -n 1)
	case "$r" in
	*'"ended":false'*'"security":"secure_unverified"'*'"name":null'*) ;;
	*) fail "the call after nobody's attempts: $r" ;;
	esac
	[ $fails -eq $n0 ] && echo "ok   nobody (setpriv, SO_PEERCRED): read access; 11 changing commands forbidden, 8 reading ones allowed; the live call untouched"
else
	echo "NOT RUN: another user's access (needs root, a 'nobody' user and setpriv); not counted as passed"
fi

# --- the call went on through all of it
expect pa done || true
expect pb done || true
pair_quit pa pb
ok=1
for r in "$resA" "$resB"; do
	check_eq "call: frames received" "$(jfield received "$r")" 1000 || ok=0
	check_eq "call: frames damaged" "$(jfield bad "$r")" 0 || ok=0
	check_eq "call: SRTP rejected" "$(jfield rejected "$r")" 0 || ok=0
done
[ $ok -eq 1 ] && echo "ok   the call carried 1000 frames each way through all of it"
r=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    '{"id":2,"cmd":"status"}' | ctl A | tail -n 1)
case "$r" in *'"ok":true'*) ;; *) fail "daemon A at the end: $r" ;; esac

[ $fails -eq 0 ] || { show pa; show pb; tail -n 30 "$tmp/A/log"; exit 1; }

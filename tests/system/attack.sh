#!/bin/sh
# System test, part of `make check`: regressions for what an attacker's
# review of the daemon's two network surfaces found (the control socket
# and the media ports). Each block names its finding; each failed before
# its fix.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

# --- the application port carries media in clear: app_addr 0.0.0.0 (or
# any address not loopback) was taken, and faced the network.
for a in 0.0.0.0 192.0.2.1 :: ; do
	rc=0
	"$b/zrtpd/zrtpd" --check-config --state_dir "$tmp/cc" \
	    --control_socket "$tmp/cc.sock" --app_addr "$a" \
	    >"$tmp/cc.out" 2>&1 || rc=$?
	grep -q -- "--app-addr: '$a' is not a loopback address" "$tmp/cc.out" &&
	    [ "$rc" -ne 0 ] ||
	    fail "app_addr $a: exit $rc, said: $(cat "$tmp/cc.out")"
done
rc=0
"$b/zrtpd/zrtpd" --check-config --state_dir "$tmp/cc" \
    --control_socket "$tmp/cc.sock" --app_addr 127.0.0.2 >"$tmp/cc.out" 2>&1 ||
    rc=$?
check_eq "app_addr 127.0.0.2 accepted" "$rc" 0 || cat "$tmp/cc.out"

daemon A --control_mode 0666

# --- log injection: a client's name with a newline and an escape sequence
# reached the log raw (a forged "zrtpd[err]:" line, terminal control).
# --- an error message cut inside a UTF-8 character was no JSON string:
# the reply was lost and the client waited for ever.
a63=$(printf '%063d' 0)
ctl A >"$tmp/inj" <<REQ || fail "a request got no reply: $(tail -n 1 "$tmp/inj")"
{"id":1,"cmd":"hello","versions":[1],"client":"evil\nzrtpd[err]: forged\u001b[31m"}
{"id":2,"cmd":"${a63}é"}
{"id":3,"cmd":"status","${a63}é":1}
{"id":4,"cmd":"status"}
REQ
want_reply "$tmp/inj" 1 "hello with a hostile name" ok
want_reply "$tmp/inj" 2 "unknown command, name cut in a character" unknown_command
want_reply "$tmp/inj" 3 "unknown argument, name cut in a character" bad_request
want_reply "$tmp/inj" 4 "status after them" ok
if grep -q '^zrtpd\[err\]: forged' "$tmp/A/log"; then
	fail "a client's name forged a log line"
fi
if grep -q "$(printf '\033')" "$tmp/A/log"; then
	fail "a client's escape sequence reached the log"
fi
grep -q 'is "evil\\x0azrtpd\[err\]: forged\\x1b\[31m"' "$tmp/A/log" ||
	fail "the hostile name is not in the log, escaped: $(grep 'is "' "$tmp/A/log")"

# --- connection exhaustion: anyone who may connect (read access) opened
# connections without limit, taking the descriptors sized for sessions
# (EMFILE: sessions could not be created, accept() spun). Below admin, at
# most 16 per user and 64 in all (control.h); root and the daemon's own
# user are never refused.
skipped=0
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 &&
    command -v setpriv >/dev/null; then
	chmod 755 "$tmp" "$tmp/A"
	r=$(setpriv --reuid=nobody --regid="$(id -gn nobody)" --clear-groups \
	    "$b/tests/system/ctlraw" --socket "$tmp/A/ctl.sock" --many 20 ||
	    true)
	check_eq "20 connections of one read-only user" "$r" "many 16/20" || true
	grep -q 'refused: too many connections from this user' "$tmp/A/log" ||
		fail "the refused connections are not in the log"
	r=$(ctl A --many 100 || true)
	check_eq "100 connections of the daemon's own user" "$r" \
	    "many 100/100" || true
else
	echo "SKIP connection limits: needs root, the user nobody and setpriv"
	skipped=1
fi

# --- the application port learned "the application" from the first
# datagram from loopback, whoever sent it: another local user, first,
# received the call's media decrypted. Now only a socket of the user whose
# connection created the session is learned.
if [ "$skipped" -eq 0 ]; then
	spawn own 7 8 "$b/tests/system/ctlraw" --socket "$tmp/A/ctl.sock"
	tell own '{"id":1,"cmd":"hello","versions":[1]}'
	expect own '{"id":1' || fail "hello: $line"
	tell own '{"id":2,"cmd":"session_create"}'
	expect own '{"id":2' || fail "session_create: $line"
	asid=$(printf '%s' "$line" | jq -r .result.session)
	aport=$(printf '%s' "$line" | jq -r .result.app.port)
	q=2 cname=own csid=$asid
	# counters: "foreign rtp_in" of session $csid on connection $cname,
	# once either moved.
	counters() {
		_i=0
		while [ $_i -lt 500 ]; do
			q=$((q + 1)) _i=$((_i + 1))
			tell "$cname" "{\"id\":$q,\"cmd\":\"session_show\",\"session\":\"$csid\"}"
			expect "$cname" "{\"id\":$q" || return 1
			_c=$(printf '%s' "$line" |
			    jq -r '.result.counters | "\(.foreign) \(.rtp_in)"')
			[ "$_c" = "$1" ] || { echo "$_c"; return 0; }
		done
		echo "$_c"
	}
	# send_as USER: one RTP datagram to the app port from a socket of
	# USER, kept open until fd 9 closes.
	send_as() {
		rm -f "$tmp/hold"
		mkfifo "$tmp/hold"
		setpriv --reuid="$1" --regid="$(id -gn "$1")" --clear-groups \
		    bash -c 'exec 3<>/dev/udp/127.0.0.1/'"$aport"'
		    printf "\200\000\000\001\000\000\000\001\000\000\000\001rtp!" >&3
		    read x' <"$tmp/hold" &
		pids="$pids $!"
		exec 9>"$tmp/hold"
	}
	send_as nobody
	check_eq "another user's datagram first: foreign rtp_in" \
	    "$(counters "0 0")" "1 0" || true
	exec 9>&-
	wait $! || true
	send_as root
	check_eq "then the session's user: foreign rtp_in" \
	    "$(counters "1 0")" "1 1" || true
	exec 9>&-
	wait $! || true
	exec 7>&- 8<&-
fi

# --- the application port learned a sender whose port was held by a
# socket of root's (SO_REUSEADDR, on the wildcard address): another user
# bound that port on 127.0.0.1 too (Linux lets any user share a UDP port
# when both sockets ask SO_REUSEADDR), sent first and closed its socket
# before the daemon asked the kernel, which then showed root's socket
# alone, and "or root" let it in; bound again, that user was the
# application. Now only a socket of the session's user is learned. The
# daemon is stopped while the datagram is sent and the socket closed: the
# order is the race's, made certain.
if [ "$skipped" -eq 0 ] && id daemon >/dev/null 2>&1; then
	daemon C --control_mode 0666 --control_group "$(id -gn nobody)"
	chmod 755 "$tmp/C"
	spawn vic 7 8 "$b/tests/system/ctlraw" --socket "$tmp/C/ctl.sock" \
	    --as-user nobody
	tell vic '{"id":1,"cmd":"hello","versions":[1]}'
	expect vic '{"id":1' || fail "hello: $line"
	tell vic '{"id":2,"cmd":"session_create"}'
	expect vic '{"id":2,"ok":true' || fail "nobody's session_create: $line"
	csid=$(printf '%s' "$line" | jq -r .result.session)
	cport=$(printf '%s' "$line" | jq -r .result.app.port)
	q=2 cname=vic
	spawn bys 5 6 "$b/tests/system/udpsock" --reuse --bind 0.0.0.0 0 --hold
	expect bys "port " || fail "root's socket: $line"
	rport=${line#port }
	kill -STOP "$(daemon_pid C)"
	r=$("$b/tests/system/udpsock" --as-user daemon --reuse \
	    --bind 127.0.0.1 "$rport" --to "$cport" 2>&1 | tail -n 1)
	kill -CONT "$(daemon_pid C)"
	check_eq "another user on root's shared port, gone when asked" \
	    "$r" sent || true
	check_eq "... is not the application: foreign rtp_in" \
	    "$(counters "0 0")" "1 0" || true
	spawn app 3 4 "$b/tests/system/udpsock" --as-user nobody \
	    --bind 127.0.0.1 0 --to "$cport" --hold
	expect app sent || fail "nobody's datagram: $line"
	check_eq "then the session's user: foreign rtp_in" \
	    "$(counters "1 0")" "1 1" || true
	exec 3>&- 4<&- 5>&- 6<&- 7>&- 8<&-
else
	echo "SKIP root's shared port: needs root, the users nobody and daemon"
fi

# --- the SAS challenge: each sas_challenge drew new decoys, so the real
# SAS was the one candidate two challenges had in common (a habitual
# "yes" passed by asking twice), and wrong picks were unlimited. Now the
# decoys are the session's, the same at every challenge, and after two
# wrong picks no challenge is given.
daemon B
pair pa pb --frames 50 --gap 5 --timeout 60
pair_secure pa pb
sid=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    '{"id":2,"cmd":"session_list"}' | ctl A | tail -n 1 |
    jq -r '[.result.sessions[] | select(.ended != true)][0].session')
ctl A >"$tmp/ch" <<REQ
{"id":1,"cmd":"hello","versions":[1]}
{"id":2,"cmd":"session_show","session":"$sid"}
{"id":3,"cmd":"sas_challenge","session":"$sid","count":8}
{"id":4,"cmd":"sas_challenge","session":"$sid","count":8}
{"id":5,"cmd":"sas_challenge","session":"$sid","count":3}
REQ
sas=$(sed -n 2p "$tmp/ch" | jq -r .result.sas.text)
c1=$(sed -n 3p "$tmp/ch" | jq -r '.result.candidates | sort | join(",")')
c2=$(sed -n 4p "$tmp/ch" | jq -r '.result.candidates | sort | join(",")')
c3=$(sed -n 5p "$tmp/ch" | jq -r '.result.candidates | length')
case ",$c1," in *",$sas,"*) ;; *) fail "the SAS '$sas' is not among $c1" ;; esac
check_eq "two challenges of 8: the same candidates" "$c2" "$c1" || true
check_eq "a challenge of 3" "$c3" 3 || true
# wrong N: a challenge, then a pick that is not the SAS.
wrong() {
	r=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
	    "{\"id\":2,\"cmd\":\"sas_challenge\",\"session\":\"$sid\"}" |
	    ctl A | tail -n 1)
	case "$r" in *'"ok":true'*) ;; *) echo "$r"; return 1 ;; esac
	k=$(printf '%s' "$r" | jq -r .result.challenge)
	w=$(printf '%s' "$r" | jq --arg s "$sas" \
	    '[.result.candidates | to_entries[] | select(.value != $s)][0].key')
	printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
	    "{\"id\":3,\"cmd\":\"sas_verdict\",\"session\":\"$sid\",\"verdict\":\"match\",\"challenge\":\"$k\",\"pick\":$w}" |
	    ctl A | tail -n 1
}
r=$(wrong); case "$r" in *challenge_failed*) ;; *) fail "wrong pick 1: $r" ;; esac
r=$(wrong); case "$r" in *challenge_failed*) ;; *) fail "wrong pick 2: $r" ;; esac
r=$(wrong || true)
case "$r" in *'"code":"state"'*"wrong picks"*) ;;
*)	fail "a third challenge after two wrong picks: $r" ;; esac
# A plain verdict still works: the person compared by voice.
r=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    "{\"id\":2,\"cmd\":\"sas_verdict\",\"session\":\"$sid\",\"verdict\":\"match\"}" |
    ctl A | tail -n 1)
case "$r" in *'"security":"secure_verified"'*) ;; *) fail "plain match: $r" ;; esac
pair_done pa pb
pair_quit pa pb
exec 3>&- 4<&- 5>&- 6<&-

[ "$fails" -eq 0 ] || exit 1
[ "$skipped" -eq 0 ] || exit 77

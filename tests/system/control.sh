#!/bin/sh
# System test, part of `make check`: hostile and careless control clients.
# Every malformed, oversized, unknown or premature request gets an error
# reply with the protocol's code and the connection stays usable; a client
# that vanishes leaves nothing behind; a client not allowed to change
# things (SO_PEERCRED: another uid, not in control_group) may read but not
# create, and a client the socket's mode excludes cannot connect at all.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

daemon A
ctl A >"$tmp/replies" <<'REQ'
{"id":1,"cmd":"status"}
this is not json
[1,2,3]
{"id":2,"cmd":"hello","versions":[7]}
{"id":3,"cmd":"hello","versions":[1],"client":"control.sh"}
{"cmd":"status"}
{"id":{"x":1},"cmd":"status"}
{"id":4,"cmd":"no_such_command"}
{"id":5,"cmd":"session_create","colour":"blue"}
{"id":6,"cmd":"session_create","mode":"sideways"}
{"id":7,"cmd":"session_create","algorithms":{"kex":["NOPE"]}}
{"id":8,"cmd":"session_create","app_addr":"192.0.2.1","app_port":4000}
{"id":9,"cmd":"session_show","session":"s999"}
{"id":10,"cmd":"session_start","session":"s999","remote_addr":"127.0.0.1","remote_port":9}
{"id":11,"cmd":"sas_verdict","session":"s999","verdict":"match"}
{"id":12,"cmd":"cache_show","zid":"zz"}
{"id":121,"cmd":"session_create","label":"a\u001b[2J"}
{"id":122,"cmd":"session_create","label":"\u202eoidua"}
@long 70000
{"id":13,"cmd":"status","id":14}
{"id":15,"cmd":"session_create","label":"ok"}
{"id":151,"cmd":"session_start","session":"s1","remote_addr":"127.0.0.1","remote_port":9,"remote_rtcp_port":0}
{"id":152,"cmd":"session_start","session":"s1","remote_addr":"127.0.0.1","remote_port":9,"remote_rtcp_port":"10"}
{"id":153,"cmd":"session_start","session":"s1","remote_rtcp_port":10}
{"id":16,"cmd":"session_start","session":"s1","remote_addr":"::1","remote_port":9}
{"id":161,"cmd":"session_create","mode":"keys","bind_addr":"127.0.0.1"}
{"id":162,"cmd":"session_create","mode":"keys","bind_port":0}
{"id":163,"cmd":"session_create","mode":"keys","label":"keys"}
{"id":164,"cmd":"session_start","session":"s2","remote_addr":"127.0.0.1","remote_port":9}
{"id":165,"cmd":"session_start","session":"s2","remote_addr":"127.0.0.1","remote_port":9,"remote_rtcp_port":10}
{"id":166,"cmd":"session_start","session":"s2","latch":false}
{"id":167,"cmd":"session_start","session":"s2"}
{"id":17,"cmd":"sas_verdict","session":"s1","verdict":"match"}
{"id":18,"cmd":"session_keys","session":"s1"}
{"id":19,"cmd":"status"}
REQ
# want ID CODE: the reply to request ID failed with CODE ("ok": succeeded).
n=0
want() {
	n=$((n + 1))
	got=$(sed -n "${n}p" "$tmp/replies")
	if [ "$2" = ok ]; then
		case "$got" in *'"ok":true'*) return 0 ;; esac
	else
		case "$got" in *"\"code\":\"$2\""*) return 0 ;; esac
	fi
	fail "reply $n ($1): want $2, got: $got"
}
want "status before hello" no_hello
want "not JSON" bad_json
want "an array" bad_json
want "unknown version" bad_version
want "hello" ok
want "no id" bad_request
want "object id" bad_request
want "unknown command" unknown_command
want "unknown argument" bad_request
want "bad mode" bad_request
want "unknown algorithm" bad_request
want "app_addr not loopback" bad_request
want "unknown session (show)" unknown_session
want "unknown session (start)" unknown_session
want "unknown session (verdict)" unknown_session
want "bad zid" bad_request
want "label with an escape" bad_request
want "label with a right-to-left override" bad_request
want "70000-byte line" too_long
want "duplicate key" bad_json
want "create after all that" ok
want "remote_rtcp_port 0" bad_request
want "remote_rtcp_port a string" bad_request
want "remote_rtcp_port without remote_addr" bad_request
want "IPv6 remote on an IPv4 media port" bad_request
# Keys mode: an argument only relay mode uses is refused, never ignored;
# the refusals leave the session startable.
want "keys mode with bind_addr" bad_request
want "keys mode with bind_port" bad_request
want "keys-mode session" ok
want "keys mode with remote_addr" bad_request
want "keys mode with remote_rtcp_port" bad_request
want "keys mode with latch" bad_request
want "keys-mode start" ok
want "verdict before secure" state
want "keys of a relay session" state
want "still usable" ok
[ $fails -eq 0 ] && echo "ok   $n malformed, oversized, unknown and premature requests: each its error code, the connection usable throughout"

# The client that created s1 is gone: s1 closed with it.
r=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    '{"id":2,"cmd":"session_list"}' | ctl A | tail -n 1)
case "$r" in
*'"session":"s1"'*'"ended":true'*) echo "ok   a vanished client's session is closed (listed as ended)" ;;
*) fail "session of a vanished client: $r" ;;
esac

# A peer's own RTCP port (remote_rtcp_port) is shown, by session_show and
# by zrtpctl show, also once the session ended (kept a minute for show).
r=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    '{"id":2,"cmd":"session_create","bind_addr":"127.0.0.1"}' \
    '{"id":3,"cmd":"session_start","session":"s3","remote_addr":"127.0.0.1","remote_port":9,"remote_rtcp_port":11}' |
    ctl A | tail -n 1)
case "$r" in *'"id":3,"ok":true'*) ;; *) fail "start with remote_rtcp_port: $r" ;; esac
r=$("$b/cli/zrtpctl" --socket "$tmp/A/ctl.sock" show s3 || :)
case "$r" in
*"Remote:   127.0.0.1 port 9, RTCP port 11"*)
	echo "ok   zrtpctl show names the peer's RTCP port" ;;
*) fail "zrtpctl show s3: $r" ;;
esac

# A client that vanishes holding 40 sessions: they close 8 at a time, a
# pass of the loop each (session.c), so that other sessions' media is
# not held for all of them; every one closes, as client_gone, the last
# created last. The watcher's subscription is answered before the client
# starts (--json prints the answer first).
daemon V
spawn watch 7 8 timeout 30 "$b/cli/zrtpctl" --socket "$tmp/V/ctl.sock" \
    --json watch s40 --until closed
expect watch '{' || fail "watch: no subscription answer"
awk 'BEGIN { print "{\"id\":0,\"cmd\":\"hello\",\"versions\":[1]}";
    for (i = 1; i <= 40; i++) print "{\"id\":" i ",\"cmd\":\"session_create\"}" }' |
    ctl V >"$tmp/orphans"
if expect watch '{"event":"closed"' &&
    check_eq "orphans: created" "$(grep -c '"ok":true' "$tmp/orphans")" 41; then
	case "$line" in
	*'"session":"s40"'*'"reason":"client_gone"'*) ;;
	*) fail "orphans: the last closed event: $line" ;;
	esac
	r=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
	    '{"id":2,"cmd":"session_list"}' | ctl V | tail -n 1)
	check_eq "orphans: ended" "$(echo "$r" | grep -o '"ended":true' | wc -l)" 40 &&
	    echo "ok   a client that vanished with 40 sessions: all closed (client_gone), in slices"
else
	show watch
	fail "orphans: no closed event for s40"
fi
exec 7>&- 8<&-

# A client that creates and closes sessions in a loop: each closed one is
# kept a minute for session_show, but never more than max_sessions of them
# (here 64), and keeping them costs each close O(1).
daemon S --max_sessions 64
awk 'BEGIN { print "{\"id\":0,\"cmd\":\"hello\",\"versions\":[1]}";
    for (i = 1; i <= 5000; i++) {
	print "{\"id\":" i ",\"cmd\":\"session_create\"}";
	print "{\"id\":" i ",\"cmd\":\"session_close\",\"session\":\"s" i "\"}" }
    print "{\"id\":1,\"cmd\":\"session_list\"}" }' | ctl S >"$tmp/churn" || true
n=$(tail -n 1 "$tmp/churn" | grep -o '"session":"s[0-9]*"' | wc -l)
if check_eq "churn: replies" "$(grep -c '"ok":true' "$tmp/churn")" 10002 &&
    check_eq "churn: ended sessions kept" "$n" 64; then
	echo "ok   5000 sessions created and closed in a loop: all answered, the last 64 kept as ended"
fi

# Another uid: with the socket open to all it may read, not change.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	stop A
	daemon A --control_mode 0666
	chmod 755 "$tmp" "$tmp/A"
	r=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
	    '{"id":2,"cmd":"session_create"}' '{"id":3,"cmd":"status"}' |
	    ctl A --as-user nobody)
	case "$r" in
	*'"access":"read"'*'"code":"forbidden"'*'"id":3,"ok":true'*)
		echo "ok   another uid (SO_PEERCRED): read access, session_create forbidden, status allowed" ;;
	*) fail "another uid: $r" ;;
	esac
	stop A
	daemon A --control_mode 0600
	r=$(echo '{"id":1,"cmd":"hello","versions":[1]}' | ctl A --as-user nobody || true)
	case "$r" in
	*"Permission denied"*) echo "ok   the socket's mode keeps other users out: $r" ;;
	*) fail "socket mode 0600: another user got: $r" ;;
	esac
	# Started as root with a user: it drops to it for good (all ids,
	# no supplementary groups) and owns its state; root stays admin.
	mkdir -p "$tmp/P/state"
	chown nobody "$tmp/P/state"
	chmod 755 "$tmp/P"
	daemon P --user nobody
	ids=$(grep -E '^(Uid|Gid|Groups):' "/proc/$(daemon_pid P)/status" |
	    tr '\t\n' '  ' | tr -s ' ')
	owner=$(stat -c %U "$tmp/P/state/cache.db")
	r=$(echo '{"id":1,"cmd":"hello","versions":[1]}' | ctl P)
	case "$ids|$owner|$r" in
	"Uid: 65534 65534 65534 65534 Gid: 65534 65534 65534 65534 Groups: "*"|nobody|"*'"access":"admin"'*)
		echo "ok   started as root with user = nobody: runs as nobody (no groups), its cache is nobody's, root is still admin" ;;
	*) fail "privilege drop: $ids | $owner | $r" ;;
	esac
else
	echo "SKIP access levels and privilege drop: need root and a 'nobody' user (not counted as passed)"
fi

# --- a connection that never said hello kept its slot (one of the 16 per
# user and 64 in all, control.h) for ever. Now, after
# control_hello_timeout, it is told why and closed; one that said hello
# stays, however quiet, even past that deadline.
daemon H --control_hello_timeout 1
spawn quiet 7 8 "$b/tests/system/ctlraw" --socket "$tmp/H/ctl.sock"
tell quiet '{"id":1,"cmd":"hello","versions":[1]}'
expect quiet '{"id":1,"ok":true' || fail "hello on H: $line"
r=$(echo @silent | ctl H || true)
case "$r" in
'closed: {"id":null,"ok":false,"error":{"code":"no_hello","message":"no hello within 1 s: disconnected"}}')
	echo "ok   no hello within control_hello_timeout: told why, then closed" ;;
*) fail "a connection without hello: $r" ;;
esac
grep -q 'no hello within 1 s, disconnected' "$tmp/H/log" ||
	fail "no log line for the connection closed without hello"
# quiet's deadline came before the silent one's: it has passed.
tell quiet '{"id":2,"cmd":"status"}'
if expect quiet '{"id":2,"ok":true'; then
	echo "ok   a connection that said hello outlives the hello deadline"
else
	fail "the connection that said hello was closed: $line"
fi
exec 7>&- 8<&-

# --- cache_backup to a pipe nobody reads held the cache thread for ever,
# and every session's cache reads and writes behind it. Now a descriptor
# that is not a regular file is refused at once (cache_restore's too) and
# closed; the cache thread serves on.
r=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    '@passfd {"id":2,"cmd":"cache_backup"}' \
    '@passfd {"id":3,"cmd":"cache_restore"}' \
    '{"id":4,"cmd":"cache_list"}' | ctl H || true)
case "$r" in
*'"id":2,"ok":false'*'"code":"bad_request"'*'not a regular file'*"passfd closed"*'"id":3,"ok":false'*'"code":"bad_request"'*'not a regular file'*"passfd closed"*'"id":4,"ok":true'*)
	echo "ok   cache_backup and cache_restore refuse a pipe; the cache thread serves on" ;;
*)	fail "cache_backup to a pipe: $r" ;;
esac

[ $fails -eq 0 ] || { tail -n 30 "$tmp/A/log"; exit 1; }

#!/bin/sh
# System test, part of `make check`: the descriptor limit meets the
# session limit. zrtpd needs one descriptor per session, one more per
# relay-mode session (max_relay_sessions, default all) and 100 for itself
# and its clients (zrtpd/main.c).
# 1. A daemon started with a soft RLIMIT_NOFILE of 256 and max_sessions
#    200 raises its soft limit at start and holds 200 secured relay calls.
# 2. One whose hard limit cannot meet max_sessions refuses to start and
#    says which limit to raise, and what max_sessions would fit.
# 3. max_relay_sessions 0 under a hard limit of 300: 200 keys-mode
#    sessions fit (300 = 200 + 100), all secured with keys that mirror;
#    a relay-mode create is refused ("limit"). With max_relay_sessions 20
#    the same hard limit is refused, and says max_sessions 180 fits.
#    --check-config says what is needed.
# 4. A descriptor passed on a connection below admin access is closed at
#    once (only admin commands take one), so that the 64 such connections
#    cost 64 descriptors, not 128; root's is kept.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt 700 ]; then
	echo "SKIP: hard descriptor limit $hard, 700 needed"
	exit 77
fi
ulimit -Sn 256
daemon A --log_level notice --max_sessions 200 --control_mode 0666
daemon B --log_level notice --max_sessions 200
if ! "$b/tests/system/scale" --a "$tmp/A/ctl.sock" --b "$tmp/B/ctl.sock" \
    --calls 200 --frames 2; then
	fail "200 sessions with a soft descriptor limit of 256"
	tail -n 5 "$tmp/A/log"
fi

# refused: C with the hard limit 300 (C, E: started in a subshell that
# lowers its hard limit; their pids join $pids for the cleanup).
refused() {	# refused NAME HARD EXPECT [options]: must not start
	_rn=$1 _rh=$2 _rw=$3
	shift 3
	mkdir -p "$tmp/$_rn"
	rc=0
	(ulimit -Hn "$_rh" && exec "$b/zrtpd/zrtpd" --foreground --log stderr \
	    --state_dir "$tmp/$_rn/state" --control_socket "$tmp/$_rn.sock" \
	    "$@") 2>"$tmp/$_rn.err" || rc=$?
	msg=$(cat "$tmp/$_rn.err")
	case "$rc:$msg" in
	1:*$_rw*) echo "ok   hard limit $_rh, $*: refused at start: $msg" ;;
	*)	fail "hard limit $_rh, $*: exit $rc, said: $msg" ;;
	esac
}
refused C 300 'max_sessions 200 needs 500 file descriptors*hard limit is 300*lower max_sessions to 100 (or*max_relay_sessions)' \
    --max_sessions 200
refused E 300 'max_sessions 200 needs 320 file descriptors*relay-mode session: 20,*hard limit is 300*lower max_sessions to 180' \
    --max_sessions 200 --max_relay_sessions 20

# --- keys mode only: one descriptor per session.
r=$("$b/zrtpd/zrtpd" --check-config --state_dir "$tmp/cc" \
    --control_socket "$tmp/cc.sock" --max_sessions 200 --max_relay_sessions 0)
case "$r" in
*"200 sessions need"*"and 300 descriptors"*"0 relay mode"*)
	echo "ok   --check-config: $r" ;;
*)	fail "--check-config, max_relay_sessions 0: $r" ;;
esac
(ulimit -Hn 300 && daemon K --log_level notice --max_sessions 200 \
    --max_relay_sessions 0)
pids="$pids $(daemon_pid K)"
(ulimit -Hn 300 && daemon L --log_level notice --max_sessions 200 \
    --max_relay_sessions 0)
pids="$pids $(daemon_pid L)"
grep -q 'Max open files *300 *300' "/proc/$(daemon_pid K)/limits" ||
	fail "K's descriptor limits: $(grep 'open files' "/proc/$(daemon_pid K)/limits")"
if ! "$b/tests/system/scale" --keys --a "$tmp/K/ctl.sock" \
    --b "$tmp/L/ctl.sock" --calls 200; then
	fail "200 keys-mode sessions under a hard descriptor limit of 300"
	tail -n 5 "$tmp/K/log"
fi
r=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    '{"id":2,"cmd":"session_create","mode":"keys"}' \
    '{"id":3,"cmd":"session_create"}' | ctl L)
case "$r" in
*'"id":2,"ok":true'*'"id":3,"ok":false'*'"code":"limit"'*'relay-mode session limit (0'*)
	echo "ok   max_relay_sessions 0: a keys-mode create succeeds, a relay one is refused (limit)" ;;
*)	fail "max_relay_sessions 0: $r" ;;
esac
(ulimit -Hn 300 && daemon M --log_level notice --max_sessions 2 \
    --max_relay_sessions 1)
pids="$pids $(daemon_pid M)"
r=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    '{"id":2,"cmd":"session_create"}' '{"id":3,"cmd":"session_create"}' \
    '{"id":4,"cmd":"session_create","mode":"keys"}' | ctl M)
case "$r" in
*'"id":2,"ok":true'*'"id":3,"ok":false'*'"code":"limit"'*'relay-mode session limit (1'*'"id":4,"ok":true'*)
	echo "ok   max_relay_sessions 1: the second relay create is refused (limit), a keys-mode one is not" ;;
*)	fail "max_relay_sessions 1: $r" ;;
esac

# --- passed descriptors: kept only where a command can take them.
r=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    '@passfd {"id":2,"cmd":"status"}' | ctl A)
case "$r" in
*'"id":2,"ok":true'*"passfd held") echo "ok   root's connection keeps a passed descriptor (for cache_backup)" ;;
*)	fail "root passes a descriptor: $r" ;;
esac
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	chmod 755 "$tmp" "$tmp/A"
	r=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
	    '@passfd {"id":2,"cmd":"status"}' | ctl A --as-user nobody)
	case "$r" in
	*'"id":2,"ok":true'*"passfd closed") echo "ok   a read-only connection's passed descriptor is closed at once" ;;
	*)	fail "nobody passes a descriptor: $r" ;;
	esac
else
	echo "SKIP passed descriptors below admin: needs root and a 'nobody' user (not counted as passed)"
fi
[ "$fails" -eq 0 ]

#!/bin/sh
# System test, part of `make check`: the descriptor limit meets the
# session limit. A daemon started with a soft RLIMIT_NOFILE of 256 and
# max_sessions 200 (two sockets per session) raises its soft limit at
# start and holds 200 secured sessions; one whose hard limit cannot meet
# max_sessions refuses to start and says which limit to raise.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt 600 ]; then
	echo "SKIP: hard descriptor limit $hard, 600 needed"
	exit 77
fi
ulimit -Sn 256
daemon A --log_level notice --max_sessions 200
daemon B --log_level notice --max_sessions 200
if ! "$b/tests/system/scale" --a "$tmp/A/ctl.sock" --b "$tmp/B/ctl.sock" \
    --calls 200 --frames 2; then
	fail "200 sessions with a soft descriptor limit of 256"
	tail -n 5 "$tmp/A/log"
fi

mkdir -p "$tmp/C"
rc=0
(ulimit -Hn 300 && exec "$b/zrtpd/zrtpd" --foreground --log stderr \
    --state_dir "$tmp/C/state" --control_socket "$tmp/C.sock" \
    --max_sessions 200) 2>"$tmp/C.err" || rc=$?
msg=$(cat "$tmp/C.err")
case "$rc:$msg" in
1:*"max_sessions 200 needs 528 file descriptors"*"hard limit is 300"*"lower max_sessions to 86"*)
	echo "ok   hard limit 300 < 528 needed: refused at start: $msg" ;;
*)	fail "hard limit 300: exit $rc, said: $msg" ;;
esac
[ "$fails" -eq 0 ]

#!/bin/sh
# zrtpctl without a daemon: usage errors exit 2 with advice, an absent
# daemon exits 6 naming the socket it tried (argument, then $ZRTPD_SOCKET),
# --json keeps its schema on failure, --help and --version work.
set -u
CTL=${top_builddir:-.}/cli/zrtpctl
T=$(mktemp -d /tmp/zrtpctl-usage.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0

# check WANT_EXIT TEXT ARGS...: exit status, and TEXT in stdout or stderr.
check() {
	want=$1 text=$2
	shift 2
	"$CTL" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" != "$want" ] || ! grep -qF -- "$text" "$T/out" "$T/err"; then
		echo "FAIL: zrtpctl $* exited $rc (wanted $want), output:"
		cat "$T/out" "$T/err"
		fails=$((fails + 1))
	fi
}

unset ZRTPD_SOCKET
check 2 "no command given"
check 2 'unknown command "frobnicate"' frobnicate
check 2 "See: zrtpctl --help" frobnicate
check 2 "unknown option --frob" --frob status
check 2 "wrong number of arguments to show" show
check 2 "wrong number of arguments to status" status extra
check 2 "not one of status's" status --pick 2
check 2 "--count takes 2 to 8" verify s1 --challenge --count 9
check 2 "--pick takes the candidate's number" verify s1 --challenge-id k1 --pick 0
check 2 "--color takes auto, always or never" --color sometimes status
check 2 'unknown answer "perhaps"' verify s1 perhaps
check 2 "--challenge asks" verify s1 match --challenge
check 2 "--challenge asks" verify s1 --pick 2
check 2 'enroll takes accept or decline, not "maybe"' enroll s1 maybe
check 2 "wrong number of arguments to enroll" enroll
check 2 "bad cache command" cache frob
check 2 "bad cache command" cache rename 8f1e
check 2 "bad cache command" cache list --yes
check 2 "--until takes an event name" --socket "$T/none" watch --until nothing
check 0 "usage: zrtpctl" --help
check 0 "cache restore FILE [--yes]" --help
check 0 "control protocol 1" --version
check 6 "cannot connect to $T/none.sock" --socket "$T/none.sock" status
check 6 "Is zrtpd running?" --socket "$T/none.sock" status
ZRTPD_SOCKET=$T/env.sock check 6 "cannot connect to $T/env.sock" sessions
# A path under directories that do not exist (as /run/zrtpd before the
# daemon first ran); not the real default path, where a daemon of this
# machine may be listening.
check 6 "cannot connect to $T/run/zrtpd/control.sock" --socket "$T/run/zrtpd/control.sock" status
check 6 '"ok":false,"exit":6,"error":{"code":"unreachable"' --json --socket "$T/none.sock" status
check 2 '"code":"usage"' --json frobnicate
# Bytes from the command line are escaped too before they are shown.
check 2 'unknown command "a\x1b[2Jb"' "$(printf 'a\033[2Jb')"
if grep -q "$(printf '\033')" "$T/err"; then
	echo "FAIL: an escape sequence reached the terminal"
	fails=$((fails + 1))
fi
[ "$fails" -eq 0 ] || exit 1
echo "zrtpctl usage checks passed"

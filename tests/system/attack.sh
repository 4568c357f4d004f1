#!/bin/sh
# System test, part of `make check`: regressions for what an attacker's
# review of the daemon's two network surfaces found (the control socket
# and the media ports). Each block names its finding; each failed before
# its fix.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

daemon A --control_mode 0666

# want FILE N WHAT CODE: reply N of FILE failed with CODE ("ok": succeeded).
want() {
	got=$(sed -n "${2}p" "$1")
	if [ "$4" = ok ]; then
		case "$got" in *'"ok":true'*) return 0 ;; esac
	else
		case "$got" in *"\"code\":\"$4\""*) return 0 ;; esac
	fi
	fail "reply $2 ($3): want $4, got: $(printf '%s' "$got" | cut -c1-200)"
}

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
want "$tmp/inj" 1 "hello with a hostile name" ok
want "$tmp/inj" 2 "unknown command, name cut in a character" unknown_command
want "$tmp/inj" 3 "unknown argument, name cut in a character" bad_request
want "$tmp/inj" 4 "status after them" ok
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
	check_eq "20 connections of one read-only user" "$r" "many 16/20"
	grep -q 'refused: too many connections from this user' "$tmp/A/log" ||
		fail "the refused connections are not in the log"
	r=$(ctl A --many 100 || true)
	check_eq "100 connections of the daemon's own user" "$r" \
	    "many 100/100"
else
	echo "SKIP connection limits: needs root, the user nobody and setpriv"
	skipped=1
fi

[ "$fails" -eq 0 ] || exit 1
[ "$skipped" -eq 0 ] || exit 77

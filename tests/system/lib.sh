# Shared by the system tests and the demo: start zrtpd daemons on
# 127.0.0.1, run softphones against them, and read their lines. Every wait
# is on an event (a daemon that is ready, a line that arrives); the
# softphones' own deadlines bound every read.

b=${top_builddir:-${b:-.}}
tmp=$(mktemp -d)
pids=""
fails=0

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# daemon NAME [options]: zrtpd in the background; returns once ready.
daemon() {
	_dn=$1
	shift
	mkdir -p "$tmp/$_dn"
	"$b/zrtpd/zrtpd" --state_dir "$tmp/$_dn/state" \
	    --control_socket "$tmp/$_dn/ctl.sock" --pid_file "$tmp/$_dn/pid" \
	    --log stderr --log_level info "$@" 2>>"$tmp/$_dn/log"
	pids="$pids $(cat "$tmp/$_dn/pid")"
}

daemon_pid() { cat "$tmp/$1/pid"; }

# spawn NAME WFD RFD command...: run a program with its stdin and stdout
# on fifos; the script writes to fd WFD and reads from fd RFD.
spawn() {
	_sn=$1 _sw=$2 _sr=$3
	shift 3
	rm -f "$tmp/$_sn.in" "$tmp/$_sn.out" "$tmp/$_sn.log"
	mkfifo "$tmp/$_sn.in" "$tmp/$_sn.out"
	"$@" <"$tmp/$_sn.in" >"$tmp/$_sn.out" 2>"$tmp/$_sn.err" &
	pids="$pids $!"
	eval "pid_$_sn=$!"
	eval "exec $_sw>\"\$tmp/\$_sn.in\""
	eval "exec $_sr<\"\$tmp/\$_sn.out\""
	eval "fd_in_$_sn=$_sw fd_out_$_sn=$_sr"
}

# phone NAME DAEMON WFD RFD [softphone options]
phone() {
	_pn=$1 _pd=$2 _pw=$3 _pr=$4
	shift 4
	spawn "$_pn" "$_pw" "$_pr" "$b/tests/system/softphone" \
	    --socket "$tmp/$_pd/ctl.sock" "$@"
}

# tell NAME LINE: one line to NAME's stdin.
tell() {
	eval "printf '%s\\n' \"\$2\" >&\$fd_in_$1"
}

# expect NAME PREFIX: read NAME's lines until one starts with PREFIX; it
# is left in $line. Every line is kept in $tmp/NAME.log.
expect() {
	while eval "IFS= read -r line <&\$fd_out_$1"; do
		printf '%s\n' "$line" >>"$tmp/$1.log"
		case "$line" in "$2"*) return 0 ;; esac
	done
	line=""
	return 1
}

# show NAME: what went wrong, for the test log.
show() {
	echo "--- $1:"
	cat "$tmp/$1.log" "$tmp/$1.err" 2>/dev/null | tail -n 30
}

fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}

check_eq() {	# check_eq WHAT GOT WANT
	if [ "$2" != "$3" ]; then
		fail "$1: got '$2', want '$3'"
		return 1
	fi
}

# want_reply FILE N WHAT CODE: reply N of FILE failed with CODE ("ok":
# succeeded), or the test fails saying what it got.
want_reply() {
	got=$(sed -n "${2}p" "$1")
	if [ "$4" = ok ]; then
		case "$got" in *'"ok":true'*) return 0 ;; esac
	else
		case "$got" in *"\"code\":\"$4\""*) return 0 ;; esac
	fi
	fail "reply $2 ($3): want $4, got: $(printf '%s' "$got" | cut -c1-200)"
}

# jfield NAME JSON: a top-level string, number or boolean of one-line JSON.
jfield() {
	printf '%s\n' "$2" | sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" |
	    head -n 1
}

# offer NAME: NAME's offer line into $port, $hash ("-" for none), $callid.
offer() {
	expect "$1" offer || { show "$1"; return 1; }
	set -- $line
	port=$2
	if [ "$3" = "-" ]; then
		hash=- callid=$4
	else
		hash="$3 $4" callid=$5
	fi
}

# stop NAME [SIGNAL]: signal a daemon and wait for its end (pidfd).
stop() {
	_pid=$(daemon_pid "$1")
	kill -"${2:-TERM}" "$_pid"
	"$b/tests/system/ctlraw" --wait-exit "$_pid" ||
	    fail "daemon $1 (pid $_pid) did not end"
}

# ctl NAME [ctlraw options]: request lines on stdin, one reply line each.
ctl() {
	_cn=$1
	shift
	"$b/tests/system/ctlraw" --socket "$tmp/$_cn/ctl.sock" "$@"
}

# pair NAME_A NAME_B [softphone options]: softphone NAME_A on daemon A
# (fds 3 4, side A) and NAME_B on daemon B (fds 5 6, side B), each told
# the other's offer at $pair_addr (default 127.0.0.1); sets portA hashA
# portB hashB.
pair() {
	_pa=$1 _pb=$2
	shift 2
	phone "$_pa" A 3 4 --side A "$@"
	phone "$_pb" B 5 6 --side B "$@"
	offer "$_pa"; portA=$port hashA=$hash
	offer "$_pb"; portB=$port hashB=$hash
	tell "$_pa" "answer ${pair_addr:-127.0.0.1} $portB $hashB"
	tell "$_pb" "answer ${pair_addr:-127.0.0.1} $portA $hashA"
}

# pair_secure NAME_A NAME_B: both phones report secure, or the test fails
# and ends here (nothing after it would mean anything).
pair_secure() {
	expect "$1" secure || { show "$1"; fail "call not secure (A)"; exit 1; }
	expect "$2" secure || { show "$2"; fail "call not secure (B)"; exit 1; }
}

# pair_done NAME_A NAME_B: both send their frames (go) and finish.
pair_done() {
	tell "$1" go
	tell "$2" go
	expect "$1" done || true
	expect "$2" done || true
}

# pair_quit NAME_A NAME_B: both quit; their result lines (without
# "result ") in resA and resB, empty where none came.
pair_quit() {
	tell "$1" quit
	tell "$2" quit
	resA="" resB=""
	if expect "$1" result; then resA=${line#result }; fi
	if expect "$2" result; then resB=${line#result }; fi
}

# tap_wire NAME: the wire tap quits; its report (without "wire ") in wire.
tap_wire() {
	tell "$1" quit
	wire=""
	if expect "$1" wire; then wire=${line#wire }; fi
}

# simple_call TAG: a call between phones on daemons A and B with 20
# frames each way; sets sasA sasB cacheA cacheB resA resB.
simple_call() {
	pair "a$1" "b$1" --frames 20 --gap 5
	sasA="" sasB="" cacheA="" cacheB=""
	if expect "a$1" secure; then
		sasA=$(echo "$line" | cut -d' ' -f2- | sed 's/ [^ ]*$//')
		cacheA=${line##* }
	fi
	if expect "b$1" secure; then
		sasB=$(echo "$line" | cut -d' ' -f2- | sed 's/ [^ ]*$//')
		cacheB=${line##* }
	fi
	pair_done "a$1" "b$1"
	pair_quit "a$1" "b$1"
	exec 3>&- 4<&- 5>&- 6<&-
}

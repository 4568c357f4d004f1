#!/bin/sh
# System test, part of `make check`: zrtpd as an operator runs it.
# --check-config on good and bad files and the shipped example; a state
# directory others may write in refused (in the background: the parent
# reports it); too little
# RLIMIT_MEMLOCK refused with the figures; a daemon in the foreground with
# a config file telling systemd READY=1 (tests/system/notifyrecv stands in
# for it), no core dumps; SIGHUP raising the log level; SIGTERM closing a
# softphone's session (its client sees "closed", reason "shutdown"),
# STOPPING=1, exit 0. Waits on lines from pipes, never on time.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

zrtpd=$b/zrtpd/zrtpd
d=$tmp/ops
mkdir -p "$d"

# --help on stdout (a person pipes it), listing every setting; --version.
"$zrtpd" --help 2>/dev/null | grep -q -- '--state_dir  *DIR' ||
    fail "zrtpd --help does not list --state_dir on stdout"
case "$("$zrtpd" --version 2>&1)" in "zrtpd "[0-9]*) ;;
*) fail "zrtpd --version: $("$zrtpd" --version 2>&1)" ;; esac

# --check-config: a good file with comments, a bad value named by its line.
cat >"$d/good.conf" <<EOF
# a comment
max_sessions = 100    # after a value too
log_level = info
EOF
out=$("$zrtpd" --config "$d/good.conf" --check-config) ||
    fail "--check-config refused a good file"
case "$out" in *"configuration OK; 100 sessions need"*"KiB"*) ;;
*) fail "--check-config on a good file said: $out" ;; esac
"$zrtpd" --config "${srcdir:-.}/contrib/zrtpd.conf" --check-config \
    >/dev/null || fail "the example contrib/zrtpd.conf is refused"
# ... and with every setting's line uncommented, as a user who edits it
# starts from.
sed 's/^#\([a-z_]* =\)/\1/' "${srcdir:-.}/contrib/zrtpd.conf" >"$d/all.conf"
"$zrtpd" --config "$d/all.conf" --check-config >/dev/null 2>"$d/all.err" ||
    fail "contrib/zrtpd.conf uncommented is refused: $(cat "$d/all.err")"
printf 'log_level = info\n\nmax_sessions = lots\n' >"$d/bad.conf"
st=0
"$zrtpd" --config "$d/bad.conf" --check-config 2>"$d/bad.err" || st=$?
check_eq "--check-config exit status on a bad file" "$st" 2
grep -q "bad.conf:3: max_sessions: 'lots'" "$d/bad.err" ||
    fail "--check-config did not name line 3: $(cat "$d/bad.err")"
printf 'workers = 2\nno_such_key = 1\n' >"$d/bad2.conf"
st=0
"$zrtpd" --config "$d/bad2.conf" --check-config 2>"$d/bad2.err" || st=$?
check_eq "--check-config exit status on an unknown key" "$st" 2
grep -q "bad2.conf:2: unknown setting 'no_such_key'" "$d/bad2.err" ||
    fail "unknown key not named: $(cat "$d/bad2.err")"
# A media_addr that is no address: refused at once, not by every later
# session_create that names none (error bind).
for a in bogus ""; do
	printf 'media_addr = %s\n' "$a" >"$d/bad3.conf"
	st=0
	"$zrtpd" --config "$d/bad3.conf" --check-config 2>"$d/bad3.err" ||
	    st=$?
	check_eq "--check-config exit status on media_addr '$a'" "$st" 2
	grep -q "bad3.conf:1: media_addr: '$a' is not a numeric IPv4 or IPv6 address" \
	    "$d/bad3.err" || fail "media_addr '$a': $(cat "$d/bad3.err")"
done

# Settings judged once both sources are read name their source too: the
# file's line, or the command-line option (which overrides the file).
# cfgerr WANT ARGS...: --check-config exits 2 and says "zrtpd: WANT".
cfgerr() {
	_want=$1
	shift
	st=0
	"$zrtpd" --check-config "$@" 2>"$d/src.err" >/dev/null || st=$?
	check_eq "--check-config $* exit status" "$st" 2 || :
	check_eq "--check-config $* said" "$(cat "$d/src.err")" \
	    "zrtpd: $_want" || :
}
printf '# judged late\nlog_level = info\nmedia_addr = 192.0.2.1\napp_addr = 0.0.0.0\n' \
    >"$d/late.conf"
cfgerr "$d/late.conf:4: app_addr: '0.0.0.0' is not a loopback address (127.0.0.0/8 or ::1): the application port carries media in clear and must not face the network" \
    --config "$d/late.conf"
cfgerr "--app-addr: '0.0.0.0' is not a loopback address (127.0.0.0/8 or ::1): the application port carries media in clear and must not face the network" \
    --app_addr 0.0.0.0
cfgerr "--media-addr: 'nowhere' is not a numeric IPv4 or IPv6 address" \
    --config "$d/late.conf" --media-addr nowhere
printf 'workers = 2\nstate_dir = var/zrtpd\n' >"$d/rel.conf"
cfgerr "$d/rel.conf:2: state_dir: 'var/zrtpd' is not an absolute path" \
    --config "$d/rel.conf"
cfgerr "--control-socket: 'ctl.sock' is not an absolute path" \
    --control-socket ctl.sock
printf '\nkex = X255,DH3k,DH2k,EC25,EC38,EC52\n' >"$d/kex.conf"
cfgerr "$d/kex.conf:2: kex: at most 6 names, to leave room for Mult" \
    --config "$d/kex.conf"
# A bad value on the command line names the option, not a bare key.
cfgerr "--log-level: bad value 'loud'" --log_level loud
"$zrtpd" --check-config --config "$d/late.conf" --app-addr 127.0.0.1 \
    >/dev/null || fail "the command line's app_addr does not override the file's"

# A state directory its group may write in: refused, left as it was. In the
# background, so the parent must report the child's failure.
mkdir -p "$d/gw"
chmod 770 "$d/gw"
st=0
"$zrtpd" --state-dir "$d/gw" --control-socket "$d/gw.sock" --log stderr \
    --pid-file "$d/gw.pid" 2>"$d/gw.err" || st=$?
[ ! -s "$d/gw.pid" ] || kill "$(cat "$d/gw.pid")"
check_eq "exit status with a group-writable state dir" "$st" 1
grep -q "writable by its group or others (mode 0770): refusing" \
    "$d/gw.err" || fail "group-writable state dir: $(cat "$d/gw.err")"
check_eq "group-writable state dir left as it was" \
    "$(stat -c %a "$d/gw")" 770
# A start that fails after opening the control socket removes it: a
# client then hears "no such file", not "connection refused" from a
# socket nobody listens on.
[ ! -e "$d/gw.sock" ] || fail "a failed start left its control socket"

# A second start on a live daemon's control socket is refused there and
# leaves it alone (it took the socket over, then its failed start removed
# it: the live daemon could no longer be reached). A socket nobody listens
# on (a crash's) is still replaced: tests/system/crash.sh.
daemon live
st=0
"$zrtpd" --state-dir "$d/gw" --control-socket "$tmp/live/ctl.sock" \
    --log stderr --pid-file "$d/gw2.pid" 2>"$d/gw2.err" || st=$?
[ ! -s "$d/gw2.pid" ] || kill "$(cat "$d/gw2.pid")"
check_eq "exit status on a live daemon's control socket" "$st" 1
grep -q "control socket $tmp/live/ctl.sock: another zrtpd listens there" \
    "$d/gw2.err" || fail "live control socket: $(cat "$d/gw2.err")"
"$b/cli/zrtpctl" --socket "$tmp/live/ctl.sock" status >/dev/null ||
    fail "a refused start took the live daemon's control socket away"
stop live

# A keys_group or control_group that does not exist stops the start, as
# a typo that would grant nothing, silently, must not.
mkdir -m 700 "$d/kg"
for g in keys_group control_group; do
	st=0
	rm -f "$d/kg.pid"
	"$zrtpd" --state-dir "$d/kg" --control-socket "$d/kg.sock" \
	    --pid-file "$d/kg.pid" --log stderr \
	    --$(echo $g | tr _ -) zrtpd-no-such-group 2>"$d/kg.err" || st=$?
	[ ! -s "$d/kg.pid" ] || kill "$(cat "$d/kg.pid")"
	check_eq "exit status with a $g that does not exist" "$st" 1
	grep -q "$g zrtpd-no-such-group: no such group" "$d/kg.err" ||
	    fail "$g that does not exist: $(cat "$d/kg.err")"
done

# stderr as systemd's journal (JOURNAL_STREAM names its device and inode):
# the same refusal carries the level as "<3>" for the journal. Named
# after another file, stderr gets no prefix.
: >"$d/j.err"
st=0
JOURNAL_STREAM=$(stat -c %d:%i "$d/j.err") "$zrtpd" --foreground \
    --state-dir "$d/gw" --control-socket "$d/gw.sock" --log stderr \
    2>>"$d/j.err" || st=$?
check_eq "exit status with a group-writable state dir (journal)" "$st" 1
check_eq "journal level prefix" "$(cut -c1-14 "$d/j.err")" "<3>zrtpd[err]:"
JOURNAL_STREAM=$(stat -c %d:%i "$d/bad.conf") "$zrtpd" --foreground \
    --state-dir "$d/gw" --control-socket "$d/gw.sock" --log stderr \
    2>"$d/j2.err" || :
check_eq "no prefix off the journal" "$(cut -c1-10 "$d/j2.err")" "zrtpd[err]"

# Too little RLIMIT_MEMLOCK: refused with what is needed and what there is.
# Root locks past the limit (CAP_IPC_LOCK): take that capability away. In
# the background, so that a daemon which starts anyway (a regression)
# returns and is stopped, never hangs the test. AddressSanitizer makes
# mlock(2) a no-op that succeeds, so the refusal cannot happen in the
# `./dev asan` build: said, not passed; the plain build checks it.
if ldd "$zrtpd" 2>/dev/null | grep -q libasan; then
	echo "SKIP memlock refusal: ASan's mlock() always succeeds (not counted as passed)"
else
	noipc=""
	if [ "$(id -u)" -eq 0 ]; then
		noipc="setpriv --bounding-set -ipc_lock --inh-caps -ipc_lock"
	fi
	st=0
	prlimit --memlock=1048576:1048576 $noipc "$zrtpd" --max-sessions 1000 \
	    --state-dir "$d/ml" --control-socket "$d/ml.sock" --log stderr \
	    --pid-file "$d/ml.pid" 2>"$d/ml.err" || st=$?
	[ ! -s "$d/ml.pid" ] || kill "$(cat "$d/ml.pid")"
	check_eq "exit status with RLIMIT_MEMLOCK too small" "$st" 1
	grep -q "cannot lock [0-9]* KiB of memory for the secrets of 1000 sessions, RLIMIT_MEMLOCK is 1024 KiB" \
	    "$d/ml.err" || fail "memlock refusal: $(cat "$d/ml.err")"
	[ ! -e "$d/ml" ] ||
	    fail "state dir created although memory could not be locked"
fi

# The daemon in the foreground, as systemd starts it.
cat >"$d/zrtpd.conf" <<EOF
state_dir = $d/state
control_socket = $d/ctl.sock
log = stderr
log_level = notice
EOF
spawn sd 3 4 "$b/tests/system/notifyrecv" "$d/notify.sock" 30
expect sd listening
NOTIFY_SOCKET=$d/notify.sock
export NOTIFY_SOCKET
spawn zd 5 6 sh -c 'exec "$0" "$@" 2>&1' "$zrtpd" --config "$d/zrtpd.conf" \
    --foreground
zpid=$!
unset NOTIFY_SOCKET
expect zd "zrtpd[notice]: ready" || { show zd; exit 1; }
expect sd READY=1 || fail "no READY=1 for systemd"

# No core dumps: RLIMIT_CORE 0, and not dumpable, which shows as
# /proc/PID's files owned by root while the process is not root.
check_eq "RLIMIT_CORE" "$(sed -n 's/^Max core file size *//p' \
    "/proc/$zpid/limits" | tr -s ' ')" "0 0 bytes "
if [ "$(id -u)" -ne 0 ]; then
	check_eq "/proc/PID/status owner (not dumpable)" \
	    "$(stat -c %u "/proc/$zpid/status")" 0
fi	# as root: tests/system/privdrop.sh

# SIGHUP: at notice a control connection (an info line) is not logged;
# once the file says info and SIGHUP re-read it, one is. Each reload's
# own notice line is the marker to wait for.
hup() {
	kill -HUP "$zpid"
	expect zd "zrtpd[notice]: SIGHUP" || { show zd; exit 1; }
}
"$b/cli/zrtpctl" --socket "$d/ctl.sock" status >/dev/null ||
    fail "zrtpctl status"
sed -i 's/^log_level = notice/log_level = info/' "$d/zrtpd.conf"
hup
check_eq "reload" "$line" "zrtpd[notice]: SIGHUP: settings reloaded (sockets, paths, users, groups, limits and workers need a restart)"
if grep -q "connected" "$tmp/zd.log"; then
	fail "an info line was logged at level notice"
fi
"$b/cli/zrtpctl" --socket "$d/ctl.sock" status >/dev/null ||
    fail "zrtpctl status"
hup
grep -q "zrtpd\[info\]: control: pid [0-9]* uid [0-9]* connected" \
    "$tmp/zd.log" || fail "log level not raised by SIGHUP"

# SIGHUP with a bad file: named by its line, the settings stay.
printf 'log_level = loud\n' >>"$d/zrtpd.conf"
kill -HUP "$zpid"
expect zd "zrtpd[" || { show zd; exit 1; }
check_eq "reload of a bad file" "$line" \
    "zrtpd[err]: SIGHUP: $d/zrtpd.conf:5: log_level: bad value 'loud'; settings unchanged"
# ... and a value judged once the file is read, named by its line too.
sed -i 's/^log_level = loud/media_addr = bogus/' "$d/zrtpd.conf"
kill -HUP "$zpid"
expect zd "zrtpd[" || { show zd; exit 1; }
check_eq "reload of a bad media_addr" "$line" \
    "zrtpd[err]: SIGHUP: $d/zrtpd.conf:5: media_addr: 'bogus' is not a numeric IPv4 or IPv6 address; settings unchanged"

# SIGTERM with a session open: its client sees it closed, then the daemon
# tells systemd it stops and exits 0, its socket removed.
phone pa ops 7 8 --side A --frames 5
expect pa offer || { show pa; fail "no session"; }
kill -TERM "$zpid"
expect zd "zrtpd[notice]: signal 15: closing 1 sessions" ||
    fail "SIGTERM not logged"
expect pa "event closed" || fail "the client never saw its session closed"
case "$line" in *'"reason":"shutdown"'*) ;;
*) fail "closed event without reason shutdown: $line" ;; esac
expect sd STOPPING=1 || fail "no STOPPING=1 for systemd"
st=0
wait "$zpid" || st=$?
check_eq "exit status after SIGTERM" "$st" 0
[ ! -e "$d/ctl.sock" ] || fail "control socket left behind"

[ "$fails" -eq 0 ] || { show zd; exit 1; }
echo "ops: all checks passed"

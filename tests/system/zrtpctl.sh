#!/bin/bash
# zrtpctl against real daemons: two zrtpd on loopback, a call between two
# plain-RTP softphones (tests/system/softphone), and every zrtpctl command's
# text, JSON and exit status checked; the SAS verified through zrtpctl and
# the V flag seen by the next call; `watch` in a terminal (tmux) showing
# the SAS appear; the mismatch alarm; the challenge refusing a wrong pick;
# the cache, its backup and restore. Waits on events (lines on pipes, tmux
# wait-for), never on time.
set -u
. "${srcdir:-.}/tests/system/lib.sh"

CTL=$(cd "$b" && pwd)/cli/zrtpctl
TMUX_SOCK=$tmp/tmux.sock
W=$tmp/ctl
mkdir -m 700 "$W"
trap 'tmux -S "$TMUX_SOCK" kill-server 2>/dev/null; cleanup' EXIT INT TERM
export NO_COLOR=	# colour follows the terminal, as for a person
unset ZRTPD_SOCKET

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
pass() { echo "ok: $*"; }
die() {
	echo "FAIL: $*"
	for f in "$tmp"/*/log "$tmp"/*.log; do
		[ -f "$f" ] && { echo "==> $f"; tail -n 20 "$f"; }
	done
	exit 1
}

# run WANT CMD...: run, keep stdout in $W/out and stderr in $W/err, check
# the exit status.
run() {
	local want=$1 rc
	shift
	"$@" >"$W/out" 2>"$W/err"
	rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, not $want:
$(cat "$W/out" "$W/err")"
}
# has TEXT [FILE]: the last command printed TEXT.
has() {
	grep -qF -- "$1" "${2:-$W/out}" ||
	    fail "no '$1' in:
$(cat "${2:-$W/out}")"
}
hasnt() {
	! grep -qF -- "$1" "${2:-$W/out}" ||
	    fail "'$1' should not be in:
$(cat "${2:-$W/out}")"
}
# jis EXPR VALUE: jq EXPR of the last output is VALUE.
jis() {
	local v
	v=$(jq -r "$1" "$W/out" 2>&1)
	[ "$v" = "$2" ] || fail "jq '$1' gave '$v', not '$2' in:
$(cat "$W/out")"
}

# read_until FD REGEX [DELIM]: the next line (or text up to DELIM: a
# prompt ends in ": ") on FD matching REGEX, into LINE. The 30 s deadline
# fails a hung program instead of hanging the test.
read_until() {
	local end=$((SECONDS + 30))
	while [ "$SECONDS" -lt "$end" ]; do
		IFS= read -r -d "${3:-$'\n'}" -t $((end - SECONDS)) -u "$1" \
		    LINE || break
		[[ $LINE =~ $2 ]] && return 0
	done
	die "no line matching '$2' in time"
}

S1=$tmp/A/ctl.sock
S2=$tmp/B/ctl.sock

# call [PHONE_OPTS]: a call from phone A (daemon A) to phone B (daemon B), up to the
# SAS (lib.sh's phones); sets SID1, SID2 (the sessions), SAS and CACHE
# (A's view).
CALLS=0
call() {
	local n=$((++CALLS)) pa pb ha hb sasb
	phone pa$n A 3 4 --side A --frames 5 --timeout 60 "$@"
	phone pb$n B 5 6 --side B --frames 5 --timeout 60 "$@"
	expect pa$n offer || die "no offer from A"
	set -- $line
	pa=$2 ha="$3 $4"
	expect pb$n offer || die "no offer from B"
	set -- $line
	pb=$2 hb="$3 $4"
	tell pa$n "answer 127.0.0.1 $pb $hb"
	tell pb$n "answer 127.0.0.1 $pa $ha"
	tell pa$n go
	tell pb$n go
	expect pa$n secure || { show pa$n; die "A not secure"; }
	SAS=$(echo "$line" | cut -d' ' -f2- | sed 's/ [^ ]*$//')
	CACHE=${line##* }
	expect pb$n secure || { show pb$n; die "B not secure"; }
	sasb=$(echo "$line" | cut -d' ' -f2- | sed 's/ [^ ]*$//')
	[ "$sasb" = "$SAS" ] || die "the two SAS differ: $SAS, $sasb"
	SID1=$(live_session "$S1")
	SID2=$(live_session "$S2")
}

live_session() {
	"$CTL" --socket "$1" --json sessions |
	    jq -r '[.result.sessions[] | select(.ended == false)][0].session'
}

# hangup: both phones quit; their sessions close with their connections.
hangup() {
	tell pa$CALLS quit
	tell pb$CALLS quit
	expect pa$CALLS result
	expect pb$CALLS result
	exec 3>&- 4<&- 5>&- 6<&-
}

# hangup_closed: hang up, and wait until daemon A has closed its session
# (a watcher subscribed before the hang-up exits on the "closed" event).
hangup_closed() {
	local w
	mkfifo "$W/closed$CALLS"
	"$CTL" --socket "$S1" --json watch "$SID1" --until closed \
	    >"$W/closed$CALLS" &
	w=$!
	exec {CW}<"$W/closed$CALLS"
	read_until "$CW" '^\{"ok":true,"exit":0,"result":\{"subscribed":true\}\}$'
	hangup
	read_until "$CW" '^\{.*"event":"closed"'
	echo "$LINE" >"$W/out"
	jis .session "$SID1"
	jis .reason request	# the phone closes its session at hang-up
	wait "$w" || fail "watch --until closed exited $?"
	exec {CW}<&-
}

# In a terminal: tmux, its output piped to a FIFO read as it comes.
term_start() {	# term_start NAME CMD: CMD runs once the pipe is attached
	mkfifo "$W/$1.pipe"
	tmux -S "$TMUX_SOCK" new-session -d -s "$1" -x 100 -y 50 \
	    "tmux -S '$TMUX_SOCK' wait-for go-$1; $2; tmux -S '$TMUX_SOCK' wait-for -S done-$1; cat"
	tmux -S "$TMUX_SOCK" pipe-pane -t "$1" -o "cat >> '$W/$1.pipe'"
	exec {TERM_FD}<"$W/$1.pipe"
	tmux -S "$TMUX_SOCK" wait-for -S "go-$1"
}
term_wait_done() {
	timeout 30 tmux -S "$TMUX_SOCK" wait-for "done-$1" ||
	    die "$1 did not end in time"
}
screen() { tmux -S "$TMUX_SOCK" capture-pane -p -J -t "$1" >"$W/out"; }

daemon A
daemon B

# ---- no daemon, usage, help ----
run 6 "$CTL" --socket "$W/none.sock" status
has "cannot connect to $W/none.sock" "$W/err"
has "Is zrtpd running?" "$W/err"
run 6 "$CTL" --socket "$W/none.sock" --json status
jis .error.code unreachable
jis .exit 6
ZRTPD_SOCKET=$S1 run 0 "$CTL" status
has "Sessions: 0"
run 2 "$CTL" --socket "$S1" frobnicate
has "unknown command" "$W/err"
run 2 "$CTL" --socket "$S1" show
run 2 "$CTL" --socket "$S1" status --pick 1
run 2 "$CTL" --socket "$S1" verify s1 perhaps
run 0 "$CTL" --help
has "verify SESSION"
run 0 "$CTL" --version
has "zrtpctl"
pass "no daemon, usage"

# ---- permission: a user outside the socket's group ----
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 &&
    setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null &&
    setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$CTL"; then
	chmod 711 "$tmp" "$tmp/A"
	run 7 setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$CTL" --socket "$S1" status
	has "The socket's group is root: run zrtpctl with sudo" "$W/err"
	if getent group daemon >/dev/null && chgrp daemon "$S1"; then
		run 7 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    "$CTL" --socket "$S1" status
		has "Join the group daemon (sudo adduser \$USER daemon)" \
		    "$W/err"
		chgrp root "$S1"
	fi
	chmod 700 "$tmp" "$tmp/A"
	pass "permission"
else
	echo "note: permission case not run (needs root, nobody and an" \
	    "accessible build directory)"
fi

# ---- status, sessions, unknown session ----
run 0 "$CTL" --socket "$S1" status
has "Our ZID:"
has "Access:   admin"
run 0 "$CTL" --socket "$S1" --json status
jis .ok true
jis .result.sessions.count 0
run 8 "$CTL" --socket "$S1" show s99
has "List the sessions with: zrtpctl sessions" "$W/err"
run 8 "$CTL" --socket "$S1" --json show s99
jis .error.code unknown_session
run 0 "$CTL" --socket "$S1" sessions
has "No sessions"
pass "status, sessions"

# ---- watch in a terminal: the SAS appears the moment it is ready ----
term_start watch "$CTL --socket $S1 watch --until sas_ready"
read_until "$TERM_FD" 'Watching'
call
term_wait_done watch
screen watch
has "The SAS is ready"
has "SAS:      $SAS"
has "zrtpctl verify $SID1"
[ "$CACHE" = new ] || fail "first call's cache is $CACHE"
first_sas=$SAS
spoken=$("$CTL" --socket "$S1" show "$SID1" | sed -n 's/^Say: *//p')
[ -n "$spoken" ] || fail "no spoken SAS"
has "Say:      $spoken"
pass "watch in a terminal showed SAS $SAS ($spoken)"

# ---- the call: show, sessions, name, verify on both sides ----
run 0 "$CTL" --socket "$S1" show "$SID1"
has "SECURE, NOT VERIFIED"
has "SAS:      $SAS"
has "Cache:    new"
has "Next:     Read the SAS aloud to each other, then: zrtpctl verify $SID1"
run 0 "$CTL" --socket "$S1" --json show "$SID1"
jis .result.security secure_unverified
jis .result.sas.text "$SAS"
jis .exit 0
hasnt '"rs1"'
run 0 "$CTL" --socket "$S1" sessions
has "$SID1"
has "$SAS"
run 0 "$CTL" --socket "$S1" --json sessions
jis ".result.sessions[0].session" "$SID1"
run 2 "$CTL" --socket "$S1" verify "$SID1" </dev/null
has "not on a terminal" "$W/err"
# The cache's verified flag, in words true before and right after the
# verdict on this very call (not "on an earlier call").
peer1=$("$CTL" --socket "$S1" --json show "$SID1" | jq -r .result.peer.zid)
run 0 "$CTL" --socket "$S1" cache show "$peer1"
has "Verified:    no: compare the SAS on a call with this peer"
run 0 "$CTL" --socket "$S1" verify "$SID1" match --name "Bob"
has "Verified."
has "SECURE (VERIFIED)"
has "ZRTP Secure: the SAS was verified on this call"
run 0 "$CTL" --socket "$S1" cache show "$peer1"
has "Verified:    yes: the SAS was compared and confirmed on a call with this peer"
hasnt "earlier call"
run 0 "$CTL" --socket "$S2" --json verify "$SID2" match
jis .result.security secure_verified
run 0 "$CTL" --socket "$S2" name "$SID2" "Alice"
has 'is named "Alice"'
run 0 "$CTL" --socket "$S1" --json name "$SID1"
jis .result.name Bob
run 0 "$CTL" --socket "$S1" show "$SID1"
has 'Peer:     "Bob"'
pass "verified through zrtpctl on both sides"

# Bash completion: commands, and live session ids from the daemon.
complete_words() {	# complete_words WORD...: COMPREPLY for the last
	PATH=$(dirname "$CTL"):$PATH ZRTPD_SOCKET=$S1 bash -c \
	    '. "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
	    _zrtpctl; echo "${COMPREPLY[*]}"' \
	    "${srcdir:-.}/cli/completion/zrtpctl" "$@"
}
[ "$(complete_words zrtpctl ver)" = verify ] || fail "completion of ver"
[ "$(complete_words zrtpctl verify "")" = "$SID1" ] ||
    fail "completion of a session: $(complete_words zrtpctl verify "")"
[ "$(complete_words zrtpctl verify "$SID1" m)" = "match mismatch" ] ||
    fail "completion of an answer"
[ "$(complete_words zrtpctl cache f)" = forget ] ||
    fail "completion of cache f"
pass "bash completion"
hangup

# ---- the next call: verified from the start, the name shown ----
call
[ "$CACHE" = matched ] || fail "second call's cache is $CACHE"
run 0 "$CTL" --socket "$S1" show "$SID1"
has "SECURE (VERIFIED)"
has 'Peer:     "Bob"'
has "Cache:    matched"
run 0 "$CTL" --socket "$S1" --json show "$SID1"
jis .result.security secure_verified
jis .result.sas.verified true
pass "the next call is verified from the start (V flags, cache match)"

# ---- unverify: the V flag cleared ----
run 0 "$CTL" --socket "$S1" unverify "$SID1"
has "verified flag is cleared"
run 0 "$CTL" --socket "$S1" --json show "$SID1"
jis .result.security secure_unverified

# ---- the challenge: a wrong pick refused, the right one verifies ----
run 0 "$CTL" --socket "$S1" --json verify "$SID1" --challenge --count 5
cid=$(jq -r .result.challenge "$W/out")
right=$(jq -r --arg s "$SAS" '.result.candidates | index($s)' "$W/out")
[ "$(jq -r '.result.candidates | length' "$W/out")" = 5 ] ||
    fail "not 5 candidates"
wrong=$(( (right + 1) % 5 ))
run 9 "$CTL" --socket "$S1" verify "$SID1" --challenge-id "$cid" \
    --pick $((wrong + 1))
has "That is not this call's SAS"
has "Nothing was recorded"
run 0 "$CTL" --socket "$S1" --json show "$SID1"
jis .result.security secure_unverified
run 0 "$CTL" --socket "$S1" verify "$SID1" --challenge
has "It is one of these:"
has "$SAS"
cid=$(sed -n 's/.*--challenge-id \([^ ]*\) --pick N.*/\1/p' "$W/out")
right=$(grep -E '^  [0-9]\)' "$W/out" | grep -nF " $SAS" | cut -d: -f1)
run 0 "$CTL" --socket "$S1" verify "$SID1" --challenge-id "$cid" \
    --pick "$right"
has "Verified."
pass "the challenge refused a wrong pick and took the right one"

# ---- verify in a terminal, with the challenge ----
run 0 "$CTL" --socket "$S1" unverify "$SID1"
term_start pick "$CTL --socket $S1 verify $SID1 --challenge"
read_until "$TERM_FD" 'Number \(1-4\)' :
screen pick
n=$(grep -E '^  [0-9]\)' "$W/out" | grep -nF " $SAS" | cut -d: -f1)
tmux -S "$TMUX_SOCK" send-keys -t pick "$n" Enter
read_until "$TERM_FD" 'Name \(Enter keeps' :
tmux -S "$TMUX_SOCK" send-keys -t pick "Bobby" Enter
term_wait_done pick
screen pick
has "Verified."
run 0 "$CTL" --socket "$S1" --json name "$SID1"
jis .result.name Bobby
pass "verify --challenge in a terminal"
hangup

# ---- a mismatch: the alarm, never a quiet flag (B256: two words) ----
call --sas B256
case $SAS in *" "*) ;; *) fail "B256 SAS '$SAS' is not two words" ;; esac
run 0 "$CTL" --socket "$S1" show "$SID1"
has "SAS:      $SAS"
has "Say:      $SAS"
run 5 "$CTL" --socket "$S1" verify "$SID1" mismatch
has "SAS MISMATCH"
has "Someone is actively trying to intercept your call"
has "Do not discuss sensitive information"
run 5 "$CTL" --socket "$S1" show "$SID1"
has "SAS MISMATCH"
run 5 "$CTL" --socket "$S1" --json show "$SID1"
jis .result.security sas_mismatch
run 0 "$CTL" --socket "$S2" verify "$SID2" later
has "Not verified yet"
pass "mismatch alarm"

# A backup while a call is up; a restore is refused until it ends.
run 0 "$CTL" --socket "$S1" cache backup "$W/backup1"
has "(mode 0600)"
[ "$(stat -c %a "$W/backup1")" = 600 ] || fail "backup mode is not 0600"
run 1 "$CTL" --socket "$S1" cache backup "$W/backup1"
has "never overwrites" "$W/err"
run 1 "$CTL" --socket "$S1" --json cache restore "$W/backup1" --yes
jis .error.code busy

# ---- the cache ----
zid=$("$CTL" --socket "$S1" --json show "$SID1" | jq -r .result.peer.zid)
short=${zid:0:8}
run 0 "$CTL" --socket "$S1" cache list
has "$short"
has '"Bobby"'
hasnt "$zid"
run 0 "$CTL" --socket "$S1" --json cache list
jis ".result.peers[0].zid" "$zid"
jis ".result.peers[0].verified" false
run 0 "$CTL" --socket "$S1" cache show "${zid:0:6}"
has "Name:        \"Bobby\""
has "values never shown"
run 0 "$CTL" --socket "$S1" cache rename "${zid:0:6}" "Robert"
run 0 "$CTL" --socket "$S1" --json cache show "$short"
jis .result.name Robert
run 8 "$CTL" --socket "$S1" cache show ffff0000
has "zrtpctl cache list" "$W/err"
run 0 "$CTL" --socket "$S1" cache unverify "$short"
hangup_closed
# The daemon refuses a name that would rewrite a screen: C0 controls, a C1
# CSI, a right-to-left override (zrtpctl escapes what peers wrote anyway:
# check_escape).
run 2 "$CTL" --socket "$S1" cache rename "$short" $'Eve\e[2J\a'
has "control characters" "$W/err"
run 2 "$CTL" --socket "$S1" cache rename "$short" $'Eve\xc2\x9b2J'
has "control characters" "$W/err"
run 2 "$CTL" --socket "$S1" cache rename "$short" $'Eve\xe2\x80\xaeevE'
has "bidirectional" "$W/err"
run 0 "$CTL" --socket "$S1" cache rename "$short" $'\xc3\x89ve'
run 0 "$CTL" --socket "$S1" --json cache show "$short"
jis .result.name $'\xc3\x89ve'
run 2 "$CTL" --socket "$S1" cache forget "$short" </dev/null
has "without --yes" "$W/err"
run 0 "$CTL" --socket "$S1" cache forget "$short" --yes
run 0 "$CTL" --socket "$S1" --json cache list
jis '.result.peers | length' 0
pass "cache list, show, rename, unverify, forget"

# ---- backup and restore: the descriptor passed, images checked ----
our_zid=$("$CTL" --socket "$S1" --json status | jq -r .result.zid)
run 0 "$CTL" --socket "$S1" --json cache backup "$W/backup2"
jis .result.peers 0
head -c 3000 "$W/backup1" >"$W/truncated"
run 1 "$CTL" --socket "$S1" cache restore "$W/truncated" --yes
has "the image is refused, nothing changed" "$W/err"
echo "not a cache" >"$W/garbage"
run 1 "$CTL" --socket "$S1" --json cache restore "$W/garbage" --yes
jis .error.code cache
run 2 "$CTL" --socket "$S1" cache restore "$W/backup1" </dev/null
run 0 "$CTL" --socket "$S1" cache restore "$W/backup1" --yes
has "Restored the cache"
run 0 "$CTL" --socket "$S1" --json cache list
jis '.result.peers | length' 1
jis '.result.peers[0].zid' "$zid"
jis '.result.peers[0].name' Bobby	# as it was at the backup
run 0 "$CTL" --socket "$S1" --json status
jis .result.zid "$our_zid"
pass "cache backup and restore"

if [ "$fails" -ne 0 ]; then
	echo "$fails failure(s)"
	exit 1
fi
echo "all zrtpctl system checks passed"

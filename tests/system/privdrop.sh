#!/bin/sh
# System test, part of `make check`, run as root only (it skips, exit 77,
# otherwise; CI runs as root): zrtpd started as root with `user = nobody`
# (the system's own unprivileged account: no user is created) opens its
# control socket as root, creates the state directory for the user, and
# runs as nobody with every uid and gid nobody's, no supplementary group,
# and not dumpable, so that even nobody cannot read its memory; a state
# directory that belongs to root is refused after the drop.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	echo "privdrop: needs root (started as uid $(id -u)): SKIP"
	exit 77
fi
. "${srcdir:-.}/tests/system/lib.sh"

zrtpd=$b/zrtpd/zrtpd
uid=$(id -u nobody)
gid=$(id -g nobody)
d=$tmp/pd
mkdir -p "$d"
chmod 711 "$tmp" "$d"	# nobody passes through to its state directory

spawn zd 3 4 sh -c 'exec "$0" "$@" 2>&1' "$zrtpd" --foreground \
    --user nobody --state-dir "$d/state" --control-socket "$d/ctl.sock" \
    --log stderr --log-level info
zpid=$!
expect zd "zrtpd[notice]: ready" || { show zd; exit 1; }
grep -q "zrtpd\[info\]: running as nobody" "$tmp/zd.log" ||
    fail "no 'running as nobody' line"

ids() { sed -n "s/^$1:[[:space:]]*//p" "/proc/$zpid/status" | tr -s '\t ' ' '; }
check_eq "real, effective, saved, fs uid" "$(ids Uid)" \
    "$uid $uid $uid $uid"
check_eq "real, effective, saved, fs gid" "$(ids Gid)" \
    "$gid $gid $gid $gid"
check_eq "supplementary groups" "$(ids Groups)" ""
check_eq "capabilities" "$(ids CapEff)" "0000000000000000"
check_eq "state directory owner and mode" "$(stat -c '%u %a' "$d/state")" \
    "$uid 700"
check_eq "cache owner and mode" "$(stat -c '%u %a' "$d/state/cache.db")" \
    "$uid 600"
check_eq "control socket owner" "$(stat -c %u "$d/ctl.sock")" "$uid"

# Not dumpable: /proc/PID's files stay root's although the process is
# nobody's, and nobody itself cannot read the daemon's environment (or
# memory).
check_eq "/proc/PID/status owner (not dumpable)" \
    "$(stat -c %u "/proc/$zpid/status")" 0
if setpriv --reuid "$uid" --regid "$gid" --clear-groups \
    cat "/proc/$zpid/environ" >/dev/null 2>&1; then
	fail "nobody could read the daemon's /proc/PID/environ"
fi

# Root still controls it (the socket was given to the user, mode 0660).
"$b/cli/zrtpctl" --socket "$d/ctl.sock" status >/dev/null ||
    fail "zrtpctl status as root"
kill -TERM "$zpid"
st=0
wait "$zpid" || st=$?
check_eq "exit status after SIGTERM" "$st" 0

# A state directory root owns: refused once the daemon is nobody.
mkdir -m 700 "$d/rootstate"
st=0
"$zrtpd" --foreground --user nobody --state-dir "$d/rootstate" \
    --control-socket "$d/ctl2.sock" 2>"$d/rs.err" || st=$?
check_eq "exit status with a root-owned state dir" "$st" 1
grep -q "state directory $d/rootstate belongs to uid 0, not to us ($uid)" \
    "$d/rs.err" || fail "root-owned state dir: $(cat "$d/rs.err")"

[ "$fails" -eq 0 ] || { show zd; exit 1; }
echo "privdrop: all checks passed"

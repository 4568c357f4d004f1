#!/bin/sh
# System test, part of `make check`: a retained secret the cache cannot
# store is never reported secure. Another process holds the cache's write
# lock (tests/system/dblock), so the daemon's store of the new rs1 fails
# as on a full disk: the session fails with io_error, never secure; the
# file is left as it was and, the lock gone, the next call goes secure.
# The peer stored its rs1, a first contact's: the next call comes within
# the window in which that row is tentative (docs/engine.md, "Concurrent
# calls"), so it is a first contact on both sides, and B's log says why;
# after the window B would report the mismatch (tests/unit/check_overlap).
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

daemon A
daemon B
spawn lock 7 8 "$b/tests/system/dblock" "$tmp/A/state/cache.db"
expect lock locked || { show lock; fail "cannot lock A's cache"; exit 1; }

pair a1 b1 --frames 20 --gap 5
# The first of "secure" or "notsecure" A's phone reports.
first=""
while IFS= read -r line <&4; do
	printf '%s\n' "$line" >>"$tmp/a1.log"
	case "$line" in
	secure*|notsecure*) first=$line; break ;;
	esac
done
case "$first" in
"notsecure failed")
	if grep -q '"event":"failed".*"code":"io_error"' "$tmp/a1.log" &&
	    grep -q 'the retained secret could not be stored' "$tmp/a1.log"
	then
		echo "ok   a store that fails is not secure: failed, io_error"
	else
		show a1
		fail "store failed: no io_error failure event"
	fi ;;
*)
	show a1
	fail "store failed: A's phone said '$first', want 'notsecure failed'" ;;
esac
grep -q "cache write failed" "$tmp/A/log" || fail "A did not log the failure"
tell a1 quit
tell b1 quit
expect a1 result || true
expect b1 result || true
exec 3>&- 4<&- 5>&- 6<&-

# The lock goes; the file is whole and the daemon goes on.
exec 7>&- 8<&-
simple_call 2
if check_eq "after the failed store: cache A" "$cacheA" new &&
    check_eq "after the failed store: cache B" "$cacheB" new &&
    check_eq "after the failed store: SAS" "$sasB" "$sasA"; then
	echo "ok   the lock gone, the next call is secure (A new, B new)"
fi
grep -q "proved none of the secret a first contact stored" "$tmp/B/log" ||
    fail "B did not log why its tentative row is no mismatch"

[ $fails -eq 0 ] || { tail -n 30 "$tmp/A/log" "$tmp/B/log"; exit 1; }

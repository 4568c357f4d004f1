#!/bin/sh
# System test, part of `make check`: the cache across crashes and damage.
# - kill -9 while a call's media flows, restart on the same state: the
#   next call matches the retained secret of the first (durable before
#   secure), with the same ZIDs;
# - one side forgets the peer (cache_forget): the other side reports a
#   cache mismatch (cache_mismatch state) on the next call;
# - a damaged cache file stops the daemon at start with a clear message
#   and exit status 1, never a silent reset.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

daemon A
daemon B
zidA=$(echo '{"id":1,"cmd":"hello","versions":[1]}' | ctl A | sed 's/.*"zid":"\([0-9a-f]*\)".*/\1/')
zidB=$(echo '{"id":1,"cmd":"hello","versions":[1]}' | ctl B | sed 's/.*"zid":"\([0-9a-f]*\)".*/\1/')

simple_call 1
check_eq "first call: cache A" "$cacheA" new
[ -n "$sasA" ] && [ "$sasA" = "$sasB" ] || fail "first call: SAS '$sasA' '$sasB'"

# kill -9 with media flowing: phone a2 secures a call and streams.
pair a2 b2 --frames 400 --gap 5
expect a2 secure || fail "second call not secure"
expect b2 secure || true
tell a2 go
tell b2 go
stop A KILL
exec 3>&- 4<&- 5>&- 6<&-
daemon A
zidA2=$(echo '{"id":1,"cmd":"hello","versions":[1]}' | ctl A | sed 's/.*"zid":"\([0-9a-f]*\)".*/\1/')
check_eq "ZID after kill -9" "$zidA2" "$zidA"
simple_call 3
if check_eq "after kill -9: cache A" "$cacheA" matched &&
    check_eq "after kill -9: cache B" "$cacheB" matched &&
    check_eq "after kill -9: SAS" "$sasB" "$sasA" &&
    check_eq "after kill -9: frames" "$(jfield received "$resA")" 20; then
	echo "ok   kill -9 during media, restart: same ZID, the next call matches the cache (SAS '$sasA')"
fi

# B forgets A: A still holds the secret, so A sees a mismatch.
r=$(printf '%s\n' '{"id":1,"cmd":"hello","versions":[1]}' \
    "{\"id\":2,\"cmd\":\"cache_forget\",\"zid\":\"$zidA\"}" | ctl B | tail -n 1)
case "$r" in *'"ok":true'*) ;; *) fail "cache_forget: $r" ;; esac
simple_call 4
if check_eq "lost cache: cache A" "$cacheA" mismatch &&
    check_eq "lost cache: cache B" "$cacheB" new &&
    check_eq "lost cache: A's security" "$(jfield security "$resA")" cache_mismatch; then
	echo "ok   one side lost its cache: the other reports cache_mismatch, SAS '$sasA' to compare"
fi

# A damaged cache stops the daemon, with the reason.
stop A
printf 'this is not an SQLite database, it was damaged\n%0400d\n' 0 \
    >"$tmp/A/state/cache.db"
rm -f "$tmp/A/state/cache.db-wal" "$tmp/A/state/cache.db-shm"
set +e
"$b/zrtpd/zrtpd" --state_dir "$tmp/A/state" --control_socket "$tmp/A/ctl.sock" \
    --log stderr >"$tmp/A/damaged.out" 2>&1
rc=$?
set -e
if [ $rc -eq 1 ] && grep -q "cannot be used" "$tmp/A/damaged.out" &&
    grep -q "RECOVERING THE CACHE" "$tmp/A/damaged.out"; then
	echo "ok   a damaged cache stops the daemon: $(grep -o 'the retained-secret cache[^:]*: [^.]*' "$tmp/A/damaged.out" | head -n 1)"
else
	fail "damaged cache: exit $rc: $(cat "$tmp/A/damaged.out")"
fi

[ $fails -eq 0 ] || { tail -n 30 "$tmp/A/log" "$tmp/B/log"; exit 1; }

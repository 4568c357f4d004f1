#!/bin/sh
# System test, part of `make check`: kill -9 under load, and the promise
# that a call's retained secret is on disk before the call reports secure
# (docs/control-protocol.md, the `secure` event).
# Daemon A has one call with each of eight peer daemons (tests/system/crash):
# three secured and relaying media both ways, then four started at once
# and one A starts that its peer never answers; A is killed (SIGKILL)
# while the media flows, as soon as one of the late calls is secure on
# either side, so the others are mid-handshake. A restarts on the same
# state directory:
# - the cache passes PRAGMA integrity_check and A's ZID is unchanged;
# - every peer whose call A reported `secure` before it died is in the
#   cache with its rs1 (cache_show);
# - a new call with a known peer matches the cache on both sides.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

for d in A B C D E F G H I; do daemon $d; done
hello='{"id":1,"cmd":"hello","versions":[1]}'
zidA=$(echo "$hello" | ctl A | sed 's/.*"zid":"\([0-9a-f]*\)".*/\1/')
pidA=$(daemon_pid A)
s=$tmp
"$b/tests/system/crash" --a "$s/A/ctl.sock" \
    --b "$(for d in B C D E F G H I; do printf '%s,' "$s/$d/ctl.sock"; done)" \
    --stable 3 --stalled 1 --pid "$pidA" >"$tmp/crash.out" 2>&1 ||
    { cat "$tmp/crash.out"; fail "the load before the kill"; exit 1; }
"$b/tests/system/ctlraw" --wait-exit "$pidA" || fail "A did not die"
grep -v '^peer' "$tmp/crash.out"

# Peers A reported secure before it died (the first three must be).
secure=$(awk '$1 == "peer" && $3 == "secure" { print $2 }' "$tmp/crash.out")
n=0
for z in $(awk '$1 == "peer" { print $2 }' "$tmp/crash.out" | head -n 3); do
	case " $(echo $secure) " in
	*" $z "*) n=$((n + 1)) ;;
	*) fail "stable call with $z not reported secure before the kill" ;;
	esac
done
awk '$1 == "peer" && ++n <= 3 && ($6 == 0 || $7 == 0) { bad = 1 }
    END { exit bad }' "$tmp/crash.out" || fail "a stable call carried no media before the kill"
echo "     at the kill: $(awk '$1 == "peer" { printf "%s A:%s B:%s rx %s/%s; ", substr($2, 1, 8), $4, $5, $6, $7 }' "$tmp/crash.out")"

daemon A
zidA2=$(echo "$hello" | ctl A | sed 's/.*"zid":"\([0-9a-f]*\)".*/\1/')
check_eq "A's ZID after kill -9" "$zidA2" "$zidA" &&
    echo "ok   A restarted on the same state: ZID $zidA unchanged"
r=$("$b/tests/system/crash" --integrity "$tmp/A/state/cache.db" || true)
check_eq "PRAGMA integrity_check" "$r" "integrity: ok" &&
    echo "ok   the cache after kill -9: PRAGMA integrity_check says ok"

missing=0 total=0
for z in $secure; do
	total=$((total + 1))
	r=$(printf '%s\n' "$hello" "{\"id\":2,\"cmd\":\"cache_show\",\"zid\":\"$z\"}" |
	    ctl A | tail -n 1)
	case "$r" in
	*'"rs1":true'*) ;;
	*) fail "peer $z reported secure before the kill, after it: $r"
	   missing=$((missing + 1)) ;;
	esac
done
[ $missing -eq 0 ] && [ $total -ge 3 ] &&
    echo "ok   every peer whose call A reported secure before the kill ($total) is in its cache with rs1"

# A new call with a known peer: matched on both sides.
simple_call 9
if check_eq "after kill -9: cache A" "$cacheA" matched &&
    check_eq "after kill -9: cache B" "$cacheB" matched &&
    check_eq "after kill -9: SAS" "$sasB" "$sasA" &&
    check_eq "after kill -9: frames A got" "$(jfield received "$resA")" 20 &&
    check_eq "after kill -9: frames B got" "$(jfield received "$resB")" 20; then
	echo "ok   a new call with a known peer: matched on both sides, SAS '$sasA'"
fi

[ $fails -eq 0 ] || { tail -n 30 "$tmp/A/log"; exit 1; }

#!/bin/sh
# System test, part of `make check`: datagrams the kernel drops for a full
# receive buffer are counted. A daemon with a relay-mode and a keys-mode
# session is stopped (SIGSTOP); each of the three sockets it reads (relay
# media, relay application port, keys-mode loopback port) is sent more
# bytes than its receive buffer holds, so the kernel must drop some; the
# daemon continues (SIGCONT). Then one datagram at a time (SO_RXQ_OVFL
# carries the count on a datagram queued after the drops) until each
# session's media_rx_dropped/app_rx_dropped equals the kernel's own count
# for that socket (/proc/net/udp, "drops"), and every datagram sent is
# either counted received (foreign) or dropped. status sums them, and
# keeps a closed session's.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

daemon A
spawn own 3 4 "$b/tests/system/ctlraw" --socket "$tmp/A/ctl.sock"
q=0
# req JSON: one request on the owner's connection; its reply in $line.
req() {
	q=$((q + 1))
	tell own "{\"id\":$q,$1}"
	expect own "{\"id\":$q," || { fail "no reply to $1"; exit 1; }
}
req '"cmd":"hello","versions":[1]'
# The application is named (port 9, where nothing sends from), so every
# datagram of the test is a stranger's ("foreign") on either port.
app='"app_addr":"127.0.0.1","app_port":9'
req "\"cmd\":\"session_create\",\"bind_addr\":\"127.0.0.1\",$app"
rsid=$(printf '%s' "$line" | jq -r .result.session)
mport=$(printf '%s' "$line" | jq -r .result.media.port)
aport=$(printf '%s' "$line" | jq -r .result.app.port)
req "\"cmd\":\"session_create\",\"mode\":\"keys\",$app"
ksid=$(printf '%s' "$line" | jq -r .result.session)
kport=$(printf '%s' "$line" | jq -r .result.app.port)

# kdrops PORT: the kernel's drop count of the UDP socket on 127.0.0.1:PORT
# (0 if there is none).
kdrops() {
	awk -v a="$(printf '0100007F:%04X' "$1")" \
	    '$2 == a { n = $NF } END { print n + 0 }' /proc/net/udp
}

# send PORT COUNT SIZE: COUNT datagrams of SIZE bytes to PORT.
sent=0
send() {
	"$b/tests/system/udpsock" --bind 127.0.0.1 0 --to "$1" --count "$2" \
	    --size "$3" >/dev/null || fail "udpsock to $1"
	sent=$((sent + $2))
}

# More bytes than the buffer holds: each datagram is charged at least its
# payload, and the daemon sets no SO_RCVBUF, so rmem_default is the bound.
n=$(($(cat /proc/sys/net/core/rmem_default) / 1200 + 100))
pid=$(daemon_pid A)
# Never leave it stopped: the harness's TERM would wait for ever.
trap 'kill -CONT "$pid" 2>/dev/null || :; cleanup' EXIT INT TERM
kill -STOP "$pid"
# Until the kernel says it dropped some on each (a loaded machine may
# deliver loopback datagrams late, from ksoftirqd: another flood then).
for p in "$mport" "$aport" "$kport"; do
	i=0
	until [ "$(kdrops "$p")" -gt 0 ]; do
		[ $i -lt 20 ] ||
		    { fail "the kernel dropped nothing on port $p"; break; }
		send "$p" "$n" 1200 || break
		i=$((i + 1))
	done
done
kill -CONT "$pid"

# counters: "media app foreign" of the relay session, "app foreign" of
# the keys session.
counters() {
	req "\"cmd\":\"session_show\",\"session\":\"$rsid\""
	rc=$(printf '%s' "$line" | jq -r '.result.counters |
	    "\(.media_rx_dropped) \(.app_rx_dropped) \(.foreign)"')
	req "\"cmd\":\"session_show\",\"session\":\"$ksid\""
	kc=$(printf '%s' "$line" | jq -r '.result.counters |
	    "\(.app_rx_dropped) \(.foreign)"')
}

i=0
while :; do
	counters
	want="$(kdrops "$mport") $(kdrops "$aport")"
	[ "${rc% *}" = "$want" ] && [ "${kc% *}" = "$(kdrops "$kport")" ] &&
	    break
	i=$((i + 1))
	if [ $i -ge 500 ]; then
		fail "drops: relay $rc, keys $kc; the kernel's: $want $(kdrops "$kport")"
		break
	fi
	for p in "$mport" "$aport" "$kport"; do send "$p" 1 1200; done
done
# Every datagram sent is received or dropped, once all are read.
i=0
while :; do
	set -- $rc $kc
	[ $(($1 + $2 + $3 + $4 + $5)) -eq $sent ] && break
	i=$((i + 1))
	[ $i -lt 500 ] || { fail "sent $sent, counted: relay $rc, keys $kc"; break; }
	counters
done
set -- $rc $kc
[ $fails -gt 0 ] || echo "ok   kernel drops counted: media $1, app $2, keys-mode app $4 (of $sent sent)"

# status: the daemon's sums, a closed session's kept.
req '"cmd":"status"'
check_eq "status media_rx_dropped" \
    "$(printf '%s' "$line" | jq -r .result.counters.media_rx_dropped)" "$1"
check_eq "status app_rx_dropped" \
    "$(printf '%s' "$line" | jq -r .result.counters.app_rx_dropped)" \
    "$(($2 + $4))"
req "\"cmd\":\"session_close\",\"session\":\"$ksid\""
req '"cmd":"status"'
check_eq "status app_rx_dropped after a close" \
    "$(printf '%s' "$line" | jq -r .result.counters.app_rx_dropped)" \
    "$(($2 + $4))"

# zrtpctl shows them.
out=$("$b/cli/zrtpctl" --socket "$tmp/A/ctl.sock" show "$rsid" || :)
case "$out" in
*"media_rx_dropped $1 app_rx_dropped $2"*) ;;
*) fail "zrtpctl show: $out" ;;
esac
out=$("$b/cli/zrtpctl" --socket "$tmp/A/ctl.sock" status)
case "$out" in
*"Dropped:  $1 on media ports, $(($2 + $4)) on application ports"*) ;;
*) fail "zrtpctl status: $out" ;;
esac
exec 3>&- 4<&-

[ $fails -eq 0 ] || { tail -n 30 "$tmp/A/log"; exit 1; }

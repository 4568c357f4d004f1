#!/bin/sh
# The README's demo: the crypto self-test; a live bzrtp-to-bzrtp exchange
# decoded and checked packet by packet by zrtpdump; then zrtpd's own
# engine (zrtp-probe) against Debian's libbzrtp over UDP on 127.0.0.1, in
# both roles, proving the keys with SRTP packets both ways.
set -eu

b=${1:-.}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT INT TERM

say() { printf '\n=== %s\n' "$*"; }

say "1. crypto known-answer self-test (libgcrypt behind crypto/)"
"$b/cli/zrtpdump" --selftest

say "2. two bzrtp endpoints over UDP; zrtpdump decodes every datagram and checks the hash chain, MACs and hvi"
"$b/tests/interop/bzcapture" --output "$tmp/call.txt" --ka X255 --hash S384 \
    --cipher AES3 --auth HS80 --sas B256
grep -E '^# stream 0: (SAS|role)' "$tmp/call.txt" | sed 's/^# /  bzrtp says: /'
"$b/cli/zrtpdump" --verify "$tmp/call.txt"

# probe_vs_bzrtp N ROLE KEX: our engine on one port, bzrtp on another.
probe_vs_bzrtp() {
	n=$1
	shift
	say "$n. zrtpd's engine as $1 against libbzrtp, key agreement $2, 10 SRTP packets each way"
	mkfifo "$tmp/fifo.$1"
	"$b/cli/zrtp-probe" --local 127.0.0.1:0 --role "$1" --kex "$2" \
	    --srtp 10 --cache "$tmp/ours.db" >"$tmp/fifo.$1" &
	exec 3<"$tmp/fifo.$1"
	read -r line <&3
	port=${line##* }
	read -r line <&3	# our a=zrtp-hash, in the report below too
	"$b/tests/interop/bzpeer" --local 127.0.0.1:0 --remote "127.0.0.1:$port" \
	    --srtp 10 --cache "$tmp/bz.db" >"$tmp/bz.$1" 2>/dev/null &
	cat <&3
	exec 3<&-
	wait
	sed -n 's/.*"event":"secure".*"sas":"\([^"]*\)".*/  bzrtp says:  SAS "\1"/p' "$tmp/bz.$1"
	sed -n 's/.*"event":"srtp","sent":\([0-9]*\),"received":\([0-9]*\).*/  bzrtp says:  SRTP sent \1, received and decrypted \2/p' "$tmp/bz.$1"
}
probe_vs_bzrtp 3 initiator DH3k
probe_vs_bzrtp 4 responder X255
say "the same SAS on both sides, and SRTP that decrypts both ways: zrtpd and bzrtp agree"

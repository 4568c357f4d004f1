#!/bin/sh
# The README's demo: the crypto self-test, then live ZRTP exchanges between
# two libbzrtp endpoints over UDP on 127.0.0.1, each decoded and checked
# packet by packet by zrtpdump, zrtpd's own decoder.
set -eu

b=${1:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

say() { printf '\n=== %s\n' "$*"; }

say "crypto known-answer self-test (libgcrypt behind crypto/)"
"$b/cli/zrtpdump" --selftest

for spec in "DH3k S256 AES1 HS32 B32" "X255 S384 AES3 HS80 B256" \
    "DH2k S256 AES1 HS80 B256" "X448 S384 AES3 HS32 B32"; do
	set -- $spec
	say "bzrtp <-> bzrtp over UDP: key agreement $1, hash $2, cipher $3, auth $4, SAS $5"
	"$b/tests/interop/bzcapture" --output "$tmp/call.txt" \
	    --ka "$1" --hash "$2" --cipher "$3" --auth "$4" --sas "$5"
	grep -E '^# stream 0: (SAS|role)' "$tmp/call.txt" | sed 's/^# /  bzrtp says: /'
	"$b/cli/zrtpdump" --verify "$tmp/call.txt"
done
say "every datagram decoded and every passive check passed"

#!/bin/sh
# Live interop check, part of `make check`: two libbzrtp endpoints run fresh
# ZRTP exchanges over UDP on 127.0.0.1 (tests/interop/bzcapture), and
# zrtpdump decodes every datagram and runs every passive check on it. Our
# decoder, CRC, hash chain, MACs and hvi must agree with bzrtp's traffic.
set -eu

b=${top_builddir:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

run() {
	name=$1
	shift
	"$b/tests/interop/bzcapture" --output "$tmp/$name.txt" "$@" >"$tmp/$name.out"
	if ! "$b/cli/zrtpdump" --verify "$tmp/$name.txt" >"$tmp/$name.dump"; then
		echo "FAIL $name: zrtpdump disagrees with bzrtp's exchange"
		cat "$tmp/$name.dump"
		exit 1
	fi
	checks=$(grep -c '^  ok ' "$tmp/$name.dump")
	echo "ok   $name: $(grep -c '^#' "$tmp/$name.dump") packets, $checks passive checks"
	[ "$checks" -ge 10 ] || { echo "FAIL $name: too few checks ran"; exit 1; }
}

run dh3k --ka DH3k --hash S256 --cipher AES1 --auth HS32 --sas B32
run dh2k --ka DH2k --hash S384 --cipher AES3 --auth HS80 --sas B256
run x255 --ka X255 --hash S256 --cipher AES1 --auth HS80 --sas B32
run x448 --ka X448 --hash S384 --cipher AES3 --auth HS32 --sas B256
run mult --ka X255 --hash S256 --cipher AES1 --auth HS32 --sas B32 --multistream
mkdir "$tmp/cache"
run cache1 --ka DH3k --cache "$tmp/cache" --sas-verified
run cache2 --ka DH3k --cache "$tmp/cache"

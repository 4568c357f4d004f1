#!/bin/sh
# Part of `make check`: every failure zrtp-probe reports has a stable name
# (proto/zcode.h), its own give-up included. The peer is the discard port
# of 127.0.0.1, where nothing answers ZRTP; the probe gives up after --timeout.
set -eu

b=${top_builddir:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

"$b/cli/zrtp-probe" --local 127.0.0.1:0 --peer 127.0.0.1:9 --timeout 1 \
    --json >"$tmp/out.json" 2>"$tmp/err" && {
	echo "FAIL: the probe exited 0 with nobody to talk to"; exit 1; }
if ! grep -q '"error":{"code":"timeout","wire_code":0,' "$tmp/out.json"; then
	echo "FAIL: a timeout is not reported with code \"timeout\":"
	cat "$tmp/out.json" "$tmp/err"
	exit 1
fi
"$b/cli/zrtp-probe" --local 127.0.0.1:0 --peer 127.0.0.1:9 --timeout 1 \
    >"$tmp/out.txt" 2>"$tmp/err" || true
if ! grep -q '^result: .*FAILED: .*\[timeout\]' "$tmp/out.txt"; then
	echo "FAIL: the text report does not name the failure:"
	cat "$tmp/out.txt" "$tmp/err"
	exit 1
fi
echo "ok   probe timeout: code \"timeout\" in JSON and text"

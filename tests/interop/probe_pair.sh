#!/bin/sh
# Part of `make check`: two zrtp-probes over 127.0.0.1. A probe knows the
# other's payload pattern, so every packet is checked (issue 6 item 11);
# and going clear is reported as clear on both sides, with SRTP stopped
# (issue 6 item 14).
set -eu

b=${top_builddir:-.}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT INT TERM
fails=0

field() {	# field NAME FILE: a string or number from one-line JSON
	sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" "$2" | tail -n 1
}

expect() {	# expect WHAT GOT WANTED
	if [ "$2" != "$3" ]; then
		echo "  FAIL $1: '$2', expected '$3'"
		ok=0
	fi
}

# run NAME "B's options" "A's options": B binds, A calls it.
run() {
	name=$1
	d="$tmp/$name"
	mkdir "$d"
	mkfifo "$d/fifo"
	"$b/cli/zrtp-probe" --local 127.0.0.1:0 --json --srtp 20 \
	    --timeout 20 --role responder $2 >"$d/fifo" 2>"$d/b.err" &
	bpid=$!
	exec 3<"$d/fifo"
	read -r bound <&3
	port=$(echo "$bound" | sed 's/.*"port":\([0-9]*\).*/\1/')
	cat <&3 >"$d/b.json" &
	cat_pid=$!
	arc=0
	"$b/cli/zrtp-probe" --local 127.0.0.1:0 --peer "127.0.0.1:$port" \
	    --json --srtp 20 --timeout 20 --role initiator $3 \
	    >"$d/a.json" 2>"$d/a.err" || arc=$?
	brc=0
	wait "$bpid" || brc=$?
	wait "$cat_pid" || true
	exec 3<&-
	ok=1
}

report() {
	if [ $ok -eq 1 ]; then
		echo "ok   $name"
	else
		echo "FAIL $name"
		sed 's/^/  A: /' "$d/a.json" "$d/a.err"
		sed 's/^/  B: /' "$d/b.json" "$d/b.err"
		fails=$((fails + 1))
	fi
}

run plain "" ""
for s in a b; do
	expect "$s result" "$(field result "$d/$s.json")" secure
	expect "$s payload checked" "$(field payload_checked "$d/$s.json")" true
	expect "$s received" "$(field received "$d/$s.json")" 20
	expect "$s bad" "$(field bad "$d/$s.json")" 0
done
expect "A exit" $arc 0
expect "B exit" $brc 0
expect "same SAS" "$(field sas "$d/a.json")" "$(field sas "$d/b.json")"
report

# A asks to go clear once B's media flows; B allows it. Both must say
# clear (not secure), exit 1, and A must see no SRTP from B after B's
# ClearACK: B stopped sending when it went clear.
run goclear "--allow-clear" "--go-clear"
for s in a b; do
	expect "$s result" "$(field result "$d/$s.json")" clear
	grep -q '"code":"went_clear"' "$d/$s.json" ||
	    { echo "  FAIL $s: no went_clear alert"; ok=0; }
	expect "$s bad" "$(field bad "$d/$s.json")" 0
done
expect "A exit" $arc 1
expect "B exit" $brc 1
expect "SRTP from B after its ClearACK" \
    "$(field srtp_after_clear "$d/a.json")" 0
report

[ $fails -eq 0 ] || { echo "$fails probe pair run(s) failed"; exit 1; }

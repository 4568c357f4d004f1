#!/bin/sh
# Interop, part of `make check`: our engine (cli/zrtp-probe) against
# Debian's libbzrtp (tests/interop/bzpeer) over real UDP on 127.0.0.1, in
# both roles and over the issue's algorithm matrix. Each call must end
# secure on both sides with the same SAS and mirrored SRTP keys, and 20
# SRTP packets must decrypt in each direction (libsrtp2 on both ends).
set -eu

b=${top_builddir:-.}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT INT TERM
n=0
fails=0

field() {	# field NAME FILE: a string or number from one-line JSON
	sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" "$2" | tail -n 1
}

check_eq() {	# check_eq WHAT A B
	if [ "$2" != "$3" ] || [ -z "$2" ]; then
		echo "  FAIL $1: ours '$2', bzrtp's '$3'"
		return 1
	fi
}

check_ge() {	# check_ge WHAT A B: A is a number >= B
	case "$2" in ''|*[!0-9]*) echo "  FAIL $1: '$2' is not a count"; return 1 ;; esac
	if [ "$2" -lt "$3" ]; then
		echo "  FAIL $1: $2 < $3"
		return 1
	fi
}

# pair NAME ROLE "probe options" "bzpeer options"; NO_SRTP=1: no media
pair() {
	name=$1 role=$2 popts=$3 bopts=$4
	srtp="--srtp 20"
	[ -z "${NO_SRTP:-}" ] || srtp=""
	n=$((n + 1))
	d="$tmp/$n"
	mkdir "$d"
	mkfifo "$d/fifo"
	"$b/cli/zrtp-probe" --local 127.0.0.1:0 --json --show-keys \
	    $srtp --timeout 30 $popts >"$d/fifo" 2>"$d/probe.err" &
	probe=$!
	exec 3<"$d/fifo"
	read -r bound <&3
	port=$(echo "$bound" | sed 's/.*"port":\([0-9]*\).*/\1/')
	# Our a=zrtp-hash, printed before any packet: bzrtp checks our Hello.
	hh=$(echo "$bound" | sed -n 's/.*"hello_hash":"\([^"]*\)".*/\1/p')
	cat <&3 >"$d/probe.json" &
	cat_pid=$!
	"$b/tests/interop/bzpeer" --local 127.0.0.1:0 \
	    --remote "127.0.0.1:$port" $srtp --timeout 30 $bopts \
	    --peer-hello-hash "${HELLO_HASH:-$hh}" \
	    >"$d/bz.json" 2>"$d/bz.err" || true
	prc=0
	wait "$probe" || prc=$?
	wait "$cat_pid" || true
	exec 3<&-
	grep '"event":"secure"' "$d/bz.json" >"$d/bz.secure" || true
	grep '"event":"srtp"' "$d/bz.json" >"$d/bz.srtp" || true
	ok=1
	if [ -n "${HELLO_HASH:-}" ]; then
		# A wrong a=zrtp-hash: bzrtp refuses our first Hello.
		grep -q 'does not match --peer-hello-hash' "$d/bz.json" ||
		    { echo "  FAIL bzrtp accepted a Hello against a wrong hash"; ok=0; }
		report_pair
		return
	fi
	check_eq "hello_hash at bind = in the report" "$hh" \
	    "$(field hello_hash "$d/probe.json")" || ok=0
	check_eq "result" "$(field result "$d/probe.json")" secure || ok=0
	check_eq "probe exit status" "$prc" 0 || ok=0
	# Under loss a preference may yield to contention: any role will do.
	[ "$role" = any ] ||
	    check_eq "role" "$(field role "$d/probe.json")" "$role" || ok=0
	# bzrtp joins the two B256 words with ':', we with a space.
	check_eq "SAS" "$(field sas "$d/probe.json")" \
	    "$(field sas "$d/bz.secure" | tr ':' ' ')" || ok=0
	check_eq "our send key = bzrtp's receive key" \
	    "$(field tx_key "$d/probe.json")" "$(field rx_key "$d/bz.secure")" || ok=0
	check_eq "our receive key = bzrtp's send key" \
	    "$(field rx_key "$d/probe.json")" "$(field tx_key "$d/bz.secure")" || ok=0
	check_eq "salts" "$(field tx_salt "$d/probe.json")" \
	    "$(field rx_salt "$d/bz.secure")" || ok=0
	if [ -z "$srtp" ]; then
		check_eq "bzrtp secure" 1 "$(grep -c . "$d/bz.secure")" || ok=0
	else
		check_eq "SRTP bzrtp decrypted" 20 "$(field received "$d/bz.srtp")" || ok=0
		# A softphone's media never pauses: N proven, more may come.
		check_ge "SRTP we decrypted" "$(field received "$d/probe.json")" 20 || ok=0
		check_eq "SRTP bad" "$(field bad "$d/probe.json")" 0 || ok=0
		# bzrtp is not a probe: its payload is not ours to check.
		check_eq "payload checked" "$(field payload_checked "$d/probe.json")" \
		    false || ok=0
	fi
	# One name on both sides: bzrtp knows Curve25519 only as X255.
	check_eq "key agreement" "$(field key_agreement "$d/probe.json")" \
	    "$(field ka "$d/bz.secure")" || ok=0
	if [ -n "${EXPECT_SUITE:-}" ]; then
		check_eq "suite (ours)" "$(field key_agreement "$d/probe.json") \
$(field hash "$d/probe.json") $(field cipher "$d/probe.json") \
$(field auth "$d/probe.json")" "$EXPECT_SUITE" || ok=0
		check_eq "suite (bzrtp's)" "$(field ka "$d/bz.secure") \
$(field hash "$d/bz.secure") $(field cipher "$d/bz.secure") \
$(field auth "$d/bz.secure")" "$EXPECT_SUITE" || ok=0
	fi
	if [ -n "${EXPECT_VERIFIED:-}" ]; then
		check_eq "SAS verified flag" true \
		    "$(field sas_verified "$d/probe.json")" || ok=0
		check_eq "cache" matched "$(field cache "$d/probe.json")" || ok=0
	fi
	report_pair
}

report_pair() {
	if [ $ok -eq 1 ]; then
		echo "ok   $name: SAS $(field sas "$d/probe.json"), role $(field role "$d/probe.json")"
	else
		echo "FAIL $name"
		sed 's/^/  ours: /' "$d/probe.json" "$d/probe.err"
		sed 's/^/  bzrtp: /' "$d/bz.json" "$d/bz.err" | tail -n 20
		fails=$((fails + 1))
	fi
}

# A name the engine does not run is refused as the options are read, with
# the supported names listed (issue 6, item 7).
for bad in "--auth SK32" "--kex E414" "--sas B10D" "--cipher 2FS1" \
    "--hash SKN2"; do
	rc=0
	"$b/cli/zrtp-probe" --local 127.0.0.1:0 --timeout 1 $bad \
	    >"$tmp/bad.out" 2>"$tmp/bad.err" || rc=$?
	if [ $rc -ne 2 ] || ! grep -q "supported:" "$tmp/bad.err"; then
		echo "FAIL probe $bad: exit $rc, $(cat "$tmp/bad.err")"
		fails=$((fails + 1))
	else
		echo "ok   probe $bad refused: $(cat "$tmp/bad.err")"
	fi
done

# Both sides' defaults (docs/engine.md): X255, and the initiator's first
# common hash, cipher and auth tag (bzrtp lists HS32 first, we HS80).
EXPECT_SUITE="X255 S256 AES1 HS80" pair "defaults (we initiate)" initiator \
    "--role initiator" ""
EXPECT_SUITE="X255 S256 AES1 HS32" pair "defaults (bzrtp initiates)" \
    responder "--role responder" ""

for role in initiator responder; do
	pair "DH3k S256 AES1 HS32 B32 ($role)" $role \
	    "--role $role --kex DH3k --hash S256 --cipher AES1 --auth HS32 --sas B32" \
	    "--ka DH3k --hash S256 --cipher AES1 --auth HS32 --sas B32"
	pair "DH2k S384 AES3 HS80 B256 ($role)" $role \
	    "--role $role --kex DH2k --hash S384 --cipher AES3 --auth HS80 --sas B256" \
	    "--ka DH2k --hash S384 --cipher AES3 --auth HS80 --sas B256"
	pair "X255 S256 AES3 HS80 B32 ($role)" $role \
	    "--role $role --kex X255 --hash S256 --cipher AES3 --auth HS80 --sas B32" \
	    "--ka X255 --hash S256 --cipher AES3 --auth HS80 --sas B32"
	pair "X448 S384 AES1 HS32 B256 ($role)" $role \
	    "--role $role --kex X448 --hash S384 --cipher AES1 --auth HS32 --sas B256" \
	    "--ka X448 --hash S384 --cipher AES1 --auth HS32 --sas B256"
done

# Retained secrets: call 1 verifies the SAS on both sides, call 2 must
# match rs1 and report the SAS as verified (the V flag, both ways).
pair "cache call 1" initiator "--role initiator --cache $tmp/ours.db --verify-sas" \
    "--cache $tmp/bz.db --sas-verified"
EXPECT_VERIFIED=1 pair "cache call 2: rs1 matched, V flag honoured" responder \
    "--role responder --cache $tmp/ours.db" "--cache $tmp/bz.db"

# The a=zrtp-hash check has teeth: a hash that is not our Hello's is
# refused by bzrtp (our probe then gives up after its 3 s timeout).
HELLO_HASH="1.10 $(printf '0%.0s' $(seq 64))" pair "wrong a=zrtp-hash refused" \
    any "--timeout 3" "--timeout 3"

# A softphone's media (bzpeer --softphone: PCMU silence, never pausing):
# every authenticated packet is media; the probe stops at 20 each way.
pair "softphone media, probe responds" responder "--role responder" \
    "--softphone"
pair "softphone media, probe initiates" initiator "--role initiator" \
    "--softphone"

# Our first five Conf2ACKs are lost: bzrtp resends Confirm2 at 150, 450,
# 1050, 2250 and 3450 ms; the responder must still be there to answer.
# With media, bzrtp's SRTP tells the probe it got one; without, the probe
# stays until bzrtp's T2 schedule would be over (about 10 s).
pair "5 Conf2ACKs lost, media: the responder stays" responder \
    "--role responder --drop-conf2ack 5" ""
NO_SRTP=1 pair "5 Conf2ACKs lost, no media: the responder stays" responder \
    "--role responder --drop-conf2ack 5" ""

# 20 % loss of every ZRTP packet, both directions.
pair "20% loss (we prefer to initiate)" any "--role initiator --loss 20" \
    "--loss 20 --seed 7"
pair "20% loss (we respond)" responder "--role responder --loss 20" \
    "--loss 20 --seed 11"

[ $fails -eq 0 ] || { echo "$fails interop call(s) failed"; exit 1; }

#!/bin/sh
# ./dev call: a call to try zrtpctl on by hand. Two zrtpd daemons on
# 127.0.0.1, "alice" and "bob", each with a plain-RTP softphone; the call
# stays up until you press Enter, then a second call follows (to see the
# verified flag and the peer's name carried over), and so on; q ends.
set -eu
b=${1:-.}
top_builddir=$b
. "$(dirname "$0")/lib.sh"

ctl=$(cd "$b" && pwd)/cli/zrtpctl
daemon alice
daemon bob
n=0
while :; do
	n=$((n + 1))
	phone alice$n alice 3 4 --side A --frames 100000 --gap 20 --timeout 3600
	phone bob$n bob 5 6 --side B --frames 100000 --gap 20 --timeout 3600
	offer alice$n
	portA=$port hashA=$hash
	offer bob$n
	portB=$port hashB=$hash
	tell alice$n "answer 127.0.0.1 $portB $hashB"
	tell bob$n "answer 127.0.0.1 $portA $hashA"
	tell alice$n go
	tell bob$n go
	expect alice$n secure
	expect bob$n secure
	cat <<EOF

=== Call $n is up and secured: alice's phone to bob's, media flowing.
In another terminal, as alice (or bob: --socket $tmp/bob/ctl.sock):

  export ZRTPD_SOCKET=$tmp/alice/ctl.sock
  $ctl sessions           # the call, its security state and SAS
  $ctl show SESSION       # everything about it, and what to do next
  $ctl verify SESSION     # compare the SAS with bob (both must say "match")
  $ctl cache list         # bob's daemon, as alice's cache knows it
  $ctl cache rename ZID Bob
  $ctl watch              # live events (start it before the next call)

Enter: hang up and call again.  q then Enter: stop both daemons.
EOF
	read -r answer || answer=q
	tell alice$n quit
	tell bob$n quit
	expect alice$n result
	expect bob$n result
	[ "$answer" = q ] && break
done

#!/bin/sh
# Interop test: zrtpd secures calls with a real softphone, Debian's
# linphonec (liblinphone 5.1, ZRTP by libbzrtp), over SIP and UDP on
# 127.0.0.1. linphonec runs headless (sound from and to files), ZRTP
# mandatory, and calls tests/interop/sipua, a minimal SIP user agent that
# answers with an SDP whose audio points at a zrtpd relay-mode session
# (our a=zrtp-hash in it) and starts the session with linphonec's audio
# address and a=zrtp-hash. Each call checks: zrtpd secure with the SAS
# linphonec prints, linphonec's a=zrtp-hash matched, linphonec's audio
# arriving as plain RTP on the session's application port (SRTP in, 50
# frames at least), and our 50 frames and RTCP report reaching linphonec
# (its receiver report: all 50 received, none lost, our report seen).
# Four calls, zrtpd as initiator then responder then either: the first
# is new, the second matches the cache (both sides verify its SAS), the
# third is verified at once on both sides (V flags, RFC 6189 §7.1); the
# fourth is the third again with linphonec's RTCP on a port of its own
# (no RFC 5761 multiplexing, Linphone's default); in the fifth sipua calls
# linphonec (auto-answer), which starts ZRTP before zrtpd's session starts;
# the sixth has linphonec offer X255 (DH3k alone by default).
#
# Skips (exit 77) only when linphonec is not installed
# (apt-get install linphone-cli).
set -eu
if ! command -v linphonec >/dev/null 2>&1; then
	echo "SKIP: linphonec not installed (Debian: apt-get install linphone-cli)"
	exit 77
fi
. "${srcdir:-.}/tests/system/lib.sh"
trap '' PIPE	# a tool that ended early fails its checks, not the shell

daemon A
lp=$tmp/lp
mkdir -p "$lp/home/.local/share/linphone"
wav=/usr/share/sounds/linphone/hello8000.wav	# linphone-common
# liblinphone's own keys: its identity sip:linphone@127.0.0.1 (libbzrtp
# keeps one ZID per local URI: the identity of its calls out and the To
# of calls in must be the same, or it is a new peer each way), UDP SIP on
# a free port, no TCP/TLS, no IPv6 (else its SDP names the host's global
# address), media on 127.0.0.1
# with RTCP on the RTP port (zrtpd's media port muxes them, RFC 5761), no
# STUN/ICE (firewall_policy 0), no video, ZRTP mandatory.
cat >"$lp/rc" <<EOF
[sip]
contact=sip:linphone@127.0.0.1
guess_hostname=0
sip_port=-1
sip_tcp_port=0
sip_tls_port=0
use_ipv6=0
media_encryption=zrtp
media_encryption_mandatory=1
[rtp]
bind_address=127.0.0.1
audio_rtp_port=-1
rtcp_mux=1
[video]
enabled=0
capture=0
display=0
[net]
firewall_policy=0
EOF

# expect_in NAME TEXT: like expect, for a line that contains TEXT
# (linphonec's lines may follow its prompt).
expect_in() {
	while eval "IFS= read -r line <&\$fd_out_$1"; do
		printf '%s\n' "$line" >>"$tmp/$1.log"
		case "$line" in *"$2"*) return 0 ;; esac
	done
	line=""
	return 1
}

# lpcall N ROLE CACHE_WANT [verify]: linphonec calls sipua (with OUT=1:
# sipua calls linphonec, which answers by itself), zrtpd in ROLE;
# "verify" has both sides mark the SAS verified.
lpcall() {
	n=$1 role=$2 want_cache=$3 verify=${4:-}
	ok=1
	# linphonec ends by itself if a step below never comes.
	# Everything it writes (its rc, call logs, ZRTP cache) under $lp.
	spawn lp 5 6 env HOME="$lp/home" XDG_CONFIG_HOME="$lp/home/.config" \
	    XDG_DATA_HOME="$lp/home/.local/share" \
	    XDG_CACHE_HOME="$lp/home/.cache" timeout -k 5 60 stdbuf -oL \
	    linphonec ${OUT:+-a} -c "$lp/rc" -d 5 -l "$lp/log.$n"
	tell lp "soundcard use files"
	tell lp "play $wav"
	if [ -n "${OUT:-}" ]; then
		tell lp ports
		expect_in lp "sip port = " || { show lp; fail "call $n: linphonec's port"; exit 1; }
		to="--call 127.0.0.1:${line##*= }" got=answered
	else
		to="" got=invite
	fi
	spawn ua 3 4 "$b/tests/interop/sipua" --socket "$tmp/A/ctl.sock" \
	    --frames 50 --timeout 40 --role "$role" $to
	expect ua ready || { show ua; fail "call $n: sipua"; exit 1; }
	sip_port=$(echo "$line" | cut -d' ' -f2)
	our_hash=$(echo "$line" | cut -d' ' -f4-)
	[ -n "${OUT:-}" ] || tell lp "call sip:zrtpd@127.0.0.1:$sip_port"
	expect ua $got || { show ua; show lp; fail "call $n: no $got"; exit 1; }
	lp_hash=$(echo "$line" | cut -d' ' -f4-)
	sas="" cache=""
	if expect ua secure; then
		sas=$(echo "$line" | cut -d' ' -f2) cache=$(echo "$line" | cut -d' ' -f3)
	else
		fail "call $n: zrtpd not secure"; ok=0
	fi
	lp_sas=""
	if expect_in lp "is fully encrypted and auth token is "; then
		lp_sas=$(echo "$line" | sed 's/.*auth token is \([^.]*\)\..*/\1/')
	else
		fail "call $n: linphonec not secure"; ok=0
	fi
	if [ -n "$verify" ]; then
		tell lp "zrtp-set-verified" || true
		tell ua "verdict match" || true
		expect ua verdict || { fail "call $n: verdict"; ok=0; }
	fi
	media=""
	if expect ua media; then media=${line#media }; else
		fail "call $n: media both ways"; ok=0
	fi
	tell ua bye || true
	expect ua bye_ok || { fail "call $n: BYE not answered"; ok=0; }
	expect_in lp "ended" || { fail "call $n: linphonec saw no end"; ok=0; }
	tell lp quit || true
	expect_in lp "no such line" || true	# to its end: the log is whole
	tell ua quit || true
	expect ua result || true
	res=${line#result }
	exec 3>&- 4<&- 5>&- 6<&-
	# linphonec's a=zrtp-hash as its log shows its SDP, not ours.
	grep -q "a=zrtp-hash:$lp_hash" "$lp/log.$n" && [ "$lp_hash" != "$our_hash" ] ||
	    { fail "call $n: a=zrtp-hash given: '$lp_hash'"; ok=0; }
	check_eq "call $n: SAS (linphonec's)" "$sas" "$lp_sas" || ok=0
	check_eq "call $n: linphonec's client id" "$(grep '^event peer ' \
	    "$tmp/ua.log" | head -n 1 | jfield client_id "$(cat)")" BZRTPv1.1 ||
	    ok=0
	if [ "$role" != any ]; then
		check_eq "call $n: zrtpd's role" "$(jfield role "$res")" "$role" ||
		    ok=0
	fi
	check_eq "call $n: cache" "$cache" "$want_cache" || ok=0
	check_eq "call $n: peer a=zrtp-hash" "$(jfield zrtp_hash "$res")" \
	    matched || ok=0
	check_eq "call $n: frames linphonec reports" \
	    "$(echo "$media" | cut -d' ' -f3-)" "50 0" || ok=0
	c=$(printf '%s\n' "$res" | sed 's/.*"counters":{\([^}]*\)}.*/\1/')
	# Our 50 frames and our sender reports, from the application, all
	# sent on as SRTP and SRTCP.
	nsr=$(jfield sr_sent "$res")
	check_eq "call $n: rtp_in (ours, to protect)" "$(jfield rtp_in "{$c}")" \
	    $((50 + ${nsr:-0})) || ok=0
	check_eq "call $n: srtp_out/srtcp_out" "$(jfield srtp_out \
	    "{$c}")/$(jfield srtcp_out "{$c}")" "50/$nsr" || ok=0
	[ "$(jfield srtp_in "{$c}")" -ge 50 ] &&
	    [ "$(jfield received "$res")" -ge 50 ] ||
	    { fail "call $n: linphonec's audio: $res"; ok=0; }
	check_eq "call $n: frames refused" "$(jfield rejected "{$c}")" 0 || ok=0
	check_eq "call $n: clear media" "$(jfield clear_in "{$c}")/$(jfield \
	    clear_out "{$c}")" 0/0 || ok=0
	first=$(grep '^event security' "$tmp/ua.log" | grep -o \
	    '"security":"\(secure_[a-z]*\|cache_mismatch\)"' | head -n 1 |
	    cut -d'"' -f4)
	check_eq "call $n: our first secure state" "$first" \
	    "${WANT_STATE:-secure_unverified}" || ok=0
	# Linphone 5.1 offers DH3k (and Mult) alone unless told more.
	kex=$(grep '^event secure ' "$tmp/ua.log" | head -n 1 |
	    sed -n 's/.*"kex":"\([^"]*\)".*/\1/p')
	check_eq "call $n: key agreement" "$kex" "${WANT_KEX:-DH3k}" || ok=0
	lp_verified=$(grep -o 'previously verified [a-z]*' "$lp/log.$n" |
	    head -n 1 | cut -d' ' -f3)
	check_eq "call $n: linphonec's previously verified" "$lp_verified" \
	    "${WANT_LP_VERIFIED:-no}" || ok=0
	mv "$tmp/ua.log" "$tmp/ua.$n.log"
	mv "$tmp/lp.log" "$tmp/lp.$n.log"
	if [ $ok -eq 1 ]; then
		echo "ok   call $n $([ -n "${OUT:-}" ] && echo from sipua to || echo with) linphonec, zrtpd $role: SAS '$sas' on both, $kex, cache $cache, $first, a=zrtp-hash matched, media both ways (ours 50/50 in linphonec's report)${verify:+, both verify}"
	else
		cp "$tmp/ua.$n.log" "$tmp/ua.log"
		cp "$tmp/lp.$n.log" "$tmp/lp.log"
		show ua
		show lp
		grep -i -E 'zrtp|srtp' "$lp/log.$n" | tail -n 20
		tail -n 30 "$tmp/A/log"
		exit 1	# the next calls would build on this one
	fi
}

lpcall 1 initiator new
lpcall 2 responder matched verify
WANT_STATE=secure_verified WANT_LP_VERIFIED=yes lpcall 3 any matched
# Linphone's default: RTCP on its own port (RTP + 1, no a=rtcp-mux). sipua
# answers a=rtcp with the media port and gives zrtpd the peer's RTCP port
# (session_start remote_rtcp_port): SRTCP must still cross both ways.
sed -i 's/^rtcp_mux=1/rtcp_mux=0/' "$lp/rc"
WANT_STATE=secure_verified WANT_LP_VERIFIED=yes lpcall 4 any matched
# The other direction: sipua offers (a=rtcp-mux and a=rtcp), linphonec
# answers and starts ZRTP before sipua starts the session.
sed -i 's/^rtcp_mux=0/rtcp_mux=1/' "$lp/rc"
OUT=1 WANT_STATE=secure_verified WANT_LP_VERIFIED=yes lpcall 5 any matched
# linphonec told to offer X255 first (liblinphone's key): zrtpd takes it.
sed -i 's/^\[sip\]$/[sip]\nzrtp_key_agreements_suites=MS_ZRTP_KEY_AGREEMENT_X255,MS_ZRTP_KEY_AGREEMENT_DH3K/' \
    "$lp/rc"
WANT_KEX=X255 WANT_STATE=secure_verified WANT_LP_VERIFIED=yes lpcall 6 any matched

[ $fails -eq 0 ] || { tail -n 30 "$tmp/A/log"; exit 1; }

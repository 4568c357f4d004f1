#!/bin/sh
# Part of `make check` where systemd's tools are installed (skipped, exit
# 77, otherwise): the built contrib/zrtpd.service passes `systemd-analyze
# verify` without a word (pointed at the built zrtpd), keeps the hardening zrtpd(8)
# promises, and rates "OK" or better in `systemd-analyze security`;
# contrib/zrtpd.sysusers creates the zrtpd user and group in a scratch root.
set -eu
b=${top_builddir:-.}
# Absolute: systemd-sysusers --root resolves a relative path under the root.
src=$(cd "${srcdir:-.}" && pwd)
if ! command -v systemd-analyze >/dev/null ||
    ! command -v systemd-sysusers >/dev/null; then
	echo "unit: systemd-analyze or systemd-sysusers not installed: SKIP"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

zrtpd=$(cd "$b/zrtpd" && pwd)/zrtpd
sed "s|^ExecStart=[^ ]*/zrtpd |ExecStart=$zrtpd |" "$b/contrib/zrtpd.service" \
    >"$tmp/zrtpd.service"
grep -q "^ExecStart=$zrtpd --config " "$tmp/zrtpd.service" ||
    fail "ExecStart not found in the unit"
# verify exits 0 on unknown keys and bad values: any word from it fails.
systemd-analyze verify --man=no "$tmp/zrtpd.service" >"$tmp/verify" 2>&1 ||
    fail "systemd-analyze verify failed"
[ ! -s "$tmp/verify" ] || fail "systemd-analyze verify: $(cat "$tmp/verify")"

for want in Type=notify User=zrtpd Group=zrtpd StateDirectory=zrtpd \
    StateDirectoryMode=0700 RuntimeDirectory=zrtpd NoNewPrivileges=yes \
    ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes \
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK" \
    MemoryDenyWriteExecute=yes SystemCallFilter=@system-service \
    LimitCORE=0 LimitMEMLOCK=8M CapabilityBoundingSet=; do
	grep -qx "$want" "$tmp/zrtpd.service" || fail "unit lacks $want"
done

systemd-analyze security --offline=yes "$tmp/zrtpd.service" \
    >"$tmp/security" 2>&1 || true
level=$(sed -n 's/.*Overall exposure level for zrtpd.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p' \
    "$tmp/security")
case "$level" in
*" OK"|*" SAFE") echo "unit: exposure $level" ;;
*) fail "systemd-analyze security: '$level'"; tail -n 5 "$tmp/security" ;;
esac

mkdir -p "$tmp/root/etc"
systemd-sysusers --root="$tmp/root" "$src/contrib/zrtpd.sysusers" \
    >"$tmp/sysusers" 2>&1 || fail "systemd-sysusers: $(cat "$tmp/sysusers")"
grep -q '^zrtpd:x:[0-9]*:[0-9]*:ZRTP key-agreement daemon:/var/lib/zrtpd:' \
    "$tmp/root/etc/passwd" || fail "no zrtpd user created"
grep -q '^zrtpd:x:' "$tmp/root/etc/group" || fail "no zrtpd group created"

[ "$fails" -eq 0 ] || exit 1
echo "unit: all checks passed"

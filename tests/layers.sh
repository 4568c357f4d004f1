#!/bin/sh
# The layer rule of docs/architecture.md, as the compiler enforces it: each
# library is built with the include path of its own layer and those below,
# so a header of a layer above does not compile there. Each refusal is
# paired with an acceptance under the same flags, so a broken flag cannot
# pass for a refusal.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# try FLAGS HEADER WANT: WANT is "ok" or "refused".
try() {
	printf '#include "%s"\nint layers_probe;\n' "$2" > "$tmp/probe.c"
	if $CC $1 -fsyntax-only "$tmp/probe.c" 2>/dev/null; then
		got=ok
	else
		got=refused
	fi
	if [ "$got" != "$3" ]; then
		echo "FAIL: $2 with [$1]: $got, want $3"
		fail=1
	else
		echo "ok: $2 $got with [$1]"
	fi
}

try "$CRYPTO_CPPFLAGS" kex.h ok
try "$CRYPTO_CPPFLAGS" engine.h refused
try "$CRYPTO_CPPFLAGS" msg.h refused
try "$PROTO_CPPFLAGS" engine.h ok
try "$PROTO_CPPFLAGS" cache.h refused
try "$PROTO_CPPFLAGS" zrtpc.h refused
try "$DAEMON_CPPFLAGS" cache.h ok
try "$DAEMON_CPPFLAGS" zrtpc.h refused
# libzrtpc and zrtpctl know the control protocol, not the daemon.
try "$CTL_CPPFLAGS" zrtpc.h ok
try "$CTL_CPPFLAGS" escape.h ok
try "$CTL_CPPFLAGS" engine.h refused
try "$CTL_CPPFLAGS" cache.h refused
try "$CTL_CPPFLAGS" zcrypto.h refused
exit $fail

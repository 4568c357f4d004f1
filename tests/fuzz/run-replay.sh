#!/bin/sh
# make check: replays the stored fuzz corpus through each fuzz target built
# as a plain program (tests/fuzz/replay.c), so no clang is needed. Fails if
# any replay fails or a corpus directory is missing.
set -u

srcdir=${srcdir:-.}
status=0
for target in packet body engine; do
	corpus="$srcdir/tests/fuzz/corpus/$target"
	prog=./tests/fuzz/replay_$target
	if [ ! -d "$corpus" ]; then
		echo "run-replay: $corpus: no such directory" >&2
		status=1
		continue
	fi
	echo "run-replay: $target: $corpus"
	"$prog" "$corpus" || status=1
done
exit $status

#!/bin/sh
# System test, part of `make check`: the SAS verified flag (V) across
# calls between two daemons (RFC 6189 §7.1; docs/control-protocol.md,
# security states): a call is secure_verified at once (its first secure
# state, with sas.verified in sas_ready) only after a cache match with
# both sides' V flags set.
# 1. first call, both give `match`; 2. the next call is secure_verified at
# once on both sides; 3. B says `mismatch` (its V flag cleared): 4. the next
# call is secure_unverified on both sides; A alone says `match` (B's flag
# still clear): 5. still secure_unverified on both; B says `match` too:
# 6. secure_verified at once again; B forgets A (cache_forget): 7. A sees
# cache_mismatch, never verified, though its own V flag is set.
set -eu
. "${srcdir:-.}/tests/system/lib.sh"

daemon A
daemon B
hello='{"id":1,"cmd":"hello","versions":[1]}'
zidA=$(echo "$hello" | ctl A | sed 's/.*"zid":"\([0-9a-f]*\)".*/\1/')

# first NAME: NAME's first secure state (security event), and whether its
# sas_ready said verified, as "STATE verified|unverified".
first() {
	st=$(grep '^event security' "$tmp/$1.log" | grep -o \
	    '"security":"\(secure_[a-z]*\|cache_mismatch\|sas_mismatch\)"' |
	    head -n 1 | cut -d'"' -f4)
	if grep '^event sas_ready' "$tmp/$1.log" | head -n 1 |
	    grep -q '"verified":true'; then
		echo "$st verified"
	else
		echo "$st unverified"
	fi
}

# vcall N VERDICT_A VERDICT_B ("-": none): one call; sets firstA firstB
# (first secure states), lastA lastB (states at the end), cacheA cacheB.
vcall() {
	phone a$1 A 3 4 --side A --frames 5 --gap 5
	phone b$1 B 5 6 --side B --frames 5 --gap 5
	offer a$1; _pa=$port _ha=$hash
	offer b$1; _pb=$port _hb=$hash
	tell a$1 "answer 127.0.0.1 $_pb $_hb"
	tell b$1 "answer 127.0.0.1 $_pa $_ha"
	firstA=- firstB=- cacheA=- cacheB=- lastA=- lastB=-
	expect a$1 secure && cacheA=${line##* } && firstA=$(first a$1)
	expect b$1 secure && cacheB=${line##* } && firstB=$(first b$1)
	tell a$1 go
	tell b$1 go
	expect a$1 done || true
	expect b$1 done || true
	if [ "$2" != - ]; then tell a$1 "verdict $2"; expect a$1 verdict; fi
	if [ "$3" != - ]; then tell b$1 "verdict $3"; expect b$1 verdict; fi
	tell a$1 quit
	tell b$1 quit
	expect a$1 result && lastA=$(jfield security "${line#result }")
	expect b$1 result && lastB=$(jfield security "${line#result }")
	exec 3>&- 4<&- 5>&- 6<&-
}

# judge WHAT WANT_FIRST_A WANT_FIRST_B [WANT_LAST_A WANT_LAST_B]
judge() {
	_ok=1
	check_eq "$1: A's first secure state" "$firstA" "$2" || _ok=0
	check_eq "$1: B's first secure state" "$firstB" "$3" || _ok=0
	if [ $# -ge 5 ]; then
		check_eq "$1: A at the end" "$lastA" "$4" || _ok=0
		check_eq "$1: B at the end" "$lastB" "$5" || _ok=0
	fi
	[ $_ok -eq 1 ] && echo "ok   $1: A $firstA${4:+ then $4}, B $firstB${5:+ then $5}"
	return 0
}

vcall 1 match match
judge "first call, both verify" "secure_unverified unverified" \
    "secure_unverified unverified" secure_verified secure_verified
vcall 2 - mismatch
judge "second call: the V flags carried" "secure_verified verified" \
    "secure_verified verified" secure_verified sas_mismatch
vcall 3 match -
judge "after B's mismatch" "secure_unverified unverified" \
    "secure_unverified unverified" secure_verified secure_unverified
vcall 4 - match
judge "A's flag alone set" "secure_unverified unverified" \
    "secure_unverified unverified" secure_unverified secure_verified
vcall 5 - -
judge "both flags set again" "secure_verified verified" \
    "secure_verified verified"
r=$(printf '%s\n' "$hello" "{\"id\":2,\"cmd\":\"cache_forget\",\"zid\":\"$zidA\"}" |
    ctl B | tail -n 1)
case "$r" in *'"ok":true'*) ;; *) fail "cache_forget: $r" ;; esac
vcall 6 - -
judge "B lost its cache: A's V flag is no verification" \
    "cache_mismatch unverified" "secure_unverified unverified" \
    cache_mismatch secure_unverified
check_eq "B lost its cache: A's cache" "$cacheA" mismatch || true
check_eq "B lost its cache: B's cache" "$cacheB" new || true

[ $fails -eq 0 ] || { show a6; show b6; tail -n 20 "$tmp/A/log" "$tmp/B/log"; exit 1; }

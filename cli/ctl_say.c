/*
 * Words for people: the SAS spelled aloud, the security states as the
 * ZRTP user-interface guidelines word them, the next step, the exit
 * status. Tables only; no I/O.
 */
#include <stdio.h>
#include <string.h>

#include "ctl_say.h"

/* The ICAO/NATO spelling alphabet and English digit words. B32's alphabet
 * (RFC 6189 §5.1.6) uses 24 letters and the digits 1 and 3 to 9. */
static const char *const icao_letters[26] = {
	"alfa", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
	"hotel", "india", "juliett", "kilo", "lima", "mike", "november",
	"oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform",
	"victor", "whiskey", "x-ray", "yankee", "zulu"
};
static const char *const digit_words[10] = {
	"zero", "one", "two", "three", "four", "five", "six", "seven",
	"eight", "nine"
};
static const char b32_alphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";

const char ctl_sas_mismatch_alarm[] =
    "You and the other caller do not see the same SAS: this call is NOT "
    "secure. Someone is actively trying to intercept your call. Do not "
    "discuss sensitive information.\n"
    "We would like to hear about this incident. If you can, contact your "
    "support and tell them you've had an \"SAS mismatch\". It will be "
    "treated as serious, and your report helps the security of others.";

static const struct ctl_state_words states[] = {
	{ "not_secure", "NOT SECURE",
	  "This call is NOT secure. The audio and video of this call may be "
	  "intercepted by anyone.",
	  "Do not discuss anything sensitive. See why with: zrtpctl show %s",
	  CTL_EXIT_NOT_SECURE, 2 },
	{ "going_secure", "SECURING",
	  "ZRTP is securing the call; until it is done the call is not "
	  "secure.",
	  "Wait for the SAS: zrtpctl watch %s",
	  CTL_EXIT_NOT_SECURE, 1 },
	{ "secure_unverified", "SECURE, NOT VERIFIED",
	  "The media is encrypted, but until you and the other caller "
	  "compare the SAS the call's security is indeterminate: it may be "
	  "no more secure than a call secured to the server.",
	  "Read the SAS aloud to each other, then: zrtpctl verify %s",
	  CTL_EXIT_OK, 1 },
	{ "secure_verified", "SECURE (VERIFIED)",
	  "ZRTP Secure: the SAS was verified on this call, or on an earlier "
	  "call by both sides, and this peer proved that call's retained "
	  "secret.",
	  "Check that the peer's name is who you are talking to. Nothing "
	  "else to do.",
	  CTL_EXIT_OK, 0 },
	{ "cache_mismatch", "CACHE MISMATCH: NOT SECURE UNTIL VERIFIED",
	  "There has been an unexpected error while securing your call. To "
	  "ensure the security of this and future calls, you must verify "
	  "some information with the other caller. Until then, treat this "
	  "call as NOT secure.",
	  "Compare the SAS with the other caller now: zrtpctl verify %s",
	  CTL_EXIT_CACHE_MISMATCH, 2 },
	{ "sas_mismatch", "SAS MISMATCH: SOMEONE IS INTERCEPTING THIS CALL",
	  ctl_sas_mismatch_alarm,
	  "Do not discuss sensitive information. Hang up, and call back "
	  "only over a path you trust.",
	  CTL_EXIT_SAS_MISMATCH, 3 },
};

static const struct ctl_state_words unknown_state = {
	"unknown", "UNKNOWN SECURITY STATE",
	"zrtpctl does not know this state: treat the call as NOT secure.",
	"Look at the details: zrtpctl show %s",
	CTL_EXIT_NOT_SECURE, 2
};

/* zrtpctl show's next steps for a session not secure (ctl_show_next). */
static const char show_no_zrtp[] =
    "Do not discuss anything sensitive. The other side never answered in "
    "ZRTP: check that it speaks ZRTP and has it turned on, and (relay "
    "mode) that Remote below is its media address.";
static const char show_failed[] =
    "Do not discuss anything sensitive. ZRTP failed: the Failure line below "
    "says why. Hang up and call again; if it fails again, report that line.";
static const char show_tampered[] =
    "Do not discuss anything sensitive. ZRTP failed the way a change made "
    "to its messages on the way fails (the Failure line below says which): "
    "someone may be intercepting the call. Tell the other person by another "
    "way, call again, and report that line if it fails again.";
static const char show_ended[] =
    "Do not discuss anything sensitive. This session has ended without "
    "being secured.";
static const char show_waiting[] =
    "Do not discuss anything sensitive. No failure so far: ZRTP has not "
    "finished, or the other side went clear. Wait for it: zrtpctl watch %s. "
    "If it does not come, check that the other side speaks ZRTP.";
static const char show_unknown[] =
    "Treat the call as NOT secure; the details are below.";

/*
 * Failures that a message altered or forged on the path causes (the
 * engine's codes whose check is a hash, MAC or public-value test).
 */
static const char *const tamper_codes[] = {
	"hello_hash_mismatch", "hello_altered", "commit_altered",
	"hvi_mismatch", "confirm_mac", "bad_pv", "stream_zid_mismatch",
};

static int
tamper_code(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(tamper_codes) / sizeof(tamper_codes[0]); i++)
		if (strcmp(tamper_codes[i], code) == 0)
			return 1;
	return 0;
}

const char *
ctl_show_next(const char *security, const char *error_code, int ended)
{
	const struct ctl_state_words *w = ctl_state_words(security);

	if (w == &unknown_state)
		return show_unknown;
	if (strcmp(w->security, "not_secure") != 0)
		return NULL;
	if (error_code != NULL) {
		if (strcmp(error_code, "no_zrtp") == 0)
			return show_no_zrtp;
		return tamper_code(error_code) ? show_tampered : show_failed;
	}
	return ended ? show_ended : show_waiting;
}

const struct ctl_state_words *
ctl_state_words(const char *security)
{
	size_t i;

	for (i = 0; security != NULL && i < sizeof(states) / sizeof(states[0]);
	    i++)
		if (strcmp(states[i].security, security) == 0)
			return &states[i];
	return &unknown_state;
}

static const char *
b32_word(char ch)
{
	if (ch == '\0' || strchr(b32_alphabet, ch) == NULL)
		return NULL;
	if (ch >= '0' && ch <= '9')
		return digit_words[ch - '0'];
	return icao_letters[ch - 'a'];
}

int
ctl_sas_spell(const char *scheme, const char *text, char *out,
    size_t out_len)
{
	size_t i, n = 0;
	const char *w;
	int k;

	if (scheme == NULL || text == NULL || out_len == 0)
		return -1;
	out[0] = '\0';
	if (strcmp(scheme, "B256") == 0) {
		k = snprintf(out, out_len, "%s", text);
		return k < 0 || (size_t)k >= out_len ? -1 : 0;
	}
	if (strcmp(scheme, "B32") != 0 || strlen(text) != 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((w = b32_word(text[i])) == NULL)
			return -1;
		k = snprintf(out + n, out_len - n, "%s%s", i ? " " : "", w);
		if (k < 0 || (size_t)k >= out_len - n) {
			out[0] = '\0';
			return -1;
		}
		n += (size_t)k;
	}
	return 0;
}

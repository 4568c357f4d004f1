/*
 * zrtpctl's words: every B32 character spelled with its ICAO/NATO or digit
 * word, B256 as its two words, unspellable input refused, and every
 * security state's exit status and guideline words.
 */
#include <stdio.h>
#include <string.h>

#include "ctl_say.h"
#include "unit.h"

/* show's next step: tampering codes warn of interception, others do not. */
START_TEST(show_next_steps)
{
	const char *t;

	t = ctl_show_next("not_secure", "hvi_mismatch", 1);
	ck_assert_ptr_nonnull(strstr(t, "intercepting"));
	t = ctl_show_next("not_secure", "confirm_mac", 1);
	ck_assert_ptr_nonnull(strstr(t, "intercepting"));
	t = ctl_show_next("not_secure", "timeout", 1);
	ck_assert_ptr_null(strstr(t, "intercepting"));
	ck_assert_ptr_nonnull(strstr(t, "Failure line below says why"));
	t = ctl_show_next("not_secure", "no_zrtp", 1);
	ck_assert_ptr_nonnull(strstr(t, "never answered in ZRTP"));
	ck_assert_ptr_nonnull(strstr(ctl_show_next("not_secure", NULL, 1),
	    "ended without"));
	ck_assert_ptr_null(ctl_show_next("secure_unverified", NULL, 0));
}
END_TEST

START_TEST(b32_spelled)
{
	char out[128];

	ck_assert_int_eq(ctl_sas_spell("B32", "h7ke", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "hotel seven kilo echo");
	ck_assert_int_eq(ctl_sas_spell("B32", "y1x9", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "yankee one x-ray nine");
}
END_TEST

/* Every character of the B32 alphabet (RFC 6189 §5.1.6) has a word, and
 * two characters never share one. */
START_TEST(b32_alphabet_complete)
{
	static const char alphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
	char text[5], out[128], words[32][128];
	size_t i, j;

	for (i = 0; i < 32; i++) {
		memset(text, alphabet[i], 4);
		text[4] = '\0';
		ck_assert_int_eq(ctl_sas_spell("B32", text, out, sizeof(out)),
		    0);
		*strchr(out, ' ') = '\0';
		snprintf(words[i], sizeof(words[i]), "%s", out);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(words[i], words[j]);
	}
}
END_TEST

START_TEST(unspellable_refused)
{
	char out[128], small[8];

	/* Not in the alphabet: 0, 2, l, v; wrong length; upper case. */
	ck_assert_int_eq(ctl_sas_spell("B32", "h0ke", out, sizeof(out)), -1);
	ck_assert_int_eq(ctl_sas_spell("B32", "h2ke", out, sizeof(out)), -1);
	ck_assert_int_eq(ctl_sas_spell("B32", "hlke", out, sizeof(out)), -1);
	ck_assert_int_eq(ctl_sas_spell("B32", "hvke", out, sizeof(out)), -1);
	ck_assert_int_eq(ctl_sas_spell("B32", "H7KE", out, sizeof(out)), -1);
	ck_assert_int_eq(ctl_sas_spell("B32", "h7k", out, sizeof(out)), -1);
	ck_assert_int_eq(ctl_sas_spell("B32", "h7kee", out, sizeof(out)), -1);
	ck_assert_int_eq(ctl_sas_spell("B32E", "h7ke", out, sizeof(out)), -1);
	ck_assert_int_eq(ctl_sas_spell(NULL, "h7ke", out, sizeof(out)), -1);
	/* Too small a buffer: refused, never cut. */
	ck_assert_int_eq(ctl_sas_spell("B32", "h7ke", small, sizeof(small)),
	    -1);
	ck_assert_str_eq(small, "");
}
END_TEST

START_TEST(b256_words)
{
	char out[128];

	ck_assert_int_eq(ctl_sas_spell("B256", "stagnate spaghetti", out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "stagnate spaghetti");
}
END_TEST

START_TEST(state_words)
{
	const struct ctl_state_words *w;

	ck_assert_int_eq(ctl_state_words("not_secure")->exit,
	    CTL_EXIT_NOT_SECURE);
	ck_assert_int_eq(ctl_state_words("going_secure")->exit,
	    CTL_EXIT_NOT_SECURE);
	ck_assert_int_eq(ctl_state_words("secure_unverified")->exit,
	    CTL_EXIT_OK);
	ck_assert_int_eq(ctl_state_words("secure_verified")->exit,
	    CTL_EXIT_OK);
	ck_assert_int_eq(ctl_state_words("cache_mismatch")->exit,
	    CTL_EXIT_CACHE_MISMATCH);
	w = ctl_state_words("sas_mismatch");
	ck_assert_int_eq(w->exit, CTL_EXIT_SAS_MISMATCH);
	ck_assert_int_eq(w->level, 3);
	ck_assert_ptr_nonnull(strstr(w->text, "Someone is actively trying "
	    "to intercept your call"));
	ck_assert_ptr_nonnull(strstr(ctl_state_words("not_secure")->text,
	    "This call is NOT secure"));
	ck_assert_ptr_nonnull(strstr(ctl_state_words("cache_mismatch")->text,
	    "you must verify some information with the other caller"));
	/* Unknown states are never taken for secure. */
	ck_assert_int_eq(ctl_state_words("quantum_secure")->exit,
	    CTL_EXIT_NOT_SECURE);
	ck_assert_int_eq(ctl_state_words(NULL)->exit, CTL_EXIT_NOT_SECURE);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("words");

	tcase_add_test(tc, show_next_steps);
	tcase_add_test(tc, b32_spelled);
	tcase_add_test(tc, b32_alphabet_complete);
	tcase_add_test(tc, unspellable_refused);
	tcase_add_test(tc, b256_words);
	tcase_add_test(tc, state_words);
	suite_add_tcase(s, tc);
	return unit_run(s);
}

/*
 * zrtpctl's words for people: the SAS spelled for reading aloud, each
 * security state in the words of the ZRTP user-interface guidelines with
 * what to do next, and the exit status each state maps to. Pure functions
 * of the protocol's strings: no I/O, no daemon.
 */
#ifndef ZRTPD_CTL_SAY_H
#define ZRTPD_CTL_SAY_H

#include <stddef.h>

/* Exit statuses of zrtpctl (docs/zrtpctl.1, EXIT STATUS). */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAIL = 1,		/* the daemon refused, or another error */
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_NOT_SECURE = 3,
	CTL_EXIT_CACHE_MISMATCH = 4,
	CTL_EXIT_SAS_MISMATCH = 5,
	CTL_EXIT_UNREACHABLE = 6,
	CTL_EXIT_PERMISSION = 7,
	CTL_EXIT_NOT_FOUND = 8,
	CTL_EXIT_CHALLENGE_FAILED = 9,
};

struct ctl_state_words {
	const char	*security;	/* the protocol's name */
	const char	*title;		/* short, upper case: "NOT SECURE" */
	const char	*text;		/* the guidelines' words */
	const char	*next;		/* what to do next; %s: the session */
	int		 exit;		/* enum ctl_exit */
	int		 level;		/* 0 good, 1 caution, 2 bad, 3 alarm */
};

/* The words for a security state; an unknown state gets cautious words. */
const struct ctl_state_words	*ctl_state_words(const char *security);

/*
 * The next step zrtpctl show prints above a session's details, where the
 * state's own ("see why with: zrtpctl show") would send the person in a
 * circle: for a session not secure, what to do by what it says (error
 * code no_zrtp, another failure, ended, nothing yet); for an unknown
 * state, look below. NULL: the state's own next step.
 */
const char	*ctl_show_next(const char *security, const char *error_code,
		    int ended);

/* The alarm shown whenever an SAS mismatch is reported. */
extern const char ctl_sas_mismatch_alarm[];

/*
 * The SAS spelled for reading aloud: B32 one ICAO/NATO word per letter and
 * a digit word per digit ("hotel seven kilo echo"), B256 its two PGP words
 * as they are. Returns 0, or -1 when the scheme has no spoken form (B32E
 * pictures, unknown schemes) or a character is outside the B32 alphabet.
 */
int	ctl_sas_spell(const char *scheme, const char *text, char *out,
	    size_t out_len);

#endif

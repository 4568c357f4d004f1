/*
 * bzcommon: what the libbzrtp drivers bzcapture and bzpeer share: bzrtp's
 * algorithm names, the clock, the sqlite ZID cache and the callback plumbing.
 * Test code only: it must never link our engine, and it holds no policy.
 */

#ifndef BZCOMMON_H
#define BZCOMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>
#include <bzrtp/bzrtp.h>

#define BZC_NTYPES	5	/* hash, cipher, auth, ka, sas */
#define BZC_KEYMAX	64

struct bzc_algo {
	const char	*name;
	uint8_t		 type;
	uint8_t		 id;
};

/* Indexed like the --hash, --cipher, --auth, --ka, --sas options. */
struct bzc_algotype {
	uint8_t		 type;
	const char	*label;		/* e.g. "keyagreement" */
	const char	*opt;		/* its option, e.g. "ka" */
	int		 ch;		/* and its short form, e.g. 'k' */
};

/* The algorithms bzrtp reports negotiated in bzrtpSrtpSecrets_t. */
struct bzc_suite {
	uint8_t		 hash, cipher, auth, ka, sasalgo;
};

/* One direction's SRTP master key and salt, as bzrtp hands them over. */
struct bzc_keys {
	uint8_t		 key[BZC_KEYMAX], salt[BZC_KEYMAX];
	size_t		 keylen, saltlen;
	int		 have;
};

struct bzc_cache {
	sqlite3		*db;
	bctbx_mutex_t	 mutex;
};

/* The bzrtpCallbacks_t members, as function types to declare them by. */
typedef int	 bzc_status_fn(void *, const uint8_t, const uint8_t,
		    const char *);
typedef int	 bzc_send_fn(void *, const uint8_t *, uint16_t);
typedef int	 bzc_secrets_fn(void *, const bzrtpSrtpSecrets_t *, uint8_t);
typedef int	 bzc_start_fn(void *, const bzrtpSrtpSecrets_t *, int32_t);
typedef int	 bzc_exported_fn(void *, int, uint8_t);

extern const struct bzc_algotype bzc_algotypes[BZC_NTYPES];

/* Each program supplies its own: report what went wrong, then exit(1). */
void		 die(const char *, ...)
		    __attribute__((noreturn, format(printf, 1, 2)));

uint64_t	 bzc_now_ms(void);
int		 bzc_algotype_byopt(int);
const struct bzc_algo *bzc_algo_byname(uint8_t, const char *);
const char	*bzc_algo_name(uint8_t, uint8_t);
uint8_t		 bzc_available(bzrtpContext_t *, uint8_t, uint8_t[7]);
const struct bzc_algo *bzc_algo_want(bzrtpContext_t *, size_t, const char *,
		    const char *, const char *);
void		 bzc_offer_only(bzrtpContext_t *, uint8_t, uint8_t);
int		 bzc_set_callbacks(bzrtpContext_t *, bzc_status_fn *,
		    bzc_send_fn *, bzc_secrets_fn *, bzc_start_fn *,
		    bzc_exported_fn *);
int		 bzc_cache_open(struct bzc_cache *, bzrtpContext_t *,
		    const char *, const char *, const char *);
void		 bzc_cache_close(struct bzc_cache *);
void		 bzc_suite_take(struct bzc_suite *, const bzrtpSrtpSecrets_t *);
int		 bzc_secrets_take(struct bzc_keys *, struct bzc_keys *,
		    const bzrtpSrtpSecrets_t *, uint8_t);
const char	*bzc_role_name(int);
void		 bzc_put_hex(FILE *, const uint8_t *, size_t);

#endif /* BZCOMMON_H */

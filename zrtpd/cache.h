/*
 * The retained-secret cache (RFC 6189 §4.9) on disk: one SQLite file in
 * WAL mode, mode 0600, holding our ZID and, per peer ZID, rs1/rs2 with
 * their expiry, the SAS-verified flag and a name. Only the daemon (or a
 * probe run by hand) writes it.
 */
#ifndef ZRTPD_CACHE_H
#define ZRTPD_CACHE_H

#include <stdint.h>

#include "engine.h"

#define ZCACHE_NAME_MAX	128

struct zcache;

struct zcache_peer {
	uint8_t	zid[ZRTP_ZID_LEN];
	char	name[ZCACHE_NAME_MAX];
	int	verified;
	int	has_rs1, has_rs2;
	int	has_pbx;	/* an enrolled PBX's secret */
	int64_t	rs1_expires;	/* unix seconds; -1: never */
	int64_t	first_seen, last_seen;
};

/*
 * Opens or creates path; err gets a one-line reason on failure, naming the
 * fix. Refuses a directory others may write in and side files (-wal, -shm,
 * -journal) that are not ours with mode 0600 (docs/cache.md).
 */
int	zcache_open(const char *path, struct zcache **out, char *err,
	    size_t err_len);
void	zcache_close(struct zcache *c);
/* Our own ZID, made once when the file is created. */
const uint8_t *zcache_zid(const struct zcache *c);

/*
 * Secrets for a peer with their expiries and now (e->now), expired ones
 * marked invalid: 0 (e->found says
 * whether there was a row) or ZE_CACHE when the file cannot be read, with
 * e->error set so that e can go to zs_cache_loaded() as it is.
 */
int	zcache_load(struct zcache *c, const uint8_t zid[ZRTP_ZID_LEN],
	    int64_t now, struct zs_cache_entry *e);
/*
 * Write the record of a ZSA_CACHE_STORE as it is, atomically: secrets,
 * expiries and V flag are the engine's decisions; now is only when the
 * peer was last seen.
 */
int	zcache_store(struct zcache *c, const struct zs_cache_record *r,
	    int64_t now);

/*
 * Many sessions storing at once: the writes between begin and end are one
 * transaction, durable together at end (one fsync instead of one each).
 * end returns ZE_CACHE when the commit failed: then none of them is
 * stored. Only loads and the ZSA_CACHE_* writes may run inside.
 */
int	zcache_batch_begin(struct zcache *c);
int	zcache_batch_end(struct zcache *c);

int	zcache_list(struct zcache *c,
	    int (*fn)(void *arg, const struct zcache_peer *p), void *arg);
int	zcache_rename(struct zcache *c, const uint8_t zid[ZRTP_ZID_LEN],
	    const char *name);
int	zcache_forget(struct zcache *c, const uint8_t zid[ZRTP_ZID_LEN]);
/* §4.9: expire the peer's rs1 now (a ZSA_CACHE_EXPIRE action). */
int	zcache_expire(struct zcache *c, const uint8_t zid[ZRTP_ZID_LEN],
	    int64_t now);
/* A PBX's trusted-MiTM secret, after the user agreed (ZSA_CACHE_PBX). */
int	zcache_set_pbx(struct zcache *c, const uint8_t zid[ZRTP_ZID_LEN],
	    const uint8_t pbxsecret[ZRTP_RS_LEN]);
/* The SAS-verified (V) flag alone (a ZSA_CACHE_VERIFIED action). */
int	zcache_set_verified(struct zcache *c, const uint8_t zid[ZRTP_ZID_LEN],
	    int verified);
/*
 * A ZSA_CACHE_VERIFIED action (engine.h): a bound one sets V only on a
 * row whose rs1 or rs2 is the call's rs1, or rs2 unless NULL (the
 * verdict of a first contact, or of a call that read a tentative row);
 * *set says whether the flag was written. 0, or an error.
 */
int	zcache_verdict(struct zcache *c, const uint8_t zid[ZRTP_ZID_LEN],
	    int verified, int bound, const uint8_t rs1[ZRTP_RS_LEN],
	    const uint8_t *rs2, int *set);

/*
 * A consistent image of the whole cache (every secret: it goes only to a
 * descriptor an admin client passed) written to fd; the bytes written
 * and the number of peers. The copy in memory is wiped.
 */
int	zcache_backup(struct zcache *c, int fd, int64_t *bytes, int *peers);
/*
 * Replace the whole cache with the image read from fd (at most
 * ZCACHE_IMAGE_MAX bytes), checked before anything changes: SQLite's
 * integrity check, schema 2, a ZID of its own, rows this schema allows.
 * One transaction; our ZID becomes the image's. err says why an image is
 * refused.
 */
#define ZCACHE_IMAGE_MAX	(64 * 1024 * 1024)
int	zcache_restore(struct zcache *c, int fd, int *peers, char *err,
	    size_t err_len);

#endif

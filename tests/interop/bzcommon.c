/*
 * bzcommon: helpers shared by the libbzrtp drivers bzcapture and bzpeer.
 * Failures go to the calling program's die(); nothing here decides what a
 * test expects, and nothing here may link our engine.
 */

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bzcommon.h"

static const struct bzc_algo algos[] = {
	{ "S256", ZRTP_HASH_TYPE, ZRTP_HASH_S256 },
	{ "S384", ZRTP_HASH_TYPE, ZRTP_HASH_S384 },
	{ "N256", ZRTP_HASH_TYPE, ZRTP_HASH_N256 },
	{ "N384", ZRTP_HASH_TYPE, ZRTP_HASH_N384 },
	{ "AES1", ZRTP_CIPHERBLOCK_TYPE, ZRTP_CIPHER_AES1 },
	{ "AES2", ZRTP_CIPHERBLOCK_TYPE, ZRTP_CIPHER_AES2 },
	{ "AES3", ZRTP_CIPHERBLOCK_TYPE, ZRTP_CIPHER_AES3 },
	{ "2FS1", ZRTP_CIPHERBLOCK_TYPE, ZRTP_CIPHER_2FS1 },
	{ "2FS2", ZRTP_CIPHERBLOCK_TYPE, ZRTP_CIPHER_2FS2 },
	{ "2FS3", ZRTP_CIPHERBLOCK_TYPE, ZRTP_CIPHER_2FS3 },
	{ "HS32", ZRTP_AUTHTAG_TYPE, ZRTP_AUTHTAG_HS32 },
	{ "HS80", ZRTP_AUTHTAG_TYPE, ZRTP_AUTHTAG_HS80 },
	{ "SK32", ZRTP_AUTHTAG_TYPE, ZRTP_AUTHTAG_SK32 },
	{ "SK64", ZRTP_AUTHTAG_TYPE, ZRTP_AUTHTAG_SK64 },
	{ "DH2k", ZRTP_KEYAGREEMENT_TYPE, ZRTP_KEYAGREEMENT_DH2k },
	{ "X255", ZRTP_KEYAGREEMENT_TYPE, ZRTP_KEYAGREEMENT_X255 },
	{ "EC25", ZRTP_KEYAGREEMENT_TYPE, ZRTP_KEYAGREEMENT_EC25 },
	{ "X448", ZRTP_KEYAGREEMENT_TYPE, ZRTP_KEYAGREEMENT_X448 },
	{ "DH3k", ZRTP_KEYAGREEMENT_TYPE, ZRTP_KEYAGREEMENT_DH3k },
	{ "EC38", ZRTP_KEYAGREEMENT_TYPE, ZRTP_KEYAGREEMENT_EC38 },
	{ "EC52", ZRTP_KEYAGREEMENT_TYPE, ZRTP_KEYAGREEMENT_EC52 },
	{ "Prsh", ZRTP_KEYAGREEMENT_TYPE, ZRTP_KEYAGREEMENT_Prsh },
	{ "Mult", ZRTP_KEYAGREEMENT_TYPE, ZRTP_KEYAGREEMENT_Mult },
	{ "B32", ZRTP_SAS_TYPE, ZRTP_SAS_B32 },
	{ "B256", ZRTP_SAS_TYPE, ZRTP_SAS_B256 },
};
#define NALGOS	(sizeof(algos) / sizeof(algos[0]))

const struct bzc_algotype bzc_algotypes[BZC_NTYPES] = {
	{ ZRTP_HASH_TYPE, "hash", "hash", 'H' },
	{ ZRTP_CIPHERBLOCK_TYPE, "cipher", "cipher", 'c' },
	{ ZRTP_AUTHTAG_TYPE, "auth", "auth", 'a' },
	{ ZRTP_KEYAGREEMENT_TYPE, "keyagreement", "ka", 'k' },
	{ ZRTP_SAS_TYPE, "sas", "sas", 's' },
};

uint64_t
bzc_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		die("clock_gettime: %s", strerror(errno));
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Which bzc_algotypes[] entry the short option ch names, or -1. */
int
bzc_algotype_byopt(int ch)
{
	int t;

	for (t = 0; t < BZC_NTYPES; t++)
		if (bzc_algotypes[t].ch == ch)
			return t;
	return -1;
}

const struct bzc_algo *
bzc_algo_byname(uint8_t type, const char *name)
{
	size_t i;

	for (i = 0; i < NALGOS; i++)
		if (algos[i].type == type &&
		    strcasecmp(algos[i].name, name) == 0)
			return &algos[i];
	return NULL;
}

const char *
bzc_algo_name(uint8_t type, uint8_t id)
{
	size_t i;

	for (i = 0; i < NALGOS; i++)
		if (algos[i].type == type && algos[i].id == id)
			return algos[i].name;
	return "?";
}

/*
 * What ctx offers of type; with ctx NULL, what this libbzrtp offers by
 * default (a fresh context lists them all).
 */
uint8_t
bzc_available(bzrtpContext_t *ctx, uint8_t type, uint8_t out[7])
{
	bzrtpContext_t *fresh;
	uint8_t n;

	if (ctx != NULL)
		return bzrtp_getSupportedCryptoTypes(ctx, type, out);
	if ((fresh = bzrtp_createBzrtpContext()) == NULL)
		die("bzrtp_createBzrtpContext failed");
	n = bzrtp_getSupportedCryptoTypes(fresh, type, out);
	bzrtp_destroyBzrtpContext(fresh, 0);
	return n;
}

/*
 * The algorithm called name of bzc_algotypes[t], which ctx (see
 * bzc_available) must offer; label names the type and hint ends the
 * message in what die() reports.
 */
const struct bzc_algo *
bzc_algo_want(bzrtpContext_t *ctx, size_t t, const char *label,
    const char *name, const char *hint)
{
	const struct bzc_algo *a;
	uint8_t avail[7], n, i;

	if ((a = bzc_algo_byname(bzc_algotypes[t].type, name)) == NULL)
		die("unknown %s algorithm \"%s\"", label, name);
	n = bzc_available(ctx, bzc_algotypes[t].type, avail);
	for (i = 0; i < n; i++)
		if (avail[i] == a->id)
			return a;
	die("%s algorithm %s is not supported by this libbzrtp%s", label,
	    a->name, hint);
}

/* Offer only id; bzrtp appends its mandatory ones of type after it. */
void
bzc_offer_only(bzrtpContext_t *ctx, uint8_t type, uint8_t id)
{
	uint8_t list[7];

	list[0] = id;
	bzrtp_setSupportedCryptoTypes(ctx, type, list, 1);
}

/* bzrtp passes warnings and errors to status; returns bzrtp's code. */
int
bzc_set_callbacks(bzrtpContext_t *ctx, bzc_status_fn *status,
    bzc_send_fn *send, bzc_secrets_fn *secrets, bzc_start_fn *start,
    bzc_exported_fn *exported)
{
	bzrtpCallbacks_t cbs;

	memset(&cbs, 0, sizeof(cbs));
	cbs.bzrtp_statusMessage = status;
	cbs.bzrtp_messageLevel = BZRTP_MESSAGE_WARNING;
	cbs.bzrtp_sendData = send;
	cbs.bzrtp_srtpSecretsAvailable = secrets;
	cbs.bzrtp_startSrtpSession = start;
	cbs.bzrtp_contextReadyForExportedKeys = exported;
	return bzrtp_setCallbacks(ctx, &cbs);
}

/*
 * Open (or create) the sqlite ZID cache at path and hand it to ctx; must
 * run before bzrtp_initBzrtpContext, which is when bzrtp reads it. Returns
 * what bzrtp_initCache_lock said: 0, BZRTP_CACHE_SETUP or _UPDATE.
 */
int
bzc_cache_open(struct bzc_cache *c, bzrtpContext_t *ctx, const char *path,
    const char *selfuri, const char *peeruri)
{
	int rc, state;

	if (sqlite3_open_v2(path, &c->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		die("sqlite3_open %s: %s", path, sqlite3_errmsg(c->db));
	bctbx_mutex_init(&c->mutex, NULL);
	state = bzrtp_initCache_lock(c->db, &c->mutex);
	if (state != 0 && state != BZRTP_CACHE_SETUP &&
	    state != BZRTP_CACHE_UPDATE)
		die("bzrtp_initCache_lock %s: 0x%x", path, state);
	rc = bzrtp_setZIDCache_lock(ctx, c->db, selfuri, peeruri, &c->mutex);
	if (rc != 0 && rc != BZRTP_CACHE_SETUP)
		die("bzrtp_setZIDCache_lock %s: 0x%x", path, rc);
	return state;
}

void
bzc_cache_close(struct bzc_cache *c)
{
	if (c->db == NULL)
		return;
	sqlite3_close(c->db);
	bctbx_mutex_destroy(&c->mutex);
	c->db = NULL;
}

void
bzc_suite_take(struct bzc_suite *suite, const bzrtpSrtpSecrets_t *s)
{
	suite->hash = s->hashAlgo;
	suite->cipher = s->cipherAlgo;
	suite->auth = s->authTagAlgo;
	suite->ka = s->keyAgreementAlgo;
	suite->sasalgo = s->sasAlgo;
}

/* role: BZRTP_ROLE_*, or -1 if bzrtp did not tell. */
const char *
bzc_role_name(int role)
{
	if (role == BZRTP_ROLE_INITIATOR)
		return "initiator";
	if (role == BZRTP_ROLE_RESPONDER)
		return "responder";
	return "unknown";
}

/* Returns -1, keeping nothing, if the key or salt does not fit. */
static int
keys_take(struct bzc_keys *k, const uint8_t *key, size_t keylen,
    const uint8_t *salt, size_t saltlen)
{
	if (keylen > sizeof(k->key) || saltlen > sizeof(k->salt))
		return -1;
	memcpy(k->key, key, keylen);
	memcpy(k->salt, salt, saltlen);
	k->keylen = keylen;
	k->saltlen = saltlen;
	k->have = 1;
	return 0;
}

/*
 * Keep the SRTP key and salt bzrtp delivers for part: ours (sender) in tx,
 * the peer's (receiver) in rx. Returns 0, or the part that did not fit.
 */
int
bzc_secrets_take(struct bzc_keys *tx, struct bzc_keys *rx,
    const bzrtpSrtpSecrets_t *s, uint8_t part)
{
	if ((part & ZRTP_SRTP_SECRETS_FOR_SENDER) != 0 &&
	    keys_take(tx, s->selfSrtpKey, s->selfSrtpKeyLength,
	    s->selfSrtpSalt, s->selfSrtpSaltLength) != 0)
		return ZRTP_SRTP_SECRETS_FOR_SENDER;
	if ((part & ZRTP_SRTP_SECRETS_FOR_RECEIVER) != 0 &&
	    keys_take(rx, s->peerSrtpKey, s->peerSrtpKeyLength,
	    s->peerSrtpSalt, s->peerSrtpSaltLength) != 0)
		return ZRTP_SRTP_SECRETS_FOR_RECEIVER;
	return 0;
}

void
bzc_put_hex(FILE *fp, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		fprintf(fp, "%02x", p[i]);
}

/*
 * Algorithm blocks <-> crypto/ enums, and configured preference lists:
 * parsed, checked and completed here. Nothing here decides which
 * algorithm a session uses; that is negotiation's job (engine_hello.c).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "algo.h"
#include "sas.h"
#include "zerr.h"

static const uint32_t zalgo_hash_blocks[ZHASH_COUNT] = {
	[ZHASH_S256] = ZALGO('S', '2', '5', '6'),
	[ZHASH_S384] = ZALGO('S', '3', '8', '4'),
	[ZHASH_N256] = ZALGO('N', '2', '5', '6'),
	[ZHASH_N384] = ZALGO('N', '3', '8', '4'),
};

static const uint32_t zalgo_cipher_blocks[ZCIPHER_COUNT] = {
	[ZCIPHER_AES1] = ZALGO('A', 'E', 'S', '1'),
	[ZCIPHER_AES2] = ZALGO('A', 'E', 'S', '2'),
	[ZCIPHER_AES3] = ZALGO('A', 'E', 'S', '3'),
	[ZCIPHER_2FS1] = ZALGO('2', 'F', 'S', '1'),
	[ZCIPHER_2FS3] = ZALGO('2', 'F', 'S', '3'),
};

static const uint32_t zalgo_kex_blocks[ZKEX_COUNT] = {
	[ZKEX_DH2K] = ZALGO('D', 'H', '2', 'k'),
	[ZKEX_DH3K] = ZALGO('D', 'H', '3', 'k'),
	[ZKEX_EC25] = ZALGO('E', 'C', '2', '5'),
	[ZKEX_EC38] = ZALGO('E', 'C', '3', '8'),
	[ZKEX_EC52] = ZALGO('E', 'C', '5', '2'),
	[ZKEX_X255] = ZALGO('X', '2', '5', '5'),
	[ZKEX_X448] = ZALGO('X', '4', '4', '8'),
};

/*
 * Curve25519's second name: GNU ZRTP says E255 where bzrtp says X255; both
 * are RFC 7748 X25519 on the wire (32-byte little-endian u, 32-byte result).
 */
#define ZALGO_E255	ZALGO('E', '2', '5', '5')
#define ZALGO_X255	ZALGO('X', '2', '5', '5')

/*
 * What a configuration may list, per kind: blocks the engine runs whose
 * keys our SRTP stack (libsrtp2: AES-CM, HMAC-SHA1) can use. Twofish
 * (2FS1, 2FS3) runs in the engine but has no SRTP transform there, so a
 * call that chose it could not carry media: it is not offered. Neither is
 * AES2: libsrtp2 2.5.0 derives AES-192 session keys with AES-256
 * (cisco/libsrtp#763), so its media would fail against a peer that follows
 * RFC 6188. Also the list printed when a name is refused.
 */
#define ZALGO_NAMES_MAX	8
static const char *const zalgo_names[ZALGO_KIND_COUNT][ZALGO_NAMES_MAX] = {
	[ZALGO_HASH] = { "S256", "S384", "N256", "N384" },
	[ZALGO_CIPHER] = { "AES1", "AES3" },
	[ZALGO_AUTH] = { "HS32", "HS80" },
	[ZALGO_KEX] = { "X255", "E255", "X448", "EC25", "EC38", "EC52",
	    "DH2k", "DH3k" },
	[ZALGO_SAS] = { "B32 ", "B256", "B32E" },
};

static const char *const zalgo_kind_names[ZALGO_KIND_COUNT] = {
	"hash", "cipher", "auth", "kex", "sas"
};

/*
 * The defaults (docs/engine.md says why): Curve25519 first under both
 * names, then the curves and groups others run; the coupled S384 and AES3
 * for EC38; HS80 before HS32. DH3k, AES1, S256 and B32 are listed although
 * mandatory so that their place is ours, not the end of the list.
 */
static const uint32_t zalgo_default_lists[ZALGO_KIND_COUNT][ZRTP_ALGO_MAX] = {
	[ZALGO_HASH] = { ZALGO('S', '2', '5', '6'), ZALGO('S', '3', '8', '4') },
	[ZALGO_CIPHER] = { ZALGO('A', 'E', 'S', '1'),
	    ZALGO('A', 'E', 'S', '3') },
	[ZALGO_AUTH] = { ZALGO('H', 'S', '8', '0'), ZALGO('H', 'S', '3', '2') },
	[ZALGO_KEX] = { ZALGO_X255, ZALGO_E255, ZALGO('E', 'C', '2', '5'),
	    ZALGO('D', 'H', '3', 'k'), ZALGO('E', 'C', '3', '8') },
	[ZALGO_SAS] = { ZSAS_B32, ZSAS_B256 },
};

void
zalgo_name(uint32_t block, char out[ZALGO_NAME_LEN])
{
	int i;
	char c;

	for (i = 0; i < 4; i++) {
		c = (char)(block >> (24 - 8 * i));
		out[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	out[4] = '\0';
}

static int
zalgo_find(const uint32_t *table, int n, uint32_t block, int *out)
{
	int i;

	for (i = 0; i < n; i++) {
		if (table[i] == block) {
			*out = i;
			return 0;
		}
	}
	return ZE_UNSUPPORTED;
}

int
zalgo_hash(uint32_t block, enum zhash_alg *out)
{
	int i, r;

	if ((r = zalgo_find(zalgo_hash_blocks, ZHASH_COUNT, block, &i)) == 0)
		*out = (enum zhash_alg)i;
	return r;
}

int
zalgo_cipher(uint32_t block, enum zcipher_alg *out)
{
	int i, r;

	if ((r = zalgo_find(zalgo_cipher_blocks, ZCIPHER_COUNT, block,
	    &i)) == 0)
		*out = (enum zcipher_alg)i;
	return r;
}

int
zalgo_kex(uint32_t block, enum zkex_alg *out)
{
	int i, r;

	if (block == ZALGO_E255)
		block = ZALGO_X255;
	if ((r = zalgo_find(zalgo_kex_blocks, ZKEX_COUNT, block, &i)) == 0)
		*out = (enum zkex_alg)i;
	return r;
}

uint32_t
zalgo_hash_block(enum zhash_alg alg)
{
	return (unsigned)alg < ZHASH_COUNT ? zalgo_hash_blocks[alg] : 0;
}

uint32_t
zalgo_cipher_block(enum zcipher_alg alg)
{
	return (unsigned)alg < ZCIPHER_COUNT ? zalgo_cipher_blocks[alg] : 0;
}

uint32_t
zalgo_kex_block(enum zkex_alg alg)
{
	return (unsigned)alg < ZKEX_COUNT ? zalgo_kex_blocks[alg] : 0;
}

int
zalgo_runs(int kind, uint32_t block)
{
	enum zhash_alg h;
	enum zcipher_alg c;
	enum zkex_alg k;

	switch (kind) {
	case ZALGO_HASH:
		return zalgo_hash(block, &h) == 0;
	case ZALGO_CIPHER:
		return zalgo_cipher(block, &c) == 0;
	case ZALGO_AUTH:
		return block == ZALGO('H', 'S', '3', '2') ||
		    block == ZALGO('H', 'S', '8', '0');
	case ZALGO_KEX:
		return zalgo_kex(block, &k) == 0;
	case ZALGO_SAS:
		return zsas_supported(block);
	default:
		return 0;
	}
}

/* §5.1.5: EC38 (and, by their strength, EC52 and X448). */
int
zalgo_kex_strong(uint32_t block)
{
	return block == ZALGO('E', 'C', '3', '8') ||
	    block == ZALGO('E', 'C', '5', '2') ||
	    block == ZALGO('X', '4', '4', '8');
}

/* §5.1.5: "SHA-384 or the corresponding SHA-3 successor". */
int
zalgo_hash_384(uint32_t block)
{
	return block == ZALGO('S', '3', '8', '4') ||
	    block == ZALGO('N', '3', '8', '4');
}

int
zalgo_cipher_256(uint32_t block)
{
	return block == ZALGO('A', 'E', 'S', '3') ||
	    block == ZALGO('2', 'F', 'S', '3');
}

void
zalgo_defaults(uint8_t count[ZALGO_KIND_COUNT],
    uint32_t algo[ZALGO_KIND_COUNT][ZRTP_ALGO_MAX])
{
	int k, n;

	for (k = 0; k < ZALGO_KIND_COUNT; k++) {
		for (n = 0; n < ZRTP_ALGO_MAX &&
		    zalgo_default_lists[k][n] != 0; n++)
			algo[k][n] = zalgo_default_lists[k][n];
		count[k] = (uint8_t)n;
	}
}

static int
zalgo_listed(const uint32_t *list, int n, uint32_t block)
{
	int i;

	for (i = 0; i < n; i++)
		if (list[i] == block)
			return 1;
	return 0;
}

/* Append block unless listed; ZE_NOSPACE when the list is full. */
static int
zalgo_add(uint32_t *list, uint8_t *n, uint32_t block)
{
	if (zalgo_listed(list, *n, block))
		return 0;
	if (*n >= ZRTP_ALGO_MAX)
		return ZE_NOSPACE;
	list[(*n)++] = block;
	return 0;
}

/* "hash: unknown name 'SK32'; supported: S256 S384 N256 N384" */
static void
zalgo_refuse(int kind, const char *what, const char *name, char *err,
    size_t errlen)
{
	size_t used;
	int i;

	if (err == NULL || errlen == 0)
		return;
	snprintf(err, errlen, "%s: %s '%s'; supported:",
	    zalgo_kind_names[kind], what, name);
	for (i = 0; i < ZALGO_NAMES_MAX && zalgo_names[kind][i] != NULL;
	    i++) {
		used = strlen(err);
		snprintf(err + used, errlen - used, " %.*s",
		    zalgo_names[kind][i][3] == ' ' ? 3 : 4,
		    zalgo_names[kind][i]);
	}
}

/* One name of a list, case-insensitive, to its block; 0 if refused. */
static uint32_t
zalgo_lookup(int kind, const char *name, size_t n)
{
	char pad[4];
	const char *t;
	int i;

	memset(pad, ' ', sizeof(pad));
	memcpy(pad, name, n);
	for (i = 0; i < ZALGO_NAMES_MAX && zalgo_names[kind][i] != NULL;
	    i++) {
		t = zalgo_names[kind][i];
		if (strncasecmp(pad, t, 4) == 0)
			return ZALGO(t[0], t[1], t[2], t[3]);
	}
	return 0;
}

int
zalgo_parse_list(int kind, const char *arg, uint32_t out[ZRTP_ALGO_MAX],
    uint8_t *count, char *err, size_t errlen)
{
	uint32_t list[ZRTP_ALGO_MAX], b, alias;
	char name[8];
	uint8_t n = 0;
	size_t len;

	if (kind < 0 || kind >= ZALGO_KIND_COUNT)
		return ZE_INVAL;
	while (*arg != '\0') {
		len = strcspn(arg, ",");
		snprintf(name, sizeof(name), "%.*s", (int)(len < 7 ? len : 7),
		    arg);
		if (len == 0 || len > 4 || (b = zalgo_lookup(kind, arg,
		    len)) == 0) {
			zalgo_refuse(kind, "unknown name", name, err, errlen);
			return ZE_UNSUPPORTED;
		}
		/* One preference, so Curve25519's two names side by side. */
		alias = b == ZALGO_X255 ? ZALGO_E255 : b == ZALGO_E255 ?
		    ZALGO_X255 : 0;
		if (zalgo_add(list, &n, b) != 0 ||
		    (alias != 0 && zalgo_add(list, &n, alias) != 0)) {
			zalgo_refuse(kind, "more than 7 names at", name, err,
			    errlen);
			return ZE_NOSPACE;
		}
		arg += len;
		if (*arg == ',' && *++arg == '\0') {
			zalgo_refuse(kind, "empty name after", name, err,
			    errlen);
			return ZE_UNSUPPORTED;
		}
	}
	memcpy(out, list, n * sizeof(list[0]));
	*count = n;
	return 0;
}

/* §5.1.2, §5.1.5: a strong key agreement brings its hash and cipher. */
static int
zalgo_couple(uint8_t count[ZALGO_KIND_COUNT],
    uint32_t algo[ZALGO_KIND_COUNT][ZRTP_ALGO_MAX])
{
	int i, strong = 0, has384 = 0, has256 = 0, r;

	for (i = 0; i < count[ZALGO_KEX]; i++)
		strong |= zalgo_kex_strong(algo[ZALGO_KEX][i]);
	for (i = 0; i < count[ZALGO_HASH]; i++)
		has384 |= zalgo_hash_384(algo[ZALGO_HASH][i]);
	for (i = 0; i < count[ZALGO_CIPHER]; i++)
		has256 |= zalgo_cipher_256(algo[ZALGO_CIPHER][i]);
	if (!strong)
		return 0;
	/* The mandatory one first keeps its place ahead of the added one. */
	if (!has384 && ((r = zalgo_add(algo[ZALGO_HASH], &count[ZALGO_HASH],
	    ZALGO('S', '2', '5', '6'))) != 0 || (r = zalgo_add(algo[ZALGO_HASH],
	    &count[ZALGO_HASH], ZALGO('S', '3', '8', '4'))) != 0))
		return r;
	if (!has256 && ((r = zalgo_add(algo[ZALGO_CIPHER],
	    &count[ZALGO_CIPHER], ZALGO('A', 'E', 'S', '1'))) != 0 ||
	    (r = zalgo_add(algo[ZALGO_CIPHER], &count[ZALGO_CIPHER],
	    ZALGO('A', 'E', 'S', '3'))) != 0))
		return r;
	return 0;
}

int
zalgo_complete(uint8_t count[ZALGO_KIND_COUNT],
    uint32_t algo[ZALGO_KIND_COUNT][ZRTP_ALGO_MAX], int preshared,
    char *err, size_t errlen)
{
	uint32_t a[ZALGO_KIND_COUNT][ZRTP_ALGO_MAX];
	uint8_t c[ZALGO_KIND_COUNT];
	char name[ZALGO_NAME_LEN];
	int k, i, room;

	for (k = 0; k < ZALGO_KIND_COUNT; k++) {
		if (count[k] > ZRTP_ALGO_MAX) {
			zalgo_refuse(k, "more than 7 names", "", err, errlen);
			return ZE_NOSPACE;
		}
		for (i = 0; i < count[k]; i++) {
			if (!zalgo_runs(k, algo[k][i])) {
				zalgo_name(algo[k][i], name);
				zalgo_refuse(k, "not run by the engine", name,
				    err, errlen);
				return ZE_UNSUPPORTED;
			}
		}
	}
	/* The Hello appends Mult, and Prsh when offered (zs_hello_kex()). */
	room = ZRTP_ALGO_MAX - 1 - (preshared != 0);
	if (count[ZALGO_KEX] > room) {
		if (err != NULL)
			snprintf(err, errlen, "kex: at most %d names, to leave "
			    "room for Mult%s", room, preshared ? " and Prsh" :
			    "");
		return ZE_NOSPACE;
	}
	memcpy(c, count, sizeof(c));
	memcpy(a, algo, sizeof(a));
	if (zalgo_couple(c, a) != 0) {
		if (err != NULL)
			snprintf(err, errlen, "no room for S384 and AES3, "
			    "which EC38, EC52 and X448 bring (RFC 6189 "
			    "§5.1.5): shorten the hash or cipher list");
		return ZE_NOSPACE;
	}
	memcpy(count, c, sizeof(c));
	memcpy(algo, a, sizeof(a));
	return 0;
}

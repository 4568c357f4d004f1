/*
 * Algorithm blocks <-> crypto/ enums. One table per kind; nothing here
 * decides which algorithm a session uses.
 */
#include "algo.h"
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

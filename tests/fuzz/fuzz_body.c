/*
 * libFuzzer target for the decrypted Confirm and SASrelay bodies (RFC 6189
 * §5.7, §5.13). The first input byte picks the decoder (odd: SASrelay);
 * whatever decodes must re-encode to the rest of the input with the unused
 * and undefined flag bits cleared, or the target aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define BODY_MIN		40
#define BODY_MAX		(BODY_MIN + 4 * ZRTP_SIG_LEN_MAX)
/* | unused (15) | sig len (9) | flags (8) |, bits the decoder keeps. */
#define CONFIRM_WORD_OFF	32
#define CONFIRM_WORD_KEPT	0x0001ff0fu
#define SASRELAY_WORD_OFF	0
#define SASRELAY_WORD_KEPT	0x0001ff07u

static void
check_sig(const struct zview *sig, const uint8_t *p, size_t len)
{
	if (len < BODY_MIN || len > BODY_MAX || sig->len != len - BODY_MIN ||
	    sig->p != p + BODY_MIN || sig->len % 4 != 0)
		abort();
}

static void
fuzz_confirm(const uint8_t *p, size_t len, uint8_t *norm, uint8_t *re)
{
	struct zconfirm_body c;
	struct zwbuf w;

	if (zconfirm_body_decode(p, len, &c) != 0)
		return;
	check_sig(&c.sig, p, len);
	if ((c.flags & ~0x0f) != 0)
		abort();
	zwbuf_init(&w, re, BODY_MAX);
	if (zconfirm_body_encode(&c, &w) != 0 || w.len != len)
		abort();
	memcpy(norm, p, len);
	zbe32_put(norm + CONFIRM_WORD_OFF,
	    zbe32_get(norm + CONFIRM_WORD_OFF) & CONFIRM_WORD_KEPT);
	if (memcmp(re, norm, len) != 0)
		abort();
}

static void
fuzz_sasrelay(const uint8_t *p, size_t len, uint8_t *norm, uint8_t *re)
{
	struct zsasrelay_body s;
	struct zwbuf w;

	if (zsasrelay_body_decode(p, len, &s) != 0)
		return;
	check_sig(&s.sig, p, len);
	if ((s.flags & ~0x07) != 0)
		abort();
	zwbuf_init(&w, re, BODY_MAX);
	if (zsasrelay_body_encode(&s, &w) != 0 || w.len != len)
		abort();
	memcpy(norm, p, len);
	zbe32_put(norm + SASRELAY_WORD_OFF,
	    zbe32_get(norm + SASRELAY_WORD_OFF) & SASRELAY_WORD_KEPT);
	if (memcmp(re, norm, len) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t norm[BODY_MAX], re[BODY_MAX];

	if (size == 0)
		return 0;
	if (data[0] & 1)
		fuzz_sasrelay(data + 1, size - 1, norm, re);
	else
		fuzz_confirm(data + 1, size - 1, norm, re);
	return 0;
}

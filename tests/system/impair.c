/*
 * The wiretap's seeded impairment of one direction (impair.h). A tampered
 * copy has one bit flipped, never in the first byte nor in a ZRTP packet's
 * magic cookie (RFC 7983 and RFC 6189 §5 tell packets apart by them: a
 * flip there makes another kind of packet, not a tampered one). It must
 * not judge packets: only the ends do.
 */
#include <string.h>

#include "impair.h"
#include "packet.h"

/* splitmix64: one stream per direction, fixed by the seed. */
static uint64_t
impair_rand(struct impair *im)
{
	uint64_t z = (im->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int
impair_roll(struct impair *im, int pct)
{
	return pct > 0 && (int)(impair_rand(im) % 100) < pct;
}

void
impair_init(struct impair *im, const struct impair_opts *o, uint64_t seed,
    impair_send_fn send, void *arg)
{
	memset(im, 0, sizeof(*im));
	im->o = *o;
	if (im->o.hold_pkts < 1)
		im->o.hold_pkts = 1;
	im->rng = seed;
	im->send = send;
	im->arg = arg;
}

static void
impair_out(struct impair *im, const uint8_t *p, size_t n)
{
	im->c.sent++;
	im->send(im->arg, p, n);
}

enum { IMPAIR_OTHER, IMPAIR_ZRTP, IMPAIR_SRTP };

static int
impair_class(const uint8_t *p, size_t n)
{
	if (zpkt_is_zrtp(p, n))
		return IMPAIR_ZRTP;
	if (n >= 12 && p[0] >= 128 && p[0] <= 191)
		return IMPAIR_SRTP;
	return IMPAIR_OTHER;
}

/* One bit flipped in [from, to); 1 if done. */
static int
impair_flip(struct impair *im, uint8_t *p, size_t from, size_t to)
{
	uint64_t bit;

	if (to <= from)
		return 0;
	bit = impair_rand(im) % ((to - from) * 8);
	p[from + bit / 8] ^= (uint8_t)(1u << (bit % 8));
	return 1;
}

/* One bit of a ZRTP packet but its first byte and its cookie (4..7). */
static int
impair_flip_zrtp(struct impair *im, uint8_t *p, size_t n)
{
	uint64_t bit;
	size_t i;

	if (n <= ZRTP_PKT_HDR_LEN)
		return 0;
	bit = impair_rand(im) % ((n - 5) * 8);
	i = (size_t)(bit / 8);
	i = i < 3 ? i + 1 : i + 5;
	p[i] ^= (uint8_t)(1u << (bit % 8));
	return 1;
}

/* 1 if this copy leaves tampered. */
static int
impair_tamper(struct impair *im, uint8_t *p, size_t n, int cls)
{
	size_t from = 1, to = n;

	if (cls == IMPAIR_ZRTP) {
		if (im->o.zrtp_type != NULL && (n < ZRTP_PKT_HDR_LEN + 12 ||
		    strncmp((const char *)p + ZRTP_PKT_HDR_LEN + 4,
		    im->o.zrtp_type, strlen(im->o.zrtp_type)) != 0))
			return 0;
		if (!impair_roll(im, im->o.tamper_zrtp))
			return 0;
		/* Resealed: the message only, so the CRC cannot tell. */
		if (im->o.reseal) {
			from = ZRTP_PKT_HDR_LEN;
			to = n > ZRTP_PKT_OVERHEAD ? n - ZRTP_CRC_LEN : from;
		}
		if (im->o.reseal ? !impair_flip(im, p, from, to) :
		    !impair_flip_zrtp(im, p, n))
			return 0;
		if (im->o.reseal)
			zpkt_seal_crc(p, n);
		im->c.tampered_zrtp++;
		return 1;
	}
	if (cls != IMPAIR_SRTP || !impair_roll(im, im->o.tamper_srtp) ||
	    !impair_flip(im, p, from, to))
		return 0;
	im->c.tampered_srtp++;
	return 1;
}

/* A copy goes now, or waits in the queue (reorder): 1 if held. */
static int
impair_copy(struct impair *im, const uint8_t *p, size_t n, uint64_t now)
{
	struct impair_held *h;

	if (!impair_roll(im, im->o.reorder) || im->nq == IMPAIR_HELD_MAX) {
		impair_out(im, p, n);
		return 0;
	}
	h = &im->q[im->nq++];
	memcpy(h->p, p, n);
	h->n = n;
	h->after = 1 + (int)(impair_rand(im) % (uint64_t)im->o.hold_pkts);
	h->deadline = now + (uint64_t)im->o.hold_ms;
	im->c.held++;
	return 1;
}

/* Copies whose count or time is up go out, the others keep their order. */
static void
impair_release(struct impair *im, uint64_t now, int flush)
{
	int i, k = 0;

	for (i = 0; i < im->nq; i++) {
		if (flush || im->q[i].after <= 0 || im->q[i].deadline <= now)
			impair_out(im, im->q[i].p, im->q[i].n);
		else if (k++ != i)
			im->q[k - 1] = im->q[i];
	}
	im->nq = k;
}

int
impair_packet(struct impair *im, const uint8_t *p, size_t n, uint64_t now)
{
	uint8_t c[IMPAIR_PKT_MAX];
	int cls = impair_class(p, n), copies, clean = 0, before = im->nq, i;
	int did = 0;

	if (n > sizeof(c))
		return 0;
	im->c.in++;
	if (impair_roll(im, im->o.drop)) {
		im->c.dropped++;
		did |= IMPAIR_DROPPED;
		copies = 0;
	} else if (impair_roll(im, im->o.dup)) {
		im->c.duplicated++;
		did |= IMPAIR_DUPLICATED;
		copies = 2;
	} else
		copies = 1;
	for (i = 0; i < copies; i++) {
		memcpy(c, p, n);
		if (impair_tamper(im, c, n, cls))
			did |= IMPAIR_TAMPERED;
		else
			clean = 1;
		if (impair_copy(im, c, n, now))
			did |= IMPAIR_HELD;
	}
	if (cls == IMPAIR_SRTP && copies > 0) {
		im->c.srtp_good += (unsigned long)clean;
		im->c.srtp_bad += (unsigned long)(copies - clean);
	}
	/* This datagram passed the copies held before it. */
	for (i = 0; i < before; i++)
		im->q[i].after--;
	impair_release(im, now, 0);
	return did;
}

void
impair_expire(struct impair *im, uint64_t now, int flush)
{
	impair_release(im, now, flush);
}

int
impair_next_ms(const struct impair *im, uint64_t now)
{
	uint64_t first = UINT64_MAX;
	int i;

	for (i = 0; i < im->nq; i++)
		if (im->q[i].deadline < first)
			first = im->q[i].deadline;
	if (im->nq == 0)
		return -1;
	return first <= now ? 0 : (int)(first - now);
}

void
impair_json(const struct impair *im, const char *pre, FILE *f)
{
	fprintf(f, "\"%sin\":%lu,\"%sdropped\":%lu,\"%sduplicated\":%lu,"
	    "\"%sheld\":%lu,\"%stampered_zrtp\":%lu,\"%stampered_srtp\":%lu,"
	    "\"%ssent\":%lu,\"%ssrtp_good\":%lu,\"%ssrtp_bad\":%lu",
	    pre, im->c.in, pre, im->c.dropped, pre, im->c.duplicated, pre,
	    im->c.held, pre, im->c.tampered_zrtp, pre, im->c.tampered_srtp,
	    pre, im->c.sent, pre, im->c.srtp_good, pre, im->c.srtp_bad);
}

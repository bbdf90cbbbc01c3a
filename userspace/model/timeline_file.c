/* timeline.bin (timeline_file.h; docs/report-format.md). */
#include "model/timeline_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "base/util.h"
#include "base/varint.h"

static const char magic[8] = "CTRACETL";

/* An interval is one varint, duration << 5 | gap << 4 | class, then when the gap bit is set a
 * zigzag varint of its start less the previous interval's end (intervals tile a thread's life, so
 * the gap is nearly always 0). A wakeup is the time since the previous one, then one varint of its
 * waker << 4 | class, the waker 0 for none (an interrupt), else 1 + zigzag(waker - wakee): threads
 * of one process wake each other and have nearby tids; then its WK_* flags. */
#define CLASS_BITS 4
#define CLASS_MASK ((1u << CLASS_BITS) - 1)
#define GAP_BIT (1u << CLASS_BITS)
#define MAX_DURATION (UINT64_MAX >> (CLASS_BITS + 1))

_Static_assert(WC_COUNT <= CLASS_MASK + 1, "an interval packs its class in four bits");

/* The body is encoded twice, through a small buffer: once for the length and CRC the header
 * needs, once to write it; the file is never held in memory. */
#define CHUNK_BYTES (64u << 10)

struct body {
	uint8_t *chunk;
	size_t len;       /* bytes in CHUNK */
	uint64_t total;   /* bytes drained */
	uint32_t crc;
	FILE *out;        /* NULL: count and checksum only */
	bool failed;
};

static void drain(struct body *b)
{
	if (b->out && fwrite(b->chunk, 1, b->len, b->out) != b->len)
		b->failed = true;
	else if (!b->out)
		b->crc = crc32_z(b->crc, b->chunk, b->len);
	b->total += b->len;
	b->len = 0;
}

static void put(struct body *b, uint64_t v)
{
	if (CHUNK_BYTES - b->len < VARINT_MAX)
		drain(b);
	b->len = varint_put(b->chunk + b->len, v) - b->chunk;
}

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = v >> (8 * i);
}

static uint64_t get_le(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* One thread id's intervals IV[0..NI) and wakes W[0..NW); false when an interval is too long. */
static bool put_block(struct body *b, uint32_t tid, uint32_t prev_tid, const struct model_interval *iv,
		      size_t ni, const struct model_wake_edge *w, size_t nw)
{
	uint64_t at = 0;

	put(b, tid - prev_tid);
	put(b, ni);
	put(b, nw);
	for (size_t i = 0; i < ni; i++) {
		uint64_t dur = iv[i].end_ns - iv[i].start_ns;

		if (iv[i].end_ns < iv[i].start_ns || dur > MAX_DURATION)
			return false;
		put(b, dur << (CLASS_BITS + 1) | (iv[i].start_ns != at ? GAP_BIT : 0) | iv[i].wait_class);
		if (iv[i].start_ns != at)
			put(b, zigzag((int64_t)(iv[i].start_ns - at)));
		at = iv[i].end_ns;
	}
	at = 0;
	for (size_t i = 0; i < nw; i++) {
		uint64_t waker = w[i].waker_tid ? 1 + zigzag((int64_t)w[i].waker_tid - (int64_t)tid) : 0;

		put(b, w[i].ts_ns - at);
		put(b, waker << CLASS_BITS | w[i].wait_class);
		put(b, w[i].flags);
		at = w[i].ts_ns;
	}
	return true;
}

/* Every block of TL into B; the number of blocks, or -1 after a one-line error. */
static int64_t put_blocks(const struct model_timeline *tl, struct body *b)
{
	size_t i = 0, k = 0;
	int64_t blocks = 0;
	uint32_t prev_tid = 0;

	while (i < tl->n_intervals || k < tl->n_wakes) {
		uint32_t tid = i < tl->n_intervals ? tl->intervals[i].tid : UINT32_MAX;
		size_t ni = 0, nw = 0;

		if (k < tl->n_wakes && tl->wakes[k].wakee_tid < tid)
			tid = tl->wakes[k].wakee_tid;
		while (i + ni < tl->n_intervals && tl->intervals[i + ni].tid == tid)
			ni++;
		while (k + nw < tl->n_wakes && tl->wakes[k + nw].wakee_tid == tid)
			nw++;
		if (!put_block(b, tid, prev_tid, tl->intervals + i, ni, tl->wakes + k, nw)) {
			errmsg("thread %u has an interval that ends before it starts or lasts too long", tid);
			return -1;
		}
		prev_tid = tid;
		i += ni;
		k += nw;
		blocks++;
	}
	drain(b);
	return blocks;
}

int timeline_file_write(const struct model_timeline *tl, FILE *out)
{
	uint8_t header[TIMELINE_FILE_HEADER] = { 0 };
	struct body b = { .chunk = xcalloc(CHUNK_BYTES, 1), .crc = crc32_z(0, NULL, 0) };
	int64_t blocks = put_blocks(tl, &b);
	int rc = blocks < 0 ? -1 : 0;

	memcpy(header, magic, sizeof(magic));
	put_le(header + 8, TIMELINE_FILE_VERSION, 4);
	put_le(header + 12, b.crc, 4);
	put_le(header + 16, b.total, 8);
	put_le(header + 24, blocks, 8);
	put_le(header + 32, tl->n_intervals, 8);
	put_le(header + 40, tl->n_wakes, 8);
	if (!rc) {
		b = (struct body){ .chunk = b.chunk, .out = out };
		if (fwrite(header, 1, sizeof(header), out) != sizeof(header) || put_blocks(tl, &b) < 0 || b.failed) {
			errmsg("cannot write the timeline");
			rc = -1;
		}
	}
	free(b.chunk);
	return rc;
}

/* Reading: the bytes left, the first problem met, and the wait classes the file numbers. */
struct reader {
	const uint8_t *p, *end;
	const char *problem;
	const uint32_t *class_of;
	size_t n_classes;
};

static uint64_t get(struct reader *r)
{
	uint64_t v = 0;

	if (!r->problem && !varint_get(&r->p, r->end, &v))
		r->problem = "truncated";
	return v;
}

static void fail(struct reader *r, const char *problem)
{
	if (!r->problem)
		r->problem = problem;
}

/* Our wait class of the file's class INDEX. */
static uint32_t class_of(struct reader *r, uint64_t index)
{
	if (index < r->n_classes)
		return r->class_of ? r->class_of[index] : index;
	fail(r, "an unknown wait class");
	return 0;
}

static void read_intervals(struct reader *r, struct model_timeline *tl, uint32_t tid, uint64_t n)
{
	uint64_t at = 0, prev_start = 0;

	for (uint64_t i = 0; i < n && !r->problem; i++) {
		uint64_t packed = get(r), start, end;
		int64_t gap = packed & GAP_BIT ? unzigzag(get(r)) : 0;

		if (__builtin_add_overflow(at, (uint64_t)gap, &start) != (gap < 0) || start < prev_start)
			fail(r, "intervals out of order");
		if (__builtin_add_overflow(start, packed >> (CLASS_BITS + 1), &end))
			fail(r, "an interval past the end of time");
		tl->intervals[tl->n_intervals++] = (struct model_interval){
			.tid = tid, .wait_class = class_of(r, packed & CLASS_MASK), .start_ns = start, .end_ns = end };
		at = end;
		prev_start = start;
	}
}

static void read_wakes(struct reader *r, struct model_timeline *tl, uint32_t tid, uint64_t n)
{
	uint64_t at = 0;

	for (uint64_t i = 0; i < n && !r->problem; i++) {
		uint64_t delta = get(r), packed = get(r), flags = get(r), code = packed >> CLASS_BITS;
		int64_t waker = code ? (int64_t)tid + unzigzag(code - 1) : 0;

		if (__builtin_add_overflow(at, delta, &at))
			fail(r, "a wakeup past the end of time");
		if (waker < 0 || waker > UINT32_MAX)
			fail(r, "a waker that is not a thread id");
		if (flags > UINT32_MAX)
			fail(r, "wakeup flags past 32 bits");
		tl->wakes[tl->n_wakes++] = (struct model_wake_edge){ .ts_ns = at, .waker_tid = waker,
			.wakee_tid = tid, .wait_class = class_of(r, packed & CLASS_MASK), .flags = flags };
	}
}

/* Every block of the body into TL, whose arrays hold N_INTERVALS and N_WAKES. */
static void read_body(struct reader *r, struct model_timeline *tl, uint64_t blocks, uint64_t n_intervals,
		      uint64_t n_wakes)
{
	uint64_t tid = 0;

	for (uint64_t k = 0; k < blocks && !r->problem; k++) {
		uint64_t step = get(r), ni = get(r), nw = get(r);

		if ((k && !step) || __builtin_add_overflow(tid, step, &tid) || tid > UINT32_MAX)
			fail(r, "thread ids out of order");
		if (ni > n_intervals - tl->n_intervals || nw > n_wakes - tl->n_wakes)
			fail(r, "more intervals or wakeups than the header counts");
		if (r->problem)
			break;
		read_intervals(r, tl, tid, ni);
		read_wakes(r, tl, tid, nw);
	}
	if (!r->problem && (r->p != r->end || tl->n_intervals != n_intervals || tl->n_wakes != n_wakes))
		fail(r, "the counts in the header do not match the body");
}

int timeline_file_parse(const uint8_t *buf, size_t len, const struct class_map *classes,
			struct model_timeline *tl, char *err, size_t errlen)
{
	struct reader r = { .p = buf + TIMELINE_FILE_HEADER, .end = buf + len,
			    .class_of = classes ? classes->ours : NULL, .n_classes = classes ? classes->n : WC_COUNT };
	uint64_t body_len, blocks, n_intervals, n_wakes;

	memset(tl, 0, sizeof(*tl));
	if (len < TIMELINE_FILE_HEADER || memcmp(buf, magic, sizeof(magic))) {
		snprintf(err, errlen, "not a conctrace timeline file");
		return -1;
	}
	if (get_le(buf + 8, 4) != TIMELINE_FILE_VERSION) {
		snprintf(err, errlen, "timeline file version %u is not supported (this conctrace reads %d)",
			 (unsigned)get_le(buf + 8, 4), TIMELINE_FILE_VERSION);
		return -1;
	}
	body_len = get_le(buf + 16, 8);
	blocks = get_le(buf + 24, 8);
	n_intervals = get_le(buf + 32, 8);
	n_wakes = get_le(buf + 40, 8);
	if (body_len != len - TIMELINE_FILE_HEADER ||
	    get_le(buf + 12, 4) != crc32_z(crc32_z(0, NULL, 0), r.p, body_len)) {
		snprintf(err, errlen, "truncated or damaged (its length or checksum does not match)");
		return -1;
	}
	/* a block takes at least 3 bytes, an interval 1, a wakeup 3 */
	if (blocks > body_len / 3 || n_intervals > body_len || n_wakes > body_len / 3) {
		snprintf(err, errlen, "the counts in the header do not fit its length");
		return -1;
	}
	tl->recorded = true;
	tl->intervals = xcalloc(tl->cap_intervals = n_intervals, sizeof(*tl->intervals));
	tl->wakes = xcalloc(tl->cap_wakes = n_wakes, sizeof(*tl->wakes));
	read_body(&r, tl, blocks, n_intervals, n_wakes);
	if (r.problem) {
		snprintf(err, errlen, "%s", r.problem);
		free(tl->intervals);
		free(tl->wakes);
		memset(tl, 0, sizeof(*tl));
		return -1;
	}
	return 0;
}

int timeline_file_load(const char *path, const struct class_map *classes, struct model_timeline *tl, char *err,
		       size_t errlen)
{
	size_t len;
	char *buf = read_file(path, &len), why[200];
	int rc;

	if (!buf) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		memset(tl, 0, sizeof(*tl));
		return -1;
	}
	rc = timeline_file_parse((const uint8_t *)buf, len, classes, tl, why, sizeof(why));
	if (rc)
		snprintf(err, errlen, "%s: %s", path, why);
	free(buf);
	return rc;
}

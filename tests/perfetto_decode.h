/* A structural decoder of trace.perfetto for the tests, written from Perfetto's protos and from how
 * its trace processor reads them (sequences, incremental state, interning, clocks), not from our
 * writer: every packet is walked field by field, compressed batches are inflated, and each event
 * is resolved to an absolute time, a track and a name the way the trace processor would, failing
 * on anything it would drop or misread (a timestamp before a clock snapshot, an interned name used
 * before the sequence was cleared, an END with no open slice, an unknown track...). */
#ifndef CONCTRACE_TEST_PERFETTO_DECODE_H
#define CONCTRACE_TEST_PERFETTO_DECODE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "base/varint.h"

#define PD_NAME 80
#define PD_SEQS 4096
#define PD_NAMES 256

struct pd_track {
	uint64_t uuid, parent;
	int64_t pid, tid;          /* -1 when not a process or thread track */
	bool counter;
	char name[PD_NAME];
	/* slices open on the track, innermost last */
	size_t open[64], n_open;
};

struct pd_slice {
	uint64_t track, start_ns, end_ns;  /* end 0 while open */
	char name[PD_NAME];
	int64_t tid_arg;                   /* the "tid" annotation, -1 when none */
	unsigned depth;
};

struct pd_flow {                        /* one end of a flow */
	uint64_t id, track, ts_ns;
	bool terminating;
};

struct pd_counter {
	uint64_t track, ts_ns;
	double value;
};

struct pd_sequence {
	bool cleared, has_clock;
	uint64_t clock_ns;                 /* the incremental clock's value */
	uint64_t default_track;
	uint32_t clock_id;                 /* packets' default clock */
	char names[PD_NAMES][PD_NAME];     /* interned event names by iid */
	char annotation_names[8][PD_NAME];
};

struct pd_trace {
	struct pd_track *tracks;
	size_t n_tracks;
	struct pd_slice *slices;
	size_t n_slices;
	struct pd_flow *flows;
	size_t n_flows;
	struct pd_counter *counters;
	size_t n_counters;
	size_t packets, batches;
	struct pd_sequence *seqs;          /* by sequence id */
	char error[256];                   /* the first problem; empty when none */
};

/* A new zeroed last element of ARR, which holds N: capacity doubles at 16, 32, 64... */
#define PD_PUSH(arr, n)                                                                              \
	(((n) == 0 || ((n) >= 16 && !((n) & ((n) - 1))))                                            \
		 ? (void)((arr) = realloc((arr), ((n) ? 2 * (n) : 16) * sizeof(*(arr))))            \
		 : (void)0,                                                                          \
	 memset(&(arr)[(n)], 0, sizeof(*(arr))), &(arr)[(n)++])

static inline void pd_fail(struct pd_trace *t, const char *what)
{
	if (!t->error[0])
		snprintf(t->error, sizeof(t->error), "%s", what);
}

/* One field of a message: its number, wire type and value (a varint or fixed64 in V, bytes in P/LEN). */
struct pd_field {
	uint32_t number, wire;
	uint64_t v;
	const uint8_t *p;
	size_t len;
};

/* Reads the next field of [*P, END); false at the end or on malformed bytes (recorded in T). */
static inline bool pd_next(struct pd_trace *t, const uint8_t **p, const uint8_t *end, struct pd_field *f)
{
	uint64_t key;

	if (*p >= end)
		return false;
	if (!varint_get(p, end, &key)) {
		pd_fail(t, "bad field key");
		return false;
	}
	f->number = key >> 3;
	f->wire = key & 7;
	if (f->wire == 0) {
		if (!varint_get(p, end, &f->v)) {
			pd_fail(t, "bad varint");
			return false;
		}
	} else if (f->wire == 1) {
		if (end - *p < 8) {
			pd_fail(t, "truncated fixed64");
			return false;
		}
		f->v = 0;
		for (int i = 0; i < 8; i++)
			f->v |= (uint64_t)(*p)[i] << (8 * i);
		*p += 8;
	} else if (f->wire == 2) {
		if (!varint_get(p, end, &f->v) || f->v > (uint64_t)(end - *p)) {
			pd_fail(t, "bad length");
			return false;
		}
		f->p = *p;
		f->len = f->v;
		*p += f->len;
	} else {
		pd_fail(t, "unexpected wire type");
		return false;
	}
	return true;
}

static inline void pd_copy(char *dst, const struct pd_field *f)
{
	size_t n = f->len < PD_NAME - 1 ? f->len : PD_NAME - 1;

	memcpy(dst, f->p, n);
	dst[n] = 0;
}

static inline struct pd_track *pd_track(struct pd_trace *t, uint64_t uuid)
{
	for (size_t i = 0; i < t->n_tracks; i++)
		if (t->tracks[i].uuid == uuid)
			return &t->tracks[i];
	return NULL;
}

static inline void pd_descriptor(struct pd_trace *t, const uint8_t *p, const uint8_t *end)
{
	struct pd_track tr = { .pid = -1, .tid = -1 };
	struct pd_field f, g;

	while (pd_next(t, &p, end, &f)) {
		const uint8_t *q = f.p, *qend = f.p + f.len;

		if (f.number == 1)
			tr.uuid = f.v;
		else if (f.number == 2)
			pd_copy(tr.name, &f);
		else if (f.number == 5)
			tr.parent = f.v;
		else if (f.number == 8)
			tr.counter = true;
		else if (f.number == 3 || f.number == 4)
			while (pd_next(t, &q, qend, &g)) {
				if (g.number == 1)
					tr.pid = g.v;
				else if (f.number == 4 && g.number == 2)
					tr.tid = g.v;
				else if ((f.number == 3 && g.number == 6) || (f.number == 4 && g.number == 5))
					pd_copy(tr.name, &g);
			}
	}
	if (!tr.uuid)
		pd_fail(t, "track without uuid");
	else if (pd_track(t, tr.uuid))
		pd_fail(t, "two descriptors of one track");
	else
		*PD_PUSH(t->tracks, t->n_tracks) = tr;
}

static inline void pd_defaults(struct pd_trace *t, struct pd_sequence *s, const uint8_t *p, const uint8_t *end)
{
	struct pd_field f, g;

	while (pd_next(t, &p, end, &f)) {
		const uint8_t *q = f.p;

		if (f.number == 58)
			s->clock_id = f.v;
		else if (f.number == 11)
			while (pd_next(t, &q, f.p + f.len, &g))
				if (g.number == 11)
					s->default_track = g.v;
	}
}

static inline void pd_interned(struct pd_trace *t, struct pd_sequence *s, const uint8_t *p, const uint8_t *end)
{
	struct pd_field f, g;

	while (pd_next(t, &p, end, &f)) {
		const uint8_t *q = f.p;
		uint64_t iid = 0;
		char name[PD_NAME] = "";

		if (f.number != 2 && f.number != 3)
			continue;
		while (pd_next(t, &q, f.p + f.len, &g)) {
			if (g.number == 1)
				iid = g.v;
			else if (g.number == 2)
				pd_copy(name, &g);
		}
		if (!iid || iid >= (f.number == 2 ? PD_NAMES : 8))
			pd_fail(t, "interned iid 0 or too large for the decoder");
		else
			snprintf(f.number == 2 ? s->names[iid] : s->annotation_names[iid], PD_NAME, "%s", name);
	}
}

static inline void pd_snapshot(struct pd_trace *t, struct pd_sequence *s, const uint8_t *p, const uint8_t *end)
{
	struct pd_field f, g;
	bool boottime = false;

	while (pd_next(t, &p, end, &f)) {
		const uint8_t *q = f.p;
		uint64_t id = 0, ts = 0, incremental = 0, unit = 1;

		if (f.number != 1)
			continue;
		while (pd_next(t, &q, f.p + f.len, &g)) {
			if (g.number == 1)
				id = g.v;
			else if (g.number == 2)
				ts = g.v;
			else if (g.number == 3)
				incremental = g.v;
			else if (g.number == 4)
				unit = g.v;
		}
		boottime |= id == 6;
		if (id == 64) {
			if (!incremental || unit != 1)
				pd_fail(t, "clock 64 is not an incremental clock in ns");
			s->clock_ns = ts;
			s->has_clock = true;
		}
	}
	if (!boottime)
		pd_fail(t, "a clock snapshot without BOOTTIME");
}

static inline void pd_place(struct pd_trace *t, struct pd_sequence *s, struct pd_track *tr, uint64_t type,
			    uint64_t iid, uint64_t ts_ns, int64_t tid_arg, bool has_value, double value,
			    const uint64_t *ids, size_t n_ids, const uint64_t *ends, size_t n_ends);

/* A track event at TS_NS on sequence S. */
static inline void pd_event(struct pd_trace *t, struct pd_sequence *s, uint64_t ts_ns, const uint8_t *p,
			    const uint8_t *end)
{
	struct pd_field f, g;
	uint64_t type = 0, iid = 0, track = s->default_track, *ids = NULL, n_ids = 0, *ends = NULL, n_ends = 0;
	int64_t tid_arg = -1;
	double value = 0;
	bool has_value = false;
	struct pd_track *tr;

	while (pd_next(t, &p, end, &f)) {
		const uint8_t *q = f.p;

		if (f.number == 9)
			type = f.v;
		else if (f.number == 10)
			iid = f.v;
		else if (f.number == 11)
			track = f.v;
		else if (f.number == 44 && f.wire == 1) {
			memcpy(&value, &f.v, sizeof(value));
			has_value = true;
		} else if (f.number == 47 && f.wire == 1)
			*PD_PUSH(ids, n_ids) = f.v;
		else if (f.number == 48 && f.wire == 1)
			*PD_PUSH(ends, n_ends) = f.v;
		else if (f.number == 4) {
			uint64_t name = 0, v = 0;

			while (pd_next(t, &q, f.p + f.len, &g)) {
				if (g.number == 1)
					name = g.v;
				else if (g.number == 4)
					v = g.v;
			}
			if (name < 8 && !strcmp(s->annotation_names[name], "tid"))
				tid_arg = (int64_t)v;
			else
				pd_fail(t, "an annotation with an unknown name");
		}
	}
	tr = pd_track(t, track);
	if (!tr)
		pd_fail(t, "an event on a track with no descriptor (yet)");
	else
		pd_place(t, s, tr, type, iid, ts_ns, tid_arg, has_value, value, ids, n_ids, ends, n_ends);
	free(ids);
	free(ends);
}

/* Places a decoded event on its track TR: a counter value, a slice begun or ended, its flows. */
static inline void pd_place(struct pd_trace *t, struct pd_sequence *s, struct pd_track *tr, uint64_t type,
			    uint64_t iid, uint64_t ts_ns, int64_t tid_arg, bool has_value, double value,
			    const uint64_t *ids, size_t n_ids, const uint64_t *ends, size_t n_ends)
{
	uint64_t track = tr->uuid;

	if (type == 4) {
		if (!tr->counter || !has_value)
			pd_fail(t, "a counter value not on a counter track");
		*PD_PUSH(t->counters, t->n_counters) = (struct pd_counter){ track, ts_ns, value };
		return;
	}
	if (tr->counter) {
		pd_fail(t, "a slice on a counter track");
		return;
	}
	if (type == 1 || type == 3) {
		struct pd_slice *sl;

		if (!iid || iid >= PD_NAMES || !s->names[iid][0]) {
			pd_fail(t, "a slice whose name is not interned on its sequence");
			return;
		}
		if (tr->n_open == 64) {
			pd_fail(t, "slices nested too deep");
			return;
		}
		sl = PD_PUSH(t->slices, t->n_slices);
		*sl = (struct pd_slice){ .track = track, .start_ns = ts_ns, .end_ns = type == 3 ? ts_ns : 0,
					 .tid_arg = tid_arg, .depth = tr->n_open };
		snprintf(sl->name, sizeof(sl->name), "%s", s->names[iid]);
		if (type == 1)
			tr->open[tr->n_open++] = t->n_slices - 1;
		for (size_t i = 0; i < n_ids; i++)
			*PD_PUSH(t->flows, t->n_flows) = (struct pd_flow){ ids[i], track, ts_ns, false };
		for (size_t i = 0; i < n_ends; i++)
			*PD_PUSH(t->flows, t->n_flows) = (struct pd_flow){ ends[i], track, ts_ns, true };
	} else if (type == 2) {
		if (!tr->n_open)
			pd_fail(t, "a slice end with no slice open");
		else
			t->slices[tr->open[--tr->n_open]].end_ns = ts_ns;
	} else {
		pd_fail(t, "an event of an unknown type");
	}
}

static inline void pd_trace_bytes(struct pd_trace *t, const uint8_t *p, const uint8_t *end, bool nested);

static inline void pd_inflate(struct pd_trace *t, const struct pd_field *f)
{
	z_stream z = { 0 };
	size_t cap = f->len * 8 + 1024, len = 0;
	uint8_t *out = malloc(cap);
	int rc;

	inflateInit2(&z, 15 + 32);  /* zlib or gzip, as the trace processor inflates */
	z.next_in = (uint8_t *)f->p;
	z.avail_in = f->len;
	do {
		if (cap - len < 65536)
			out = realloc(out, cap *= 2);
		z.next_out = out + len;
		z.avail_out = cap - len;
		rc = inflate(&z, Z_NO_FLUSH);
		len = cap - z.avail_out;
	} while (rc == Z_OK);
	inflateEnd(&z);
	if (rc != Z_STREAM_END)
		pd_fail(t, "a compressed batch that does not inflate");
	else
		pd_trace_bytes(t, out, out + len, true);
	free(out);
	t->batches++;
}

static inline void pd_packet(struct pd_trace *t, const uint8_t *p, const uint8_t *end)
{
	struct pd_field f;
	uint64_t seq_id = 0, ts = 0, flags = 0;
	bool has_ts = false;
	const uint8_t *defaults = NULL, *interned = NULL, *snapshot = NULL, *event = NULL, *descriptor = NULL;
	size_t defaults_len = 0, interned_len = 0, snapshot_len = 0, event_len = 0, descriptor_len = 0;
	struct pd_sequence *s;

	t->packets++;
	while (pd_next(t, &p, end, &f)) {
		switch (f.number) {
		case 50: pd_inflate(t, &f); return;
		case 10: seq_id = f.v; break;
		case 8: ts = f.v; has_ts = true; break;
		case 13: flags = f.v; break;
		case 59: defaults = f.p; defaults_len = f.len; break;
		case 12: interned = f.p; interned_len = f.len; break;
		case 6: snapshot = f.p; snapshot_len = f.len; break;
		case 11: event = f.p; event_len = f.len; break;
		case 60: descriptor = f.p; descriptor_len = f.len; break;
		}
	}
	if (!seq_id || seq_id >= PD_SEQS) {
		pd_fail(t, "a packet without a usable trusted_packet_sequence_id");
		return;
	}
	s = &t->seqs[seq_id];
	/* the trace processor's order: flags, defaults, interned data, then a snapshot ends the packet */
	if (flags & 1) {
		memset(s, 0, sizeof(*s));
		s->cleared = true;
	}
	if ((flags & 2 || interned || defaults) && !s->cleared) {
		pd_fail(t, "incremental state used before the sequence was cleared");
		return;
	}
	if (defaults)
		pd_defaults(t, s, defaults, defaults + defaults_len);
	if (interned)
		pd_interned(t, s, interned, interned + interned_len);
	if (snapshot) {
		pd_snapshot(t, s, snapshot, snapshot + snapshot_len);
		return;
	}
	if (descriptor)
		pd_descriptor(t, descriptor, descriptor + descriptor_len);
	if (event) {
		if (!has_ts || s->clock_id != 64 || !s->has_clock) {
			pd_fail(t, "an event without a timestamp on the sequence's incremental clock");
			return;
		}
		s->clock_ns += ts;
		pd_event(t, s, s->clock_ns, event, event + event_len);
	}
}

static inline void pd_trace_bytes(struct pd_trace *t, const uint8_t *p, const uint8_t *end, bool nested)
{
	struct pd_field f;

	if (!nested && (p == end || *p != 0x0a))
		pd_fail(t, "the file does not start with 0x0a (Trace.packet)");
	while (!t->error[0] && pd_next(t, &p, end, &f)) {
		if (f.number != 1 || f.wire != 2) {
			pd_fail(t, "a Trace field other than packet");
			return;
		}
		pd_packet(t, f.p, f.p + f.len);
	}
}

/* Decodes BUF[0..LEN) into T (zeroed first); false with T->error set on the first problem. */
static inline bool pd_decode(struct pd_trace *t, const uint8_t *buf, size_t len)
{
	memset(t, 0, sizeof(*t));
	t->seqs = calloc(PD_SEQS, sizeof(*t->seqs));
	pd_trace_bytes(t, buf, buf + len, false);
	for (size_t i = 0; i < t->n_tracks && !t->error[0]; i++)
		if (t->tracks[i].n_open)
			pd_fail(t, "a slice left open at the end");
	return !t->error[0];
}

static inline void pd_free(struct pd_trace *t)
{
	free(t->tracks);
	free(t->slices);
	free(t->flows);
	free(t->counters);
	free(t->seqs);
}

/* The track of thread TID, or NULL. */
static inline const struct pd_track *pd_thread_track(const struct pd_trace *t, int64_t tid)
{
	for (size_t i = 0; i < t->n_tracks; i++)
		if (t->tracks[i].tid == tid)
			return &t->tracks[i];
	return NULL;
}

#endif

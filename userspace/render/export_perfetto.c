/* trace.perfetto (export_perfetto.h). Field numbers are those of Perfetto's protos
 * (protos/perfetto/trace/trace_packet.proto, track_event/track_event.proto, track_descriptor.proto,
 * clock_snapshot.proto, interned_data/interned_data.proto). */
#include "render/export_perfetto.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "analyze/critpath.h"
#include "base/progress.h"
#include "base/util.h"
#include "base/varint.h"
#include "model/classify.h"
#include "model/timeline.h"
#include "render/trace_counts.h"

enum wire { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2 };

/* Trace */
#define TRACE_PACKET 1
/* TracePacket */
#define PKT_CLOCK_SNAPSHOT 6
#define PKT_TIMESTAMP 8
#define PKT_SEQUENCE_ID 10
#define PKT_TRACK_EVENT 11
#define PKT_INTERNED_DATA 12
#define PKT_SEQUENCE_FLAGS 13
#define PKT_COMPRESSED 50
#define PKT_DEFAULTS 59
#define PKT_TRACK_DESCRIPTOR 60
#define PKT_FIRST_ON_SEQUENCE 87
#define SEQ_INCREMENTAL_STATE_CLEARED 1
#define SEQ_NEEDS_INCREMENTAL_STATE 2
/* TracePacketDefaults */
#define DEFAULTS_CLOCK_ID 58
#define DEFAULTS_TRACK_EVENT 11
/* TrackEvent (and TrackEventDefaults, which shares its numbers) */
#define EVENT_ANNOTATION 4
#define EVENT_TYPE 9
#define EVENT_NAME_IID 10
#define EVENT_TRACK_UUID 11
#define EVENT_DOUBLE_VALUE 44
#define EVENT_FLOW_IDS 47
#define EVENT_TERMINATING_FLOW_IDS 48
enum track_event_type { SLICE_BEGIN = 1, SLICE_END = 2, COUNTER = 4 };
/* InternedData; EventName and DebugAnnotationName */
#define INTERNED_EVENT_NAMES 2
#define INTERNED_ANNOTATION_NAMES 3
#define NAME_IID 1
#define NAME_TEXT 2
/* DebugAnnotation */
#define ANNOTATION_NAME_IID 1
#define ANNOTATION_INT 4
/* ClockSnapshot and its Clock */
#define SNAPSHOT_CLOCK 1
#define CLOCK_ID 1
#define CLOCK_TIMESTAMP 2
#define CLOCK_INCREMENTAL 3
#define CLOCK_UNIT_NS 4
#define CLOCK_MONOTONIC 3
#define CLOCK_BOOTTIME 6
#define CLOCK_INCREMENTAL_NS 64  /* sequence-scoped clocks are 64..127 */
/* TrackDescriptor, ProcessDescriptor, ThreadDescriptor */
#define TRACK_UUID 1
#define TRACK_NAME 2
#define TRACK_PROCESS 3
#define TRACK_THREAD 4
#define TRACK_PARENT 5
#define TRACK_COUNTER 8
#define PROCESS_PID 1
#define PROCESS_NAME 6
#define THREAD_PID 1
#define THREAD_TID 2
#define THREAD_NAME 5

/* Sequences: the counters, the critical path, then one per thread. Track uuids: a kind in the
 * high 32 bits, an index in the low. */
#define SEQ_COUNTERS 1
#define SEQ_PATH 2
#define SEQ_THREAD0 3
#define UUID_THREAD (1ULL << 32)
#define UUID_PROCESS (2ULL << 32)
#define UUID_COUNTER (3ULL << 32)
#define UUID_PATH (4ULL << 32)
/* Interned names on thread sequences: class C is C + 1. On the path's: node N in class C is
 * N * WC_COUNT + C + 1; the annotation name "tid" is 1. */
#define IID_TID 1

/* Packets wait in a batch, each framed as a Trace field, until it is compressed as one: batches
 * this large compress to a few bytes an interval, and stay under the 512 KB Perfetto advises. */
#define BATCH_BYTES (256u << 10)
#define ZLIB_LEVEL 1  /* level 6 saves 10 % more and takes 3 times as long */

struct buf {
	uint8_t *bytes;
	size_t len, cap;
};

struct writer {
	FILE *out;
	const struct run_model *m;
	struct buf batch;
	uint8_t *zbuf;
	size_t zcap;
	uint64_t base_ns;   /* every sequence's clock starts here */
	uint64_t last_ns;   /* time of the current sequence's last event */
	uint32_t seq;
	bool failed;
	uint64_t done;      /* intervals written, for the progress line */
};

static uint8_t *room(struct buf *b, size_t n)
{
	if (b->cap - b->len < n) {
		b->cap = b->len + n > b->cap * 2 ? b->len + n : b->cap * 2;
		b->bytes = realloc(b->bytes, b->cap);
		if (!b->bytes) {
			errmsg("out of memory");
			exit(1);
		}
	}
	return b->bytes + b->len;
}

static void put_varint(struct buf *b, uint64_t v)
{
	b->len = varint_put(room(b, VARINT_MAX), v) - b->bytes;
}

static void field_varint(struct buf *b, unsigned field, uint64_t v)
{
	put_varint(b, field << 3 | WIRE_VARINT);
	put_varint(b, v);
}

/* The bytes of a fixed64 field at P; returns their end. */
static uint8_t *put_fixed64(uint8_t *p, unsigned field, uint64_t v)
{
	p = varint_put(p, field << 3 | WIRE_FIXED64);
	for (int i = 0; i < 8; i++)
		*p++ = v >> (8 * i);
	return p;
}

static void field_fixed64(struct buf *b, unsigned field, uint64_t v)
{
	b->len = put_fixed64(room(b, VARINT_MAX + 8), field, v) - b->bytes;
}

static void field_double(struct buf *b, unsigned field, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	field_fixed64(b, field, bits);
}

static void field_string(struct buf *b, unsigned field, const char *s)
{
	size_t n = strlen(s);

	put_varint(b, field << 3 | WIRE_LEN);
	put_varint(b, n);
	memcpy(room(b, n), s, n);
	b->len += n;
}

/* A nested message: its tag and a one-byte length, widened by msg_end when the message is longer. */
static size_t msg_begin(struct buf *b, unsigned field)
{
	put_varint(b, field << 3 | WIRE_LEN);
	room(b, 1);
	return ++b->len;
}

static void msg_end(struct buf *b, size_t start)
{
	size_t len = b->len - start, extra = varint_len(len) - 1;

	if (extra) {
		room(b, extra);
		memmove(b->bytes + start + extra, b->bytes + start, len);
		b->len += extra;
	}
	varint_put(b->bytes + start - 1, len);
}

/* Writes the batch as one compressed packet. */
static void flush(struct writer *w)
{
	uLongf zlen = compressBound(w->batch.len);
	uint8_t head[2 * VARINT_MAX + 2], *p;
	size_t inner;

	if (w->failed)
		w->batch.len = 0;
	if (!w->batch.len)
		return;
	if (zlen > w->zcap) {
		free(w->zbuf);
		w->zbuf = xcalloc(w->zcap = zlen, 1);
	}
	if (compress2(w->zbuf, &zlen, w->batch.bytes, w->batch.len, ZLIB_LEVEL) != Z_OK) {
		errmsg("cannot compress the trace");
		w->failed = true;
		return;
	}
	/* Trace.packet { compressed_packets: the batch } */
	inner = varint_len(PKT_COMPRESSED << 3 | WIRE_LEN) + varint_len(zlen) + zlen;
	p = varint_put(head, TRACE_PACKET << 3 | WIRE_LEN);
	p = varint_put(p, inner);
	p = varint_put(p, PKT_COMPRESSED << 3 | WIRE_LEN);
	p = varint_put(p, zlen);
	if (fwrite(head, 1, p - head, w->out) != (size_t)(p - head) || fwrite(w->zbuf, 1, zlen, w->out) != zlen) {
		errmsg("cannot write the trace");
		w->failed = true;
	}
	w->batch.len = 0;
	progress_update("writing trace.perfetto", w->done, w->m->timeline.n_intervals);
}

static size_t packet_begin(struct writer *w)
{
	size_t at = msg_begin(&w->batch, TRACE_PACKET);

	field_varint(&w->batch, PKT_SEQUENCE_ID, w->seq);
	return at;
}

static void packet_end(struct writer *w, size_t at)
{
	msg_end(&w->batch, at);
	if (w->batch.len >= BATCH_BYTES)
		flush(w);
}

/* A packet of an event at TS_NS on the current sequence; returns where its track_event begins. */
static size_t event_begin(struct writer *w, uint64_t ts_ns, size_t *packet, enum track_event_type type)
{
	size_t at;

	*packet = packet_begin(w);
	if (ts_ns < w->last_ns)  /* overlapping intervals of a damaged timeline: times never go back */
		ts_ns = w->last_ns;
	field_varint(&w->batch, PKT_TIMESTAMP, ts_ns - w->last_ns);
	w->last_ns = ts_ns;
	at = msg_begin(&w->batch, PKT_TRACK_EVENT);
	field_varint(&w->batch, EVENT_TYPE, type);
	return at;
}

static void event_end(struct writer *w, size_t event, size_t packet)
{
	msg_end(&w->batch, event);
	packet_end(w, packet);
}

static void name_entry(struct buf *b, unsigned field, uint64_t iid, const char *name)
{
	size_t at = msg_begin(b, field);

	field_varint(b, NAME_IID, iid);
	field_string(b, NAME_TEXT, name);
	msg_end(b, at);
}

static void snapshot_clock(struct buf *b, unsigned id, uint64_t ts, bool incremental)
{
	size_t at = msg_begin(b, SNAPSHOT_CLOCK);

	field_varint(b, CLOCK_ID, id);
	field_varint(b, CLOCK_TIMESTAMP, ts);
	if (incremental) {
		field_varint(b, CLOCK_INCREMENTAL, 1);
		field_varint(b, CLOCK_UNIT_NS, 1);
	}
	msg_end(b, at);
}

/* Writes the interned names of a sequence's events (its first packet carries them). */
typedef void (*intern_fn)(struct buf *b);

static void thread_names(struct buf *b)
{
	for (int c = 0; c < WC_COUNT; c++)
		name_entry(b, INTERNED_EVENT_NAMES, c + 1, wait_classes[c].name);
}

static void path_names(struct buf *b)
{
	char name[64];

	for (int n = 0; n < GN_COUNT; n++)
		for (int c = 0; c < WC_COUNT; c++) {
			snprintf(name, sizeof(name), "%s: %s", graph_node_names[n], wait_classes[c].name);
			name_entry(b, INTERNED_EVENT_NAMES, n * WC_COUNT + c + 1, name);
		}
	name_entry(b, INTERNED_ANNOTATION_NAMES, IID_TID, "tid");
}

/* Starts sequence SEQ: cleared incremental state, its events' default track (0: none), its names,
 * and the clock its events count from. BOOTTIME, the trace clock, is given MONOTONIC's value (the
 * clock of the timeline), so every reader can convert without knowing the offset at the recording. */
static void sequence_begin(struct writer *w, uint32_t seq, uint64_t track_uuid, intern_fn intern)
{
	size_t pkt, defaults, at;

	w->seq = seq;
	w->last_ns = w->base_ns;
	pkt = packet_begin(w);
	field_varint(&w->batch, PKT_FIRST_ON_SEQUENCE, 1);
	field_varint(&w->batch, PKT_SEQUENCE_FLAGS, SEQ_INCREMENTAL_STATE_CLEARED | SEQ_NEEDS_INCREMENTAL_STATE);
	defaults = msg_begin(&w->batch, PKT_DEFAULTS);
	field_varint(&w->batch, DEFAULTS_CLOCK_ID, CLOCK_INCREMENTAL_NS);
	if (track_uuid) {
		at = msg_begin(&w->batch, DEFAULTS_TRACK_EVENT);
		field_varint(&w->batch, EVENT_TRACK_UUID, track_uuid);
		msg_end(&w->batch, at);
	}
	msg_end(&w->batch, defaults);
	if (intern) {
		at = msg_begin(&w->batch, PKT_INTERNED_DATA);
		intern(&w->batch);
		msg_end(&w->batch, at);
	}
	at = msg_begin(&w->batch, PKT_CLOCK_SNAPSHOT);
	snapshot_clock(&w->batch, CLOCK_BOOTTIME, w->base_ns, false);
	snapshot_clock(&w->batch, CLOCK_MONOTONIC, w->base_ns, false);
	snapshot_clock(&w->batch, CLOCK_INCREMENTAL_NS, w->base_ns, true);
	msg_end(&w->batch, at);
	packet_end(w, pkt);
}

/* A track descriptor packet: its uuid, and its parent when PARENT is not 0; returns where the
 * descriptor's own fields go, for track_end. */
static size_t track_begin(struct writer *w, uint64_t uuid, uint64_t parent, size_t *pkt)
{
	size_t at;

	*pkt = packet_begin(w);
	at = msg_begin(&w->batch, PKT_TRACK_DESCRIPTOR);
	field_varint(&w->batch, TRACK_UUID, uuid);
	if (parent)
		field_varint(&w->batch, TRACK_PARENT, parent);
	return at;
}

static void track_end(struct writer *w, size_t at, size_t pkt)
{
	msg_end(&w->batch, at);
	packet_end(w, pkt);
}

static void named_track(struct writer *w, uint64_t uuid, uint64_t parent, const char *name, bool counter)
{
	size_t pkt, at = track_begin(w, uuid, parent, &pkt);

	field_string(&w->batch, TRACK_NAME, name);
	if (counter)
		msg_end(&w->batch, msg_begin(&w->batch, TRACK_COUNTER));
	track_end(w, at, pkt);
}

static uint64_t process_uuid(const struct run_model *m, uint32_t pid)
{
	const struct model_process *p = model_find_process(m, pid);

	return p ? UUID_PROCESS + (p - m->procs) : 0;
}

/* The processes' tracks, and the counters of CPUs busy and runnable threads under the root's. */
static void counters(struct writer *w)
{
	uint64_t root = process_uuid(w->m, w->m->meta.root_pid);
	struct trace_counts c;
	double last[2] = { -1, -1 };

	sequence_begin(w, SEQ_COUNTERS, 0, NULL);
	for (size_t i = 0; i < w->m->n_procs; i++) {
		const struct model_process *p = &w->m->procs[i];
		size_t pkt, at = track_begin(w, UUID_PROCESS + i, 0, &pkt), proc;

		proc = msg_begin(&w->batch, TRACK_PROCESS);
		field_varint(&w->batch, PROCESS_PID, p->pid);
		field_string(&w->batch, PROCESS_NAME, p->comm);
		msg_end(&w->batch, proc);
		track_end(w, at, pkt);
	}
	trace_counts_build(w->m, w->base_ns, w->m->meta.end_ns, &c);
	named_track(w, UUID_COUNTER, root, c.bucket_ns == 1000000 ? "CPUs busy (mean per ms)" : "CPUs busy (mean)",
		    true);
	named_track(w, UUID_COUNTER + 1, root, c.bucket_ns == 1000000 ? "runnable threads (mean per ms)" :
		    "runnable threads (mean)", true);
	for (size_t i = 0; i <= c.n; i++) {
		double v[2] = { i < c.n ? c.cpus[i] : 0, i < c.n ? c.runnable[i] : 0 };

		for (int k = 0; k < 2; k++) {
			size_t pkt, ev;

			if (v[k] == last[k])
				continue;  /* a counter holds its value until the next */
			ev = event_begin(w, c.start_ns + i * c.bucket_ns, &pkt, COUNTER);
			field_varint(&w->batch, EVENT_TRACK_UUID, UUID_COUNTER + k);
			field_double(&w->batch, EVENT_DOUBLE_VALUE, v[k]);
			event_end(w, ev, pkt);
			last[k] = v[k];
		}
	}
	trace_counts_free(&c);
}

/* Flow ids a slice begins or ends, gathered before its packet is written. */
struct flow_ids {
	uint64_t *ids;
	size_t n, cap;
};

static void add_flow(struct flow_ids *f, uint64_t id)
{
	*VEC_PUSH(f->ids, f->n, f->cap) = id;
}

/* Slices with at most this many flows are written byte by byte, every length in one byte. */
#define FAST_FLOWS 8

/* A slice's begin (name IID, flows FLOWS begun and ENDS ended) or end (IID 0) at TS_NS on the
 * current sequence: two of these an interval, the hot path of the trace. */
static void slice_event(struct writer *w, uint64_t ts_ns, enum track_event_type type, uint64_t iid,
			const struct flow_ids *flows, const struct flow_ids *ends)
{
	size_t n_flows = (flows ? flows->n : 0) + (ends ? ends->n : 0), pkt, ev;
	uint8_t *start, *p, *te;

	if (ts_ns < w->last_ns)  /* overlapping intervals of a damaged timeline: times never go back */
		ts_ns = w->last_ns;
	if (n_flows > FAST_FLOWS) {
		ev = event_begin(w, ts_ns, &pkt, type);
		field_varint(&w->batch, EVENT_NAME_IID, iid);
		for (size_t i = 0; i < flows->n; i++)
			field_fixed64(&w->batch, EVENT_FLOW_IDS, flows->ids[i]);
		for (size_t i = 0; i < ends->n; i++)
			field_fixed64(&w->batch, EVENT_TERMINATING_FLOW_IDS, ends->ids[i]);
		event_end(w, ev, pkt);
		return;
	}
	/* 2 + 11 (timestamp) + 6 (sequence) + 2 + 2 (type) + 11 (name) + 8 flows of 10: under 128 */
	start = p = room(&w->batch, 128);
	p += 2;
	p = varint_put(varint_put(p, PKT_TIMESTAMP << 3 | WIRE_VARINT), ts_ns - w->last_ns);
	p = varint_put(varint_put(p, PKT_SEQUENCE_ID << 3 | WIRE_VARINT), w->seq);
	*p++ = PKT_TRACK_EVENT << 3 | WIRE_LEN;
	te = p++;
	*p++ = EVENT_TYPE << 3 | WIRE_VARINT;
	*p++ = type;
	if (iid)
		p = varint_put(varint_put(p, EVENT_NAME_IID << 3 | WIRE_VARINT), iid);
	for (size_t i = 0; flows && i < flows->n; i++)
		p = put_fixed64(p, EVENT_FLOW_IDS, flows->ids[i]);
	for (size_t i = 0; ends && i < ends->n; i++)
		p = put_fixed64(p, EVENT_TERMINATING_FLOW_IDS, ends->ids[i]);
	*te = p - te - 1;
	start[0] = TRACE_PACKET << 3 | WIRE_LEN;
	start[1] = p - start - 2;
	w->batch.len += p - start;
	w->last_ns = ts_ns;
	if (w->batch.len >= BATCH_BYTES)
		flush(w);
}

/* The critical path, a slice per segment on a track of the root process. */
static void critical_path(struct writer *w)
{
	struct critical_path p;

	if (!critical_path_build(w->m, &p))
		return;
	sequence_begin(w, SEQ_PATH, UUID_PATH, path_names);
	named_track(w, UUID_PATH, process_uuid(w->m, w->m->meta.root_pid), "critical path", false);
	for (size_t i = 0; i < p.n_segments; i++) {
		const struct path_segment *s = &p.segments[i];
		size_t pkt, ev = event_begin(w, s->start_ns, &pkt, SLICE_BEGIN), ann;

		field_varint(&w->batch, EVENT_NAME_IID, s->node * WC_COUNT + s->wait_class + 1);
		if (s->tid) {
			ann = msg_begin(&w->batch, EVENT_ANNOTATION);
			field_varint(&w->batch, ANNOTATION_NAME_IID, IID_TID);
			field_varint(&w->batch, ANNOTATION_INT, s->tid);
			msg_end(&w->batch, ann);
		}
		event_end(w, ev, pkt);
		slice_event(w, s->end_ns, SLICE_END, 0, NULL, NULL);
	}
	critical_path_free(&p);
}

/* A wakeup by a traced thread, on the waker's side: the flow it starts. */
struct flow_start {
	uint64_t ts_ns;
	uint32_t waker;  /* thread index */
	uint32_t wake;   /* index in the timeline's wakes; the flow's id is one more */
};

static int cmp_flow_start(const void *a, const void *b)
{
	const struct flow_start *x = a, *y = b;

	if (x->waker != y->waker)
		return x->waker < y->waker ? -1 : 1;
	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	return x->wake < y->wake ? -1 : x->wake > y->wake;
}

/* The flows the wakeups start, by waker and time; FLOWS[i] says whether wakeup i starts one. */
static struct flow_start *flow_starts(const struct run_model *m, bool *flows, size_t *n)
{
	struct flow_start *starts = xcalloc(m->timeline.n_wakes + 1, sizeof(*starts));
	struct thread_index by_tid;

	*n = 0;
	thread_index_build(&by_tid, m);
	for (size_t i = 0; i < m->timeline.n_wakes; i++) {
		const struct model_wake_edge *e = &m->timeline.wakes[i];
		ssize_t waker = e->waker_tid ? thread_index_at(&by_tid, e->waker_tid, e->ts_ns) : -1;

		flows[i] = waker >= 0;
		if (flows[i])
			starts[(*n)++] = (struct flow_start){ e->ts_ns, waker, i };
	}
	qsort(starts, *n, sizeof(*starts), cmp_flow_start);
	thread_index_free(&by_tid);
	return starts;
}

/* Thread I's track and its slices; the flows it starts are S[0..N), in time order. A flow starts
 * at the waker's slice in which it woke the wakee (a thread that died waking its parent is in its
 * last slice still) and ends at the wakee's next on-CPU slice, where it got a CPU: both on slice
 * beginnings, which every Perfetto version binds flows to, and in time order whatever the wakeup's
 * latency. */
static void thread_events(struct writer *w, size_t i, const struct flow_start *s, size_t n, const bool *flows)
{
	const struct model_timeline *tl = &w->m->timeline;
	const struct thread_acct *a = &w->m->threads[i].acct;
	size_t k = timeline_wakes_from(tl, a->tid, a->start_ns), pkt, at, thread;
	size_t j = timeline_intervals_from(tl, a->tid, a->start_ns), end = j;
	struct flow_ids begun = { 0 }, ended = { 0 };

	sequence_begin(w, SEQ_THREAD0 + i, UUID_THREAD + i, thread_names);
	at = track_begin(w, UUID_THREAD + i, 0, &pkt);
	thread = msg_begin(&w->batch, TRACK_THREAD);
	field_varint(&w->batch, THREAD_PID, a->tgid);
	field_varint(&w->batch, THREAD_TID, a->tid);
	field_string(&w->batch, THREAD_NAME, a->comm);
	msg_end(&w->batch, thread);
	track_end(w, at, pkt);
	while (end < tl->n_intervals && tl->intervals[end].tid == a->tid && tl->intervals[end].start_ns <= a->end_ns)
		end++;
	for (; j < end; j++) {
		const struct model_interval *iv = &tl->intervals[j];

		begun.n = ended.n = 0;
		for (; n && (s->ts_ns < iv->end_ns || j + 1 == end); s++, n--)
			add_flow(&begun, (uint64_t)s->wake + 1);
		for (; iv->wait_class == WC_ONCPU && k < tl->n_wakes && tl->wakes[k].wakee_tid == a->tid &&
		       tl->wakes[k].ts_ns <= iv->start_ns; k++)
			if (flows[k])
				add_flow(&ended, k + 1);
		slice_event(w, iv->start_ns, SLICE_BEGIN, iv->wait_class + 1, &begun, &ended);
		slice_event(w, iv->end_ns, SLICE_END, 0, NULL, NULL);
		w->done++;
	}
	free(begun.ids);
	free(ended.ids);
}

int perfetto_write(const struct run_model *m, FILE *out)
{
	struct writer w = { .out = out, .m = m, .base_ns = m->meta.start_ns };
	bool *flows;
	struct flow_start *starts;
	size_t n_starts, s = 0;

	if (!m->timeline.recorded) {
		errmsg("no timeline in this report: record with --timeline for a trace");
		return -1;
	}
	for (size_t i = 0; i < m->n_threads; i++)
		if (m->threads[i].acct.start_ns < w.base_ns)
			w.base_ns = m->threads[i].acct.start_ns;
	for (size_t i = 0; i < m->n_procs; i++)
		if (m->procs[i].start_ns < w.base_ns)
			w.base_ns = m->procs[i].start_ns;
	flows = xcalloc(m->timeline.n_wakes + 1, sizeof(*flows));
	starts = flow_starts(m, flows, &n_starts);
	counters(&w);
	critical_path(&w);
	for (size_t i = 0; i < m->n_threads; i++) {
		size_t from = s;

		while (s < n_starts && starts[s].waker == i)
			s++;
		thread_events(&w, i, starts + from, s - from, flows);
	}
	flush(&w);
	free(starts);
	free(flows);
	free(w.batch.bytes);
	free(w.zbuf);
	return w.failed ? -1 : 0;
}

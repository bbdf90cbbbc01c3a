/* timeline.bin (model/timeline_file.h): the round trip, its size, and one clear reason for every
 * kind of damage; report.json names it and report_load reads it, or goes on without it. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "base/util.h"
#include "model/report_json.h"
#include "model/timeline_file.h"
#include "render/report_file.h"

#define T0 5000000000000ULL

static void add_interval(struct model_timeline *tl, uint32_t tid, uint32_t class, uint64_t from, uint64_t to)
{
	*VEC_PUSH(tl->intervals, tl->n_intervals, tl->cap_intervals) =
		(struct model_interval){ .tid = tid, .wait_class = class, .start_ns = from, .end_ns = to };
}

static void add_wake(struct model_timeline *tl, uint64_t ts, uint32_t waker, uint32_t wakee, uint32_t class)
{
	*VEC_PUSH(tl->wakes, tl->n_wakes, tl->cap_wakes) = (struct model_wake_edge){
		.ts_ns = ts, .waker_tid = waker, .wakee_tid = wakee, .wait_class = class,
		.flags = waker ? 0 : WK_IRQ | IRQK_BLOCK << WK_IRQ_KIND_SHIFT };
}

/* Three threads: tiling intervals, a gap, a thread with wakes only, a waker outside (0) and a
 * waker with a lower tid than the wakee. */
static void small_timeline(struct model_timeline *tl)
{
	memset(tl, 0, sizeof(*tl));
	tl->recorded = true;
	add_interval(tl, 7, WC_ONCPU, T0, T0 + 1000);
	add_interval(tl, 7, WC_LOCK, T0 + 1000, T0 + 250000);
	add_interval(tl, 7, WC_RUNQUEUE, T0 + 250000, T0 + 250003);
	add_interval(tl, 7, WC_OTHER_D, T0 + 260000, T0 + 9000000000ULL);  /* after a gap */
	add_interval(tl, 9, WC_ONCPU, T0 - 5, T0 + 1);
	add_wake(tl, T0 + 250000, 9, 7, WC_LOCK);
	add_wake(tl, T0 + 300000, 0, 7, WC_DISK);
	add_wake(tl, T0 + 1, 3, 8, WC_PIPE);
}

/* TL written to a buffer (malloc'd). */
static uint8_t *write_buf(const struct model_timeline *tl, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	cr_assert_eq(timeline_file_write(tl, f), 0);
	fclose(f);
	return (uint8_t *)buf;
}

static void free_timeline(struct model_timeline *tl)
{
	free(tl->intervals);
	free(tl->wakes);
}

Test(timeline_file, round_trip_keeps_every_interval_and_wakeup)
{
	struct model_timeline tl, back;
	char err[200];
	size_t len;
	uint8_t *buf;

	small_timeline(&tl);
	buf = write_buf(&tl, &len);
	cr_assert_eq(timeline_file_parse(buf, len, NULL, &back, err, sizeof(err)), 0, "%s", err);
	cr_assert(back.recorded);
	cr_assert_eq(back.n_intervals, tl.n_intervals);
	cr_assert_eq(back.n_wakes, tl.n_wakes);
	cr_assert_eq(memcmp(back.intervals, tl.intervals, tl.n_intervals * sizeof(*tl.intervals)), 0);
	for (size_t i = 0; i < tl.n_wakes; i++) {
		cr_assert_eq(back.wakes[i].ts_ns, tl.wakes[i].ts_ns);
		cr_assert_eq(back.wakes[i].waker_tid, tl.wakes[i].waker_tid);
		cr_assert_eq(back.wakes[i].wakee_tid, tl.wakes[i].wakee_tid);
		cr_assert_eq(back.wakes[i].wait_class, tl.wakes[i].wait_class);
		cr_assert_eq(back.wakes[i].flags, tl.wakes[i].flags);
	}
	free(buf);
	free_timeline(&tl);
	free_timeline(&back);
}

/* A file numbers classes as its report's wait_classes list does: read through a map, an older
 * report's numbering becomes ours, and an index past the list is refused. */
Test(timeline_file, classes_are_read_through_the_report_numbering)
{
	struct model_timeline tl, back;
	uint32_t swapped[WC_COUNT];
	struct class_map map = { swapped, WC_COUNT }, short_map = { swapped, WC_DISK };
	char err[200];
	size_t len;
	uint8_t *buf;

	for (uint32_t c = 0; c < WC_COUNT; c++)
		swapped[c] = c == WC_ONCPU ? WC_LOCK : c == WC_LOCK ? WC_ONCPU : c;
	small_timeline(&tl);
	buf = write_buf(&tl, &len);
	cr_assert_eq(timeline_file_parse(buf, len, &map, &back, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(back.intervals[0].wait_class, WC_LOCK);
	cr_assert_eq(back.intervals[1].wait_class, WC_ONCPU);
	cr_assert_eq(back.wakes[0].wait_class, WC_ONCPU);
	free_timeline(&back);
	cr_assert_eq(timeline_file_parse(buf, len, &short_map, &back, err, sizeof(err)), -1);
	cr_assert(strstr(err, "unknown wait class"), "%s", err);
	free(buf);
	free_timeline(&tl);
	free_timeline(&back);
}

Test(timeline_file, an_empty_timeline_is_a_header)
{
	struct model_timeline tl = { .recorded = true }, back;
	char err[200];
	size_t len;
	uint8_t *buf = write_buf(&tl, &len);

	cr_assert_eq(len, TIMELINE_FILE_HEADER);
	cr_assert_eq(timeline_file_parse(buf, len, NULL, &back, err, sizeof(err)), 0, "%s", err);
	cr_assert(back.recorded);
	cr_assert_eq(back.n_intervals + back.n_wakes, 0);
	free(buf);
	free_timeline(&back);
}

/* 100,000 intervals of one thread, contiguous, of 1 us to 16 ms (log-uniform: harder to pack than
 * a real recording's), a wakeup after every third. */
Test(timeline_file, takes_a_few_bytes_an_interval)
{
	struct model_timeline tl = { .recorded = true }, back;
	uint64_t at = T0, seed = 1;
	char err[200];
	size_t len, n = 100000;
	uint8_t *buf;

	for (size_t i = 0; i < n; i++) {
		uint64_t dur;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		dur = 1000ULL << ((seed >> 33) % 14);  /* 1 us .. 8 ms */
		dur += (seed >> 13) % dur;
		add_interval(&tl, 42, i % 3 ? WC_ONCPU : WC_LOCK, at, at + dur);
		if (i % 3 == 0)
			add_wake(&tl, at + dur, 43, 42, WC_LOCK);
		at += dur;
	}
	buf = write_buf(&tl, &len);
	/* 5.49 with this seed: 3.6 for the interval, 5.6 for each wakeup; as JSON arrays, about 45 */
	cr_assert_lt((double)(len - TIMELINE_FILE_HEADER) / n, 6.0, "%.2f bytes an interval",
		     (double)(len - TIMELINE_FILE_HEADER) / n);
	cr_assert_eq(timeline_file_parse(buf, len, NULL, &back, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(memcmp(back.intervals, tl.intervals, n * sizeof(*tl.intervals)), 0);
	free(buf);
	free_timeline(&tl);
	free_timeline(&back);
}

/* BUF with its CRC made right again after an edit of its body. */
static void reseal(uint8_t *buf, size_t len)
{
	uint32_t crc = crc32_z(crc32_z(0, NULL, 0), buf + TIMELINE_FILE_HEADER, len - TIMELINE_FILE_HEADER);

	for (int i = 0; i < 4; i++)
		buf[12 + i] = crc >> (8 * i);
}

/* BUF[0..LEN) is refused with a reason holding WANT, leaving TL empty. */
static void assert_refused(const uint8_t *buf, size_t len, const char *want)
{
	struct model_timeline tl;
	char err[200];

	cr_assert_eq(timeline_file_parse(buf, len, NULL, &tl, err, sizeof(err)), -1, "accepted; wanted %s", want);
	cr_assert(strstr(err, want), "got '%s', wanted '%s'", err, want);
	cr_assert_not(strchr(err, '\n'));
	cr_assert_not(tl.recorded);
	cr_assert_null(tl.intervals);
}

Test(timeline_file, damage_gets_one_clear_reason)
{
	struct model_timeline tl;
	size_t len;
	uint8_t *buf, *copy;

	small_timeline(&tl);
	buf = write_buf(&tl, &len);
	copy = malloc(len);
	assert_refused(buf, 10, "not a conctrace timeline file");
	memcpy(copy, buf, len);
	copy[0] = 'X';
	assert_refused(copy, len, "not a conctrace timeline file");
	memcpy(copy, buf, len);
	copy[8] = 2;
	assert_refused(copy, len, "version 2 is not supported");
	assert_refused(buf, len - 1, "truncated or damaged");
	memcpy(copy, buf, len);
	copy[len - 1] ^= 0x40;
	assert_refused(copy, len, "truncated or damaged");
	/* counts that promise more than the bytes hold are refused before anything is allocated */
	memcpy(copy, buf, len);
	copy[32 + 7] = 0x10;
	assert_refused(copy, len, "do not fit its length");
	/* a count one larger than the body has, with a valid CRC */
	memcpy(copy, buf, len);
	copy[32]++;
	assert_refused(copy, len, "do not match the body");
	/* the first interval's duration << 5 | gap << 4 | class, past the block's tid and counts:
	 * class 15 is no wait class */
	memcpy(copy, buf, len);
	copy[TIMELINE_FILE_HEADER + 3] |= 0x0f;
	reseal(copy, len);
	assert_refused(copy, len, "unknown wait class");
	free(buf);
	free(copy);
	free_timeline(&tl);
}

Test(timeline_file, threads_out_of_order_are_refused)
{
	struct model_timeline tl = { .recorded = true };
	size_t len;
	uint8_t *buf;

	/* two blocks of one tid: the writer's input unsorted by tid */
	add_interval(&tl, 5, WC_ONCPU, T0, T0 + 10);
	add_wake(&tl, T0 + 20, 1, 4, WC_LOCK);
	add_interval(&tl, 5, WC_ONCPU, T0 + 10, T0 + 30);
	tl.intervals[1].tid = 4;  /* blocks 5, 4... written as tid steps 5 and -1 */
	buf = write_buf(&tl, &len);
	assert_refused(buf, len, "out of order");
	free(buf);
	free_timeline(&tl);
}

static void tmp_dir(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/conctrace-unit-tlfile-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

/* A report with a timeline: report.json names timeline.bin beside it, and loads it back. Its one
 * thread's intervals tile its life when TILED; else they are small_timeline's, with a gap. */
static void write_report_with_timeline(const char *dir, char *path, size_t len, bool tiled)
{
	struct run_model m;
	struct thread_acct a = { .tid = 7, .tgid = 7, .start_ns = T0, .end_ns = T0 + 9000000000ULL, .comm = "app" };

	model_init(&m);
	m.meta.command = xstrdup("app");
	m.meta.root_pid = 7;
	m.meta.start_ns = T0;
	m.meta.end_ns = T0 + 9000000000ULL;
	a.ns[WC_ONCPU] = 9000000000ULL;
	model_add_thread(&m, &a);
	small_timeline(&m.timeline);
	if (tiled) {
		m.timeline.n_intervals = 2;  /* 7's first two, then a third to the thread's end */
		add_interval(&m.timeline, 7, WC_RUNQUEUE, T0 + 250000, T0 + 9000000000ULL);
		m.timeline.n_wakes = 2;      /* 7's */
	}
	snprintf(path, len, "%s/report.json", dir);
	cr_assert_eq(report_write(path, &m), 0);
	model_free(&m);
}

Test(timeline_file, report_json_names_it_and_report_load_reads_it)
{
	struct run_model m;
	char dir[64], path[128], err[256];
	json_t *root, *tl;

	tmp_dir(dir, sizeof(dir));
	write_report_with_timeline(dir, path, sizeof(path), true);
	root = json_load_file(path, 0, NULL);
	tl = json_object_get(root, "timeline");
	cr_assert_str_eq(json_string_value(json_object_get(tl, "file")), "timeline.bin");
	cr_assert_eq(json_integer_value(json_object_get(tl, "intervals")), 3, "a count, not the intervals");
	cr_assert_eq(json_integer_value(json_object_get(tl, "wakes")), 2);
	cr_assert_eq(json_integer_value(json_object_get(root, "schema_version")), REPORT_SCHEMA_VERSION);
	json_decref(root);
	cr_assert_eq(report_load(path, &m, err, sizeof(err)), 0, "%s", err);
	cr_assert(m.timeline.recorded);
	cr_assert_eq(m.timeline.n_intervals, 3);
	cr_assert_eq(m.timeline.n_wakes, 2);
	model_free(&m);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	cr_assert_eq(system(path), 0);
}

/* Runs report_load on PATH in a child with stderr in a pipe; returns what it printed. */
static char *load_and_capture(const char *path, bool *recorded)
{
	static char out[1024];
	int fds[2], saved = dup(2);
	struct run_model m;
	char err[256];
	ssize_t n;

	cr_assert_eq(pipe(fds), 0);
	dup2(fds[1], 2);
	cr_assert_eq(report_load(path, &m, err, sizeof(err)), 0, "%s", err);
	fflush(stderr);
	dup2(saved, 2);
	close(fds[1]);
	n = read(fds[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = 0;
	close(fds[0]);
	close(saved);
	*recorded = m.timeline.recorded;
	model_free(&m);
	return out;
}

Test(timeline_file, a_missing_or_damaged_file_is_one_warning_and_no_timeline)
{
	char dir[64], path[128], side[160], cmd[200], *said;
	bool recorded;

	tmp_dir(dir, sizeof(dir));
	write_report_with_timeline(dir, path, sizeof(path), true);
	snprintf(side, sizeof(side), "%s/timeline.bin", dir);
	cr_assert_eq(truncate(side, 60), 0);
	said = load_and_capture(path, &recorded);
	cr_assert_not(recorded);
	cr_assert(strstr(said, "conctrace: warning: ") && strstr(said, "timeline.bin: truncated or damaged"), "%s", said);
	cr_assert(strstr(said, "without its timeline"), "%s", said);
	cr_assert_eq(strchr(said, '\n') - said + 1, (long)strlen(said), "one line: %s", said);
	cr_assert_eq(unlink(side), 0);
	said = load_and_capture(path, &recorded);
	cr_assert_not(recorded);
	cr_assert(strstr(said, "No such file"), "%s", said);
	/* intervals that leave a gap in their thread's life: checked as an inline timeline is */
	write_report_with_timeline(dir, path, sizeof(path), false);
	said = load_and_capture(path, &recorded);
	cr_assert_not(recorded);
	cr_assert(strstr(said, "timeline.bin: timeline.intervals: do not tile their thread's life"), "%s", said);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

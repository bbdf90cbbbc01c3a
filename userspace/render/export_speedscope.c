#include "render/export_speedscope.h"

#include <stdio.h>
#include "render/fold.h"
#include "base/util.h"

struct speedscope {
	json_t *frames;        /* shared frame list: [{"name": ...}] */
	json_t *frame_index;   /* name -> index in FRAMES */
	json_t *profiles;      /* "tid/kind" -> profile, filled as stacks arrive */
	const struct run_model *m;
	enum fold_kind kind;
};

static json_int_t frame_id(struct speedscope *sp, const char *name)
{
	json_t *id = json_object_get(sp->frame_index, name);

	if (id)
		return json_integer_value(id);
	json_array_append_new(sp->frames, json_pack("{ss}", "name", name));
	json_object_set_new(sp->frame_index, name, json_integer(json_array_size(sp->frames) - 1));
	return json_array_size(sp->frames) - 1;
}

static json_t *new_profile(const struct speedscope *sp, uint32_t tid, const char *comm)
{
	char name[128];

	snprintf(name, sizeof(name), "%s (tid %u) %s", comm, tid,
		 sp->kind == FOLD_ONCPU ? "on-CPU" : "off-CPU");
	return json_pack("{ss ss ss si si s[] s[]}", "type", "sampled", "name", name,
			 "unit", "nanoseconds", "startValue", 0, "endValue", 0, "samples", "weights");
}

static const char *thread_comm(const struct run_model *m, uint32_t tid)
{
	for (size_t i = 0; i < m->n_threads; i++)
		if (m->threads[i].acct.tid == tid)
			return m->threads[i].acct.comm;
	return "?";
}

static int add_sample(const struct model_stack_agg *a, const char *const *frames, size_t n,
		      uint64_t weight, void *speedscope)
{
	struct speedscope *sp = speedscope;
	json_t *profile, *stack = json_array();
	char key[32];

	snprintf(key, sizeof(key), "%u/%d", a->k.tid, sp->kind);
	profile = json_object_get(sp->profiles, key);
	if (!profile) {
		profile = new_profile(sp, a->k.tid, thread_comm(sp->m, a->k.tid));
		json_object_set_new(sp->profiles, key, profile);
	}
	if (sp->kind == FOLD_ONCPU)   /* samples into nanoseconds: one sampling period each */
		weight = weight * NSEC_PER_SEC / sp->m->meta.freq_hz;
	for (size_t i = 1; i < n; i++)   /* frames[0], fold's root, names the thread */
		json_array_append_new(stack, json_integer(frame_id(sp, frames[i])));
	json_array_append_new(json_object_get(profile, "samples"), stack);
	json_array_append_new(json_object_get(profile, "weights"), json_integer(weight));
	json_object_set_new(profile, "endValue", json_integer(
		json_integer_value(json_object_get(profile, "endValue")) + weight));
	return 0;
}

/* Profiles in the model's thread order, on-CPU before off-CPU. */
static json_t *ordered_profiles(const struct speedscope *sp)
{
	json_t *list = json_array();

	for (size_t i = 0; i < sp->m->n_threads; i++) {
		for (int kind = FOLD_ONCPU; kind <= FOLD_OFFCPU; kind++) {
			char key[32];
			json_t *p;

			snprintf(key, sizeof(key), "%u/%d", sp->m->threads[i].acct.tid, kind);
			if ((p = json_object_get(sp->profiles, key)))
				json_array_append(list, p);
		}
	}
	return list;
}

json_t *speedscope_json(const struct run_model *m, struct symbolizer *s)
{
	struct speedscope sp = { .frames = json_array(), .frame_index = json_object(),
				 .profiles = json_object(), .m = m };
	json_t *doc = NULL;
	int rc = 0;

	for (sp.kind = FOLD_ONCPU; sp.kind <= FOLD_OFFCPU && !rc; sp.kind++)
		if (sp.kind != FOLD_ONCPU || m->meta.freq_hz)  /* no frequency: no sample weight */
			rc = fold_each_stack(m, &(struct fold_opts){ .kind = sp.kind, .group = FOLD_BY_THREAD }, s,
					     add_sample, &sp);
	if (!rc)
		doc = json_pack("{ss s{sO} so ss si ss}", "$schema", SPEEDSCOPE_SCHEMA,
				"shared", "frames", sp.frames, "profiles", ordered_profiles(&sp),
				"name", m->meta.command ? m->meta.command : "conctrace",
				"activeProfileIndex", 0, "exporter", "conctrace " CONCTRACE_VERSION);
	json_decref(sp.frames);
	json_decref(sp.frame_index);
	json_decref(sp.profiles);
	return doc;
}

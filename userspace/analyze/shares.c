/* A run's thread time split into the matrix tables' columns (shares.h). */
#include "analyze/shares.h"

#include <string.h>
#include "base/util.h"
#include "model/account.h"
#include "model/classify.h"

const char *const share_column_names[COL_COUNT] = {
	"oncpu", "runnable", "disk", "lock_gil", "loop_idle", "net", "other"
};

/* Which table column each wait class is counted in. */
static const enum share_column column_of_class[WC_COUNT] = {
	[WC_ONCPU] = COL_ONCPU, [WC_RUNQUEUE] = COL_RUNNABLE, [WC_WAKEUP] = COL_RUNNABLE,
	[WC_DISK] = COL_DISK, [WC_KERNEL_LOCK] = COL_DISK, [WC_OTHER_D] = COL_DISK,
	[WC_LOCK] = COL_LOCK_GIL, [WC_GIL] = COL_LOCK_GIL, [WC_LOOP_IDLE] = COL_LOOP_IDLE,
	[WC_NET] = COL_NET, [WC_TIMER] = COL_OTHER, [WC_CHILD] = COL_OTHER, [WC_PIPE] = COL_OTHER,
	[WC_OTHER_SLEEP] = COL_OTHER,
};

enum share_column share_column_of(int wait_class)
{
	return column_of_class[wait_class];
}

void cell_stats_of(const struct run_model *m, struct cell_stats *s)
{
	struct acct_totals t;
	uint64_t col_ns[COL_COUNT] = { 0 };

	memset(s, 0, sizeof(*s));
	totals_of(m, 0, &t);
	for (int c = 0; c < WC_COUNT; c++)
		col_ns[share_column_of(c)] += t.ns[c];
	for (int c = 0; c < COL_COUNT; c++)
		s->share[c] = share(col_ns[c], t.life_ns);
	s->wall_s = ns_to_s(command_wall_ns(m));
	s->thread_s = ns_to_s(t.life_ns);
	s->cpus_used = s->wall_s > 0 ? ns_to_s(t.ns[WC_ONCPU]) / s->wall_s : 0;
	s->switches = t.nvcsw + t.nivcsw;
	for (size_t i = 0; i < m->n_blks; i++)
		if (m->blks[i].k.attributed)
			s->block_requests += m->blks[i].s.count;
}

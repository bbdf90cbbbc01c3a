/* Accounting math: lifetimes, the identity, totals and the comparisons with the kernel. */
#include <criterion/criterion.h>
#include "model/account.h"
#include "base/util.h"

static struct thread_acct thread(uint32_t tid, uint32_t tgid, uint64_t start, uint64_t end)
{
	struct thread_acct a = { .tid = tid, .tgid = tgid, .start_ns = start, .end_ns = end };

	return a;
}

Test(account, identity_residual)
{
	struct thread_acct a = thread(1, 1, 1000, 2000);

	a.ns[WC_ONCPU] = 600;
	a.ns[WC_RUNQUEUE] = 100;
	a.ns[WC_DISK] = 300;
	cr_assert_eq(thread_lifetime(&a), 1000);
	cr_assert_eq(thread_accounted(&a), 1000);
	cr_assert_float_eq(thread_residual(&a), 0.0, 1e-12);
	a.ns[WC_DISK] = 290;
	cr_assert_float_eq(thread_residual(&a), 0.01, 1e-12);
	a = thread(2, 1, 5, 5);
	cr_assert_float_eq(thread_residual(&a), 0.0, 1e-12);
	a.ns[WC_ONCPU] = 1;
	cr_assert_float_eq(thread_residual(&a), 1.0, 1e-12);
}

Test(account, totals_per_process_and_tree)
{
	struct run_model m;
	struct thread_acct a = thread(10, 10, 0, 100), b = thread(11, 10, 0, 50), c = thread(20, 20, 10, 30);
	struct acct_totals t;

	a.ns[WC_ONCPU] = 100;
	b.ns[WC_LOCK] = 50;
	b.nvcsw = 3;
	c.ns[WC_ONCPU] = 20;
	c.nivcsw = 2;
	c.flags = TF_K_END;
	c.k_runtime[0] = 5;
	c.k_runtime[1] = 27;
	model_init(&m);
	model_add_thread(&m, &a);
	model_add_thread(&m, &b);
	model_add_thread(&m, &c);
	totals_of(&m, 10, &t);
	cr_assert_eq(t.threads, 2);
	cr_assert_eq(t.life_ns, 150);
	cr_assert_eq(t.ns[WC_LOCK], 50);
	cr_assert_eq(t.k_threads, 0);
	totals_of(&m, 0, &t);
	cr_assert_eq(t.threads, 3);
	cr_assert_eq(t.ns[WC_ONCPU], 120);
	cr_assert_eq(t.nvcsw + t.nivcsw, 5);
	cr_assert_eq(t.k_threads, 1);
	cr_assert_eq(t.k_runtime, 22);
	cr_assert_eq(t.k_oncpu_ns, 20);
	cr_assert_eq(model_process(&m, 10)->end_ns, 100);
	model_free(&m);
}

Test(account, rusage_leaves_out_final_switches_of_non_leaders)
{
	struct run_model m;
	struct thread_acct leader = thread(10, 10, 0, 1), worker = thread(11, 10, 0, 1),
			   alive = thread(12, 10, 0, 1);

	leader.nvcsw = 5;
	leader.flags = TF_DEAD;
	worker.nvcsw = 7;
	worker.flags = TF_DEAD;
	alive.nvcsw = 2;
	model_init(&m);
	model_add_thread(&m, &leader);
	model_add_thread(&m, &worker);
	model_add_thread(&m, &alive);
	cr_assert_eq(rusage_comparable_nvcsw(&m), 5 + 6 + 2);
	model_free(&m);
}

Test(account, relative_difference_and_share)
{
	cr_assert_float_eq(rel_diff(105, 100), 0.05, 1e-12);
	cr_assert_float_eq(rel_diff(95, 100), 0.05, 1e-12);
	cr_assert_float_eq(rel_diff(0, 0), 0.0, 1e-12);
	cr_assert_float_eq(rel_diff(1, 0), 1.0, 1e-12);
	cr_assert_float_eq(share(1, 4), 0.25, 1e-12);
	cr_assert_float_eq(share(1, 0), 0.0, 1e-12);
}

Test(account, worst_residual_names_its_thread)
{
	struct run_model m;
	struct thread_acct good = thread(1, 1, 0, 100), bad = thread(2, 1, 0, 100);
	uint32_t tid;

	good.ns[WC_ONCPU] = 100;
	bad.ns[WC_ONCPU] = 90;
	model_init(&m);
	model_add_thread(&m, &good);
	model_add_thread(&m, &bad);
	cr_assert_float_eq(max_residual(&m, &tid), 0.1, 1e-12);
	cr_assert_eq(tid, 2);
	model_free(&m);
}

Test(account, syscall_totals_by_process)
{
	struct run_model m;
	struct model_syscall *s;

	model_init(&m);
	s = VEC_PUSH(m.syscalls, m.n_syscalls, m.cap_syscalls);
	*s = (struct model_syscall){ .tgid = 1, .nr = 1, .s = { .count = 3, .total_ns = 30 } };
	s = VEC_PUSH(m.syscalls, m.n_syscalls, m.cap_syscalls);
	*s = (struct model_syscall){ .tgid = 2, .nr = 1, .s = { .count = 4, .total_ns = 40 } };
	uint64_t count, ns;
	syscall_totals(&m, 0, 1, &count, &ns);
	cr_assert_eq(count, 7);
	cr_assert_eq(ns, 70);
	syscall_totals(&m, 2, 1, &count, &ns);
	cr_assert_eq(count, 4);
	model_free(&m);
}

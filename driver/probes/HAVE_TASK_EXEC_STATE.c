// SPDX-License-Identifier: GPL-2.0-only
#include <linux/sched.h>
#include <linux/sched/exec_state.h>
bool xpmem_probe(struct task_struct *t);
bool xpmem_probe(struct task_struct *t)
{
	struct task_exec_state *es = rcu_dereference(t->exec_state);

	return es->dumpable == TASK_DUMPABLE_OWNER && es->user_ns;
}

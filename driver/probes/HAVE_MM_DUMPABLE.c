// SPDX-License-Identifier: GPL-2.0-only
#include <linux/mm_types.h>
#include <linux/sched/coredump.h>
bool xpmem_probe(struct mm_struct *mm);
bool xpmem_probe(struct mm_struct *mm)
{
	return get_dumpable(mm) == SUID_DUMP_USER && mm->user_ns;
}

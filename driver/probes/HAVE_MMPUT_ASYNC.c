// SPDX-License-Identifier: GPL-2.0-only
#include <linux/sched/mm.h>
void xpmem_probe(struct mm_struct *mm);
void xpmem_probe(struct mm_struct *mm)
{
	mmput_async(mm);
}

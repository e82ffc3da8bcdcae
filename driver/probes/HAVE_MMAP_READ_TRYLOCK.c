// SPDX-License-Identifier: GPL-2.0-only
#include <linux/mm.h>
#include <linux/mmap_lock.h>
bool xpmem_probe(struct mm_struct *mm);
bool xpmem_probe(struct mm_struct *mm)
{
	if (mmap_read_lock_killable(mm))
		return false;
	mmap_read_unlock(mm);
	return mmap_read_trylock(mm);
}

// SPDX-License-Identifier: GPL-2.0-only
#include <linux/mm.h>
long xpmem_probe(struct mm_struct *mm);
long xpmem_probe(struct mm_struct *mm)
{
	struct page *page = NULL;
	struct page **pages = &page;
	unsigned long start = 0, nr = 1;
	unsigned int gup_flags = 0;
	int *locked = NULL;

	return pin_user_pages_remote(mm, start, nr, gup_flags, pages, locked);
}

// SPDX-License-Identifier: GPL-2.0-only
#include <linux/mm.h>
void xpmem_probe(struct page *page);
void xpmem_probe(struct page *page)
{
	struct page *pages[1] = { page };
	unsigned long npages = 1;
	bool dirty = true;

	unpin_user_pages_dirty_lock(pages, npages, dirty);
}

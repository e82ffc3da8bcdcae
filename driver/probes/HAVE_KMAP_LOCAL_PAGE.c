// SPDX-License-Identifier: GPL-2.0-only
#include <linux/highmem.h>
void xpmem_probe(struct page *page);
void xpmem_probe(struct page *page)
{
	void *p = kmap_local_page(page);

	kunmap_local(p);
}

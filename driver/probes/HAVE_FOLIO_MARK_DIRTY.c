// SPDX-License-Identifier: GPL-2.0-only
#include <linux/mm.h>
bool xpmem_probe(struct page *page);
bool xpmem_probe(struct page *page)
{
	struct folio *folio = page_folio(page);

	return folio_mark_dirty(folio);
}

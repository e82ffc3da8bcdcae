// SPDX-License-Identifier: GPL-2.0-only
#include <linux/mm.h>
#include <linux/pgtable.h>
bool xpmem_probe(pmd_t pmd);
bool xpmem_probe(pmd_t pmd)
{
	return pmd_special(pmd);
}

// SPDX-License-Identifier: GPL-2.0-only
#include <linux/mm.h>
static int xpmem_probe_fn(struct vm_area_struct *vma, unsigned long addr)
{
	return 0;
}

const struct vm_operations_struct xpmem_probe = {
	.may_split = xpmem_probe_fn,
};

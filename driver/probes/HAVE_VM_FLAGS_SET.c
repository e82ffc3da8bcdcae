// SPDX-License-Identifier: GPL-2.0-only
#include <linux/mm.h>
void xpmem_probe(struct vm_area_struct *vma);
void xpmem_probe(struct vm_area_struct *vma)
{
	vm_flags_t f = VM_IO;

	vm_flags_set(vma, f);
	vm_flags_clear(vma, f);
}

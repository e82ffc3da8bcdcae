// SPDX-License-Identifier: GPL-2.0-only
#include <linux/mm.h>
vm_fault_t xpmem_probe(struct vm_fault *vmf);
vm_fault_t xpmem_probe(struct vm_fault *vmf)
{
	if (vmf->flags & FAULT_FLAG_VMA_LOCK) {
		vma_end_read(vmf->vma);
		return VM_FAULT_RETRY;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * fault.c - filling an attachment's entries from the owner's page tables.
 *
 * A fault maps a run of pages around the faulting address (module
 * parameter fault_pages), in both directions, bounded by the attachment
 * and by the owner's VMA. hmm_range_fault() faults in the faulting page
 * in the owner (for write if the access is a write) and only reports the
 * others of the run that are present. The result is inserted under the
 * attachment's lock if the interval notifier's sequence has not moved.
 *
 * An entry is writable only where the owner's is, and the VMA allows it.
 * A write through a read-only entry reaches ->pfn_mkwrite, which zaps it;
 * the access then refaults as a write and hmm_range_fault() breaks
 * copy-on-write in the owner just like the owner's own write would (or
 * fails, raising SIGSEGV, where the owner cannot write).
 *
 * Lock order (the same as in docs/design.md):
 *
 *   attacher mmap_lock (read, held by the core around ->fault)
 *     -> owner mmap_lock (read, trylock only)
 *     -> attachment lock (mutex; only to check the sequence and insert)
 *        -> page table lock (inside vmf_insert_pfn_prot())
 *   owner mmap_lock / reclaim / migration (the invalidation's caller)
 *     -> attachment lock (set the sequence, briefly)
 *     -> context i_mmap_rwsem (read, unmap_mapping_pages())
 *
 * Why only a trylock of the owner's lock: every rank of an MPI job
 * attaches every other one, so B's fault blocking on A's mmap_lock while
 * A blocks on B's (both with writers queued) would deadlock. When the
 * trylock fails the fault drops B's lock, waits for A's and returns
 * VM_FAULT_RETRY, or simply refaults when retrying is not allowed.
 *
 * The attacher's page tables for the run are allocated before the
 * attachment lock is taken, so no allocation (and so no reclaim, which
 * can invalidate and take that lock) happens under it.
 *
 * Huge entries: the run is aligned in the attacher's address space and
 * hmm_range_fault() reports the owner's mapping order of every page, so a
 * ->huge_fault that inserts a PMD where both agree can reuse
 * xpmem_fault_range() and xpmem_insert_run(). Only PTEs are inserted now.
 */

#include <linux/mm.h>
#include <linux/hmm.h>
#include <linux/slab.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/mmu_notifier.h>

#include "xpmem_internal.h"

#define XPMEM_FAULT_PAGES_MAX	512

/* One run: attachment page indexes [lo, hi) and the faulting one. */
struct xpmem_run {
	unsigned long n;
	unsigned long lo;
	unsigned long hi;
	unsigned long idx;
	unsigned long *pfns;
};

static inline unsigned long xpmem_src(const struct xpmem_att *att,
				      unsigned long idx)
{
	return att->src_start + (idx << PAGE_SHIFT);
}

static int xpmem_pte_prealloc(pte_t *pte, unsigned long addr, void *data)
{
	return 0;
}

/*
 * The owner's mmap_lock is contended and we hold the attacher's: let go
 * of ours, wait for the owner's, and have the core retry the fault.
 */
static vm_fault_t xpmem_fault_wait(struct vm_fault *vmf,
				   struct mm_struct *owner)
{
	if (!(vmf->flags & FAULT_FLAG_ALLOW_RETRY))
		return VM_FAULT_NOPAGE;		/* simply refault */
	if (vmf->flags & FAULT_FLAG_RETRY_NOWAIT)
		return VM_FAULT_RETRY;		/* lock kept, as required */

	mmap_read_unlock(vmf->vma->vm_mm);
	/* Nothing of the attacher may be touched from here on. */
	if (!mmap_read_lock_killable(owner))
		mmap_read_unlock(owner);
	return VM_FAULT_RETRY;
}

/*
 * Choose the run around the faulting page and ask the owner's page tables
 * for it. Called with the owner's mmap_lock held for read. Returns 0 or
 * the hmm_range_fault() error (-EBUSY: the sequence moved, retry).
 */
static int xpmem_fault_range(struct xpmem_att *att, unsigned long seq,
			     struct xpmem_run *run, bool write,
			     struct mm_struct *owner)
{
	unsigned long n = run->n;
	struct vm_area_struct *ovma;
	struct hmm_range range = {};
	unsigned long vlo, vhi;

	ovma = vma_lookup(owner, xpmem_src(att, run->idx));
	if (!ovma)
		return -EFAULT;

	run->lo = run->idx - run->idx % n;
	run->hi = min(run->lo + n, att->npages);
	/* The source of [vlo, vhi) lies inside the owner's VMA. */
	vlo = ovma->vm_start > att->src_start ?
		(ovma->vm_start - att->src_start) >> PAGE_SHIFT : 0;
	vhi = (ovma->vm_end - att->src_start) >> PAGE_SHIFT;
	run->lo = max(run->lo, vlo);
	run->hi = min(run->hi, vhi);

	memset(run->pfns, 0, (run->hi - run->lo) * sizeof(*run->pfns));
	run->pfns[run->idx - run->lo] = HMM_PFN_REQ_FAULT |
					(write ? HMM_PFN_REQ_WRITE : 0);

	range.notifier = &att->notifier;
	range.notifier_seq = seq;
	range.start = xpmem_src(att, run->lo);
	range.end = xpmem_src(att, run->hi);
	range.hmm_pfns = run->pfns;
	range.default_flags = 0;
	range.pfn_flags_mask = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
	return hmm_range_fault(&range);
}

/*
 * Insert the valid entries of a run (attachment lock held). Entries
 * already present are left alone (vmf_insert_pfn_prot() reports them as
 * VM_FAULT_NOPAGE). Returns the result for the faulting page.
 */
static vm_fault_t xpmem_insert_run(struct vm_area_struct *vma,
				   const struct xpmem_run *run)
{
	pgprot_t prot_ro = vm_get_page_prot(vma->vm_flags & ~VM_WRITE);
	pgprot_t prot_rw = vm_get_page_prot(vma->vm_flags);
	bool vma_write = vma->vm_flags & VM_WRITE;
	vm_fault_t ret = VM_FAULT_NOPAGE;
	unsigned long i;

	for (i = run->lo; i < run->hi; i++) {
		unsigned long hpfn = run->pfns[i - run->lo];
		unsigned long addr = vma->vm_start + (i << PAGE_SHIFT);
		struct page *page;
		bool wr;
		vm_fault_t r;

		if (!(hpfn & HMM_PFN_VALID) || (hpfn & HMM_PFN_ERROR))
			continue;
		page = hmm_pfn_to_page(hpfn);
		wr = vma_write && (hpfn & HMM_PFN_WRITE);
		/*
		 * Writes through our entry do not dirty the owner's PTE. An
		 * anonymous page can be writable and clean there (after
		 * MADV_FREE) and reclaim would then drop our data: dirty it
		 * now. It is still mapped by the owner (the sequence is
		 * checked under att->lock), so the page is safe to touch.
		 */
		if (wr && PageAnon(page))
			xpmem_page_mark_dirty(page);
		r = vmf_insert_pfn_prot(vma, addr, page_to_pfn(page),
					wr ? prot_rw : prot_ro);
		if (i == run->idx && (r & VM_FAULT_ERROR))
			ret = r;
	}
	return ret;
}

/**
 * xpmem_fault() - ->fault of an attachment VMA
 * @vmf: the fault; the core holds the attacher's mmap_lock for read
 *
 * Return: VM_FAULT_NOPAGE (entries inserted, or refault), VM_FAULT_RETRY
 * (the attacher's mmap_lock was released), VM_FAULT_SIGBUS for a dead
 * attachment or a hole in the owner, VM_FAULT_SIGSEGV for a write the
 * owner cannot do, VM_FAULT_OOM.
 */
vm_fault_t xpmem_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct xpmem_att *att = vma->vm_private_data;
	struct mm_struct *owner = att->owner_mm;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	struct xpmem_run run;
	unsigned long seq;
	vm_fault_t ret;
	int err;

	if (xpmem_fault_needs_mmap_lock(vmf))
		return VM_FAULT_RETRY;
	if (READ_ONCE(att->dead))
		return VM_FAULT_SIGBUS;
	if (write && !att->writable)
		return VM_FAULT_SIGSEGV;
	if (!mmget_not_zero(owner))
		return VM_FAULT_SIGBUS;

	run.idx = (vmf->address - vma->vm_start) >> PAGE_SHIFT;
	run.n = clamp_t(unsigned int, READ_ONCE(xpmem_fault_pages), 1,
			XPMEM_FAULT_PAGES_MAX);
	run.pfns = kmalloc_array(run.n, sizeof(*run.pfns), GFP_KERNEL);
	if (!run.pfns) {
		ret = VM_FAULT_OOM;
		goto out;
	}

	for (;;) {
		seq = mmu_interval_read_begin(&att->notifier);
		if (!mmap_read_trylock(owner)) {
			ret = xpmem_fault_wait(vmf, owner);
			goto out;
		}
		err = xpmem_fault_range(att, seq, &run, write, owner);
		mmap_read_unlock(owner);

		if (err == -EBUSY) {
			if (fatal_signal_pending(current)) {
				ret = VM_FAULT_NOPAGE;
				goto out;
			}
			cond_resched();
			continue;
		}
		if (err) {
			ret = err == -EPERM ? VM_FAULT_SIGSEGV :
			      err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
			goto out;
		}

		/* Page tables now: nothing may allocate under att->lock. */
		if (apply_to_page_range(vma->vm_mm,
					vma->vm_start + (run.lo << PAGE_SHIFT),
					(run.hi - run.lo) << PAGE_SHIFT,
					xpmem_pte_prealloc, NULL)) {
			ret = VM_FAULT_OOM;
			goto out;
		}

		mutex_lock(&att->lock);
		if (mmu_interval_read_retry(&att->notifier, seq)) {
			mutex_unlock(&att->lock);
			cond_resched();
			continue;
		}
		if (att->dead) {
			mutex_unlock(&att->lock);
			ret = VM_FAULT_SIGBUS;
			goto out;
		}
		ret = xpmem_insert_run(vma, &run);
		mutex_unlock(&att->lock);
		break;
	}

out:
	kfree(run.pfns);
	xpmem_mmput_async(owner);
	return ret;
}

/**
 * xpmem_pfn_mkwrite() - write access through a read-only entry
 * @vmf: the fault; the core holds the attacher's mmap_lock for read
 *
 * Zap the entry so that the access refaults as a write through
 * xpmem_fault(), which asks the owner for write access.
 *
 * Return: VM_FAULT_NOPAGE, or VM_FAULT_SIGBUS for a dead attachment.
 */
vm_fault_t xpmem_pfn_mkwrite(struct vm_fault *vmf)
{
	struct xpmem_att *att = vmf->vma->vm_private_data;
	struct xpmem_zapper z;

	if (xpmem_fault_needs_mmap_lock(vmf))
		return VM_FAULT_RETRY;
	if (READ_ONCE(att->dead))
		return VM_FAULT_SIGBUS;
	xpmem_zap_enter(&z);
	xpmem_zap_vma_range(vmf->vma, vmf->address & PAGE_MASK, PAGE_SIZE);
	xpmem_zap_exit(&z);
	return VM_FAULT_NOPAGE;
}

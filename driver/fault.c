// SPDX-License-Identifier: GPL-2.0-only
/*
 * fault.c - filling an attachment's entries from the owner's page tables.
 *
 * A fault maps a run of pages around the faulting address (module
 * parameter fault_pages), in both directions, bounded by the attachment
 * and by the owner's VMA. hmm_range_fault() faults in the faulting page
 * in the owner (for write if the access is a write) and only reports the
 * others of the run that are present. The result is inserted in one walk
 * of the attacher's page tables (apply_to_page_range(), which allocates
 * them as needed), each table's entries under its lock, if the interval
 * notifier's sequence has not moved: it is checked under that same lock
 * for every entry (see xpmem_fill_pte()).
 *
 * An entry is writable only where the owner's is, and the VMA allows it.
 * A write through a read-only entry reaches ->pfn_mkwrite, which does the
 * write fault there and then: hmm_range_fault() breaks copy-on-write in
 * the owner (or runs ->page_mkwrite of a file page) just like the owner's
 * own write would, or fails, raising SIGSEGV, where the owner cannot
 * write; the read-only entry is then replaced by the writable one. It
 * never only zaps the entry and counts on the next fault being a write:
 * an instruction that reads before it writes (a read-modify-write, a
 * load-exclusive/store-exclusive loop) would read-fault the read-only
 * entry back in, again and again.
 *
 * A writable entry dirties the owner's page when it is made: writes
 * through our special PTEs never reach the owner's dirty bit, and reclaim
 * drops a clean shmem/tmpfs/memfd/SysV shm page (or a clean anonymous
 * page after MADV_FREE) with whatever the attacher wrote into it. A file
 * page with write-notify is writable in the owner only after its
 * ->page_mkwrite; writeback write-protects the owner's entry first
 * (folio_mkclean() runs the notifier), which zaps ours.
 *
 * The owner's VMA is checked against the policy GUP applies to pages of
 * other processes (check_vma_flags() in mm/gup.c), which
 * hmm_range_fault() does not apply: memfd_secret() memory is never
 * mapped (SIGBUS), a shadow stack is never mapped writable (a write
 * raises SIGSEGV). VM_IO/VM_PFNMAP and VMAs without VM_READ are refused
 * by hmm_range_fault() itself.
 *
 * Lock order: the table at the top of xpmem_internal.h.
 *
 * Why the sequence check under the page table lock is enough: the
 * invalidation publishes the new sequence (under att->lock) before its
 * zap (zap.c), and the zap takes every table lock of the range after
 * that. A fault holding a table lock either sees the new sequence and
 * stops, or inserts before the zap reaches that table, which then
 * removes its entries. att->dead (REMOVE, RELEASE, the owner's exit) works the same
 * way: set, then zapped. No driver lock is held while the walk allocates
 * page tables, so reclaim may invalidate meanwhile.
 *
 * Why only a trylock of the owner's lock: every rank of an MPI job
 * attaches every other one, so B's fault blocking on A's mmap_lock while
 * A blocks on B's (both with writers queued) would deadlock. When the
 * trylock fails the fault drops B's lock, waits for A's and returns
 * VM_FAULT_RETRY, or simply refaults when retrying is not allowed.
 *
 * 2 MiB entries (where compat.h defines XPMEM_HUGE_PMD): ->huge_fault
 * asks hmm_range_fault() for the faulting page only, under the same
 * sequence protocol: its map order tells whether the owner maps the
 * page's whole 2 MiB block with one entry (a PMD-mapped THP or a hugetlb
 * page). Where it does, at a source address congruent with ours modulo
 * 2 MiB, one special PMD leaf maps the block; otherwise the fault falls
 * back to PTEs.
 * vmf_insert_pfn_pmd() must never find a PTE table in place of the
 * leaf, and the PTE path must never meet a leaf in its block: att->pt_sem
 * is held for write by the 2 MiB fault across the check of the PMD and
 * the insertion, for read by the PTE path from the allocation of its
 * page table to the insertion of its entries, whose run then stays
 * within the faulting page's 2 MiB block (the one PMD it checks).
 * The 2 MiB fault checks the sequence and inserts under att->lock (the
 * PMD lock is taken inside vmf_insert_pfn_pmd(), where we cannot check).
 * Memory is allocated under pt_sem (read) only, and reclaim never takes
 * pt_sem.
 *
 * Every fault thaws a frozen attachment before it inserts anything
 * (xpmem_zap_thaw(), zap.c): frozen, it would be skipped by the zaps.
 */

#include <linux/mm.h>
#include <linux/hmm.h>
#include <linux/slab.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/mmu_notifier.h>
#include <linux/fs.h>

#include "xpmem_internal.h"
#include "xpmem_trace.h"

#define XPMEM_FAULT_PAGES_MAX	512

/*
 * One run: attachment page indexes [lo, hi) within [min, max), aligned
 * to n from min, and the faulting one.
 */
struct xpmem_run {
	unsigned long n;
	unsigned long min;
	unsigned long max;
	unsigned long lo;
	unsigned long hi;
	unsigned long idx;
	unsigned long *pfns;
	bool ro;
};

#ifdef XPMEM_HUGE_PMD
static inline void xpmem_pt_read_lock(struct xpmem_att *att)
{
	down_read(&att->pt_sem);
}

static inline void xpmem_pt_read_unlock(struct xpmem_att *att)
{
	up_read(&att->pt_sem);
}

/* The fault's PMD is a leaf: a 2 MiB entry maps the faulting page. */
static inline bool xpmem_pmd_is_leaf(struct vm_fault *vmf)
{
	return pmd_leaf(pmdp_get_lockless(vmf->pmd));
}

/* Keep the run inside the faulting page's 2 MiB block of the VMA. */
static inline void xpmem_run_bound(struct xpmem_run *run,
				   struct vm_area_struct *vma,
				   unsigned long address)
{
	unsigned long lo = max(address & PMD_MASK, vma->vm_start);
	unsigned long hi = min((address & PMD_MASK) + PMD_SIZE, vma->vm_end);

	run->min = (lo - vma->vm_start) >> PAGE_SHIFT;
	run->max = (hi - vma->vm_start) >> PAGE_SHIFT;
}
#else
static inline void xpmem_pt_read_lock(struct xpmem_att *att)
{
}

static inline void xpmem_pt_read_unlock(struct xpmem_att *att)
{
}

static inline bool xpmem_pmd_is_leaf(struct vm_fault *vmf)
{
	return false;
}

static inline void xpmem_run_bound(struct xpmem_run *run,
				   struct vm_area_struct *vma,
				   unsigned long address)
{
	run->min = 0;
	run->max = vma_pages(vma);
}
#endif

static inline unsigned long xpmem_src(const struct xpmem_att *att,
				      unsigned long idx)
{
	return att->src_start + (idx << PAGE_SHIFT);
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
 * The policy of GUP for another process's VMA (check_vma_flags()) that
 * hmm_range_fault() does not apply. Secret memory is out of the direct
 * map and must stay out of every other process; it is recognised by its
 * file system, since vma_is_secretmem() is not exported. A shadow stack
 * may be read but not written (its pages are mapped read-only, see
 * run->ro). Returns 0, -EFAULT (SIGBUS) or -EPERM (SIGSEGV).
 */
static int xpmem_owner_vma_check(struct vm_area_struct *ovma, bool write)
{
	struct file *file = ovma->vm_file;

	if (file && file_inode(file)->i_sb->s_magic == SECRETMEM_MAGIC)
		return -EFAULT;
	if (write && (ovma->vm_flags & VM_SHADOW_STACK))
		return -EPERM;
	return 0;
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
	int err;

	xpmem_assert_mmap_locked(owner);
	ovma = vma_lookup(owner, xpmem_src(att, run->idx));
	if (!ovma)
		return -EFAULT;
	err = xpmem_owner_vma_check(ovma, write);
	if (err)
		return err;
	run->ro = ovma->vm_flags & VM_SHADOW_STACK;

	run->lo = run->min + (run->idx - run->min) / n * n;
	run->hi = min(run->lo + n, run->max);
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
 * Ask the owner's page tables for a run under a fresh notifier sequence,
 * *seq, until no invalidation gets in the way. Returns 0, or what the
 * fault returns: VM_FAULT_RETRY or VM_FAULT_NOPAGE (the owner's lock is
 * contended, see xpmem_fault_wait(); or a fatal signal), or the faulting
 * page's error (VM_FAULT_SIGSEGV for a write the owner cannot do,
 * VM_FAULT_OOM, VM_FAULT_SIGBUS for a hole or anything else).
 */
static vm_fault_t xpmem_fault_owner(struct vm_fault *vmf,
				    struct xpmem_att *att,
				    struct xpmem_run *run, bool write,
				    unsigned long *seq)
{
	struct mm_struct *owner = att->owner_mm;
	int err;

	for (;;) {
		/*
		 * Sleeps, not killable, but only until the invalidation in
		 * progress on the owner's range ends, and that never waits
		 * for us.
		 */
		*seq = mmu_interval_read_begin(&att->notifier);
		if (!mmap_read_trylock(owner))
			return xpmem_fault_wait(vmf, owner);
		err = xpmem_fault_range(att, *seq, run, write, owner);
		mmap_read_unlock(owner);
		if (err != -EBUSY)
			break;
		if (fatal_signal_pending(current))
			return VM_FAULT_NOPAGE;
		cond_resched();
	}
	if (!err)
		return 0;
	return err == -EPERM ? VM_FAULT_SIGSEGV :
	       err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
}

/* What the PTE walk of one run needs (see xpmem_fill_pte()). */
struct xpmem_fill {
	struct xpmem_att *att;
	struct vm_area_struct *vma;
	const struct xpmem_run *run;
	unsigned long *inserted;
	unsigned long seq;
	pgprot_t prot_ro;
	pgprot_t prot_rw;
	bool vma_write;
	bool write;
};

/*
 * Set one entry of a run; apply_to_page_range() calls it for every page
 * of the run with that page's table locked. The sequence and att->dead
 * are checked under the table lock: an invalidation (or a kill) changes
 * them before it zaps, and its zap takes this lock after us, so either we
 * see the change and stop, or our entry exists before the zap removes
 * it. The same makes the page safe to touch: the owner frees it only
 * after the invalidation, and so after our zap.
 *
 * Entries already present are left alone, as vmf_insert_pfn_prot() does,
 * but for the faulting page of a write fault: a read-only entry there
 * (the one ->pfn_mkwrite was called for, or another thread's read fault)
 * is made writable. It maps the same page: under an unchanged sequence
 * every entry present maps the owner's current page, since whatever
 * changed the owner's entry since went through an invalidation that
 * zapped ours. Only the permission grows, which needs no TLB flush (a
 * stale read-only TLB entry costs a spurious fault, which the core
 * handles).
 *
 * The entry is the one vmf_insert_pfn_prot() would make for a page of
 * RAM (write-back memory type, special: no page reference or mapcount).
 */
static int xpmem_fill_pte(pte_t *pte, unsigned long addr, void *data)
{
	const struct xpmem_fill *f = data;
	unsigned long i = (addr - f->vma->vm_start) >> PAGE_SHIFT;
	unsigned long hpfn = f->run->pfns[i - f->run->lo];
	struct page *page;
	pte_t old;
	bool wr;

	if (READ_ONCE(f->att->dead))
		return -ENOENT;
	if (mmu_interval_read_retry(&f->att->notifier, f->seq))
		return -EAGAIN;
	if (!(hpfn & HMM_PFN_VALID) || (hpfn & HMM_PFN_ERROR))
		return 0;

	page = hmm_pfn_to_page(hpfn);
	wr = f->vma_write && (hpfn & HMM_PFN_WRITE) && !f->run->ro;
	old = ptep_get(pte);
	if (!pte_none(old) &&
	    (!f->write || i != f->run->idx || !wr || pte_write(old) ||
	     pte_pfn(old) != page_to_pfn(page)))
		return 0;
	/*
	 * Writes through our entry never dirty the owner's PTE, so the
	 * page is dirtied now, as the owner's first write would: a clean
	 * shmem page, or an anonymous one after MADV_FREE, would otherwise
	 * be dropped by reclaim with our data (see the top of this file).
	 * The folio cannot be truncated meanwhile: it is mapped in the
	 * owner, and unmapping it there needs the zap of our entries,
	 * which waits for this table lock.
	 */
	if (wr)
		xpmem_page_mark_dirty(page);
	set_pte_at(f->vma->vm_mm, addr, pte,
		   pte_mkspecial(pfn_pte(page_to_pfn(page),
					 wr ? f->prot_rw : f->prot_ro)));
	update_mmu_cache(f->vma, addr, pte);
	/* New entries only: not a read-only one made writable. */
	if (pte_none(old))
		(*f->inserted)++;
	return 0;
}

/*
 * Insert the valid entries of a run in one walk of the attacher's page
 * tables, allocating them as needed (no driver lock is held: see
 * xpmem_fill_pte()); *inserted grows by the number of entries created.
 * Returns 0, -EAGAIN when the sequence moved (nothing or part of the run
 * was inserted: retry), -ENOENT for a dead attachment, -ENOMEM.
 */
static int xpmem_insert_run(struct xpmem_att *att, struct vm_area_struct *vma,
			    const struct xpmem_run *run, unsigned long seq,
			    bool write, unsigned long *inserted)
{
	struct xpmem_fill f = {
		.att = att,
		.vma = vma,
		.run = run,
		.inserted = inserted,
		.seq = seq,
		.prot_ro = vm_get_page_prot(vma->vm_flags & ~VM_WRITE),
		.prot_rw = vm_get_page_prot(vma->vm_flags),
		.vma_write = vma->vm_flags & VM_WRITE,
		.write = write,
	};

	return apply_to_page_range(vma->vm_mm,
				   vma->vm_start + (run->lo << PAGE_SHIFT),
				   (run->hi - run->lo) << PAGE_SHIFT,
				   xpmem_fill_pte, &f);
}

/*
 * Map the run around a faulting page with PTEs; the faulting page's
 * entry is writable at the end of a write fault (see xpmem_fill_pte()).
 * The attacher's mmap_lock is held for read. Returns what ->fault does.
 */
static vm_fault_t xpmem_fault_ptes(struct vm_fault *vmf, bool write)
{
	struct vm_area_struct *vma = vmf->vma;
	struct xpmem_att *att = vma->vm_private_data;
	struct mm_struct *owner = att->owner_mm;
	unsigned long seq, inserted = 0;
	struct xpmem_run run;
	vm_fault_t ret;
	int err;

	xpmem_assert_mmap_locked(vma->vm_mm);
	if (READ_ONCE(att->dead))
		return VM_FAULT_SIGBUS;
	if (write && !att->writable)
		return VM_FAULT_SIGSEGV;
	/* Before any entry is inserted (see zap.c). */
	if (!xpmem_zap_thaw(att, vma))
		return VM_FAULT_SIGBUS;
	if (!mmget_not_zero(owner))
		return VM_FAULT_SIGBUS;

	run.idx = (vmf->address - vma->vm_start) >> PAGE_SHIFT;
	xpmem_run_bound(&run, vma, vmf->address);
	run.n = clamp_t(unsigned int, READ_ONCE(xpmem_fault_pages), 1,
			XPMEM_FAULT_PAGES_MAX);
	run.pfns = kmalloc_array(run.n, sizeof(*run.pfns), GFP_KERNEL);
	if (!run.pfns) {
		ret = VM_FAULT_OOM;
		goto out;
	}

	for (;;) {
		ret = xpmem_fault_owner(vmf, att, &run, write, &seq);
		if (ret)
			goto out;

		xpmem_pt_read_lock(att);
		/* Another thread mapped the block with a 2 MiB entry. */
		if (xpmem_pmd_is_leaf(vmf))
			err = 0;
		else
			err = xpmem_insert_run(att, vma, &run, seq, write,
					       &inserted);
		xpmem_pt_read_unlock(att);
		if (err != -EAGAIN)
			break;
		if (fatal_signal_pending(current)) {
			ret = VM_FAULT_NOPAGE;
			goto out;
		}
		cond_resched();
	}
	ret = !err ? VM_FAULT_NOPAGE :
	      err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	/* Entries of an attempt cut short by -EAGAIN were created too. */
	if (inserted)
		atomic_long_add(inserted, &att->nr_faulted);
	if (!err) {
		struct xpmem_seg *seg = att->permit->seg;

		trace_xpmem_fault(xpmem_seg_id(seg),
				  vmf->address,
				  vma->vm_start + (run.lo << PAGE_SHIFT),
				  inserted, PAGE_SIZE, write);
	}

out:
	kfree(run.pfns);
	xpmem_mmput_async(owner);
	return ret;
}

/**
 * xpmem_fault() - ->fault of an attachment VMA
 * @vmf: the fault
 *
 * Context: the attacher's mmap_lock held for read (with the per-VMA lock
 * only, the fault is retried under the mmap_lock).
 * Return: VM_FAULT_NOPAGE (entries inserted, or refault), VM_FAULT_RETRY
 * (the attacher's mmap_lock was released), VM_FAULT_SIGBUS for a dead
 * attachment, a hole or a refused VMA (secret memory) in the owner,
 * VM_FAULT_SIGSEGV for a write the owner cannot do, VM_FAULT_OOM.
 */
vm_fault_t xpmem_fault(struct vm_fault *vmf)
{
	if (xpmem_fault_needs_mmap_lock(vmf))
		return VM_FAULT_RETRY;
	return xpmem_fault_ptes(vmf, vmf->flags & FAULT_FLAG_WRITE);
}

/**
 * xpmem_pfn_mkwrite() - write access through a read-only entry
 * @vmf: the fault
 *
 * Does the write fault at once: the owner's page is made writable (COW
 * broken, ->page_mkwrite run) and the read-only entry replaced by a
 * writable one, so that the access completes on its next try whatever
 * it reads first (see the top of this file). The core makes the entry
 * writable itself unless we return VM_FAULT_NOPAGE or an error, so
 * VM_FAULT_NOPAGE comes with VM_FAULT_RETRY too.
 *
 * Context: the attacher's mmap_lock held for read (the core never calls
 * ->pfn_mkwrite with the per-VMA lock only).
 * Return: VM_FAULT_NOPAGE, VM_FAULT_NOPAGE | VM_FAULT_RETRY (the
 * attacher's mmap_lock was released to wait for the owner's), or an
 * error of xpmem_fault().
 */
vm_fault_t xpmem_pfn_mkwrite(struct vm_fault *vmf)
{
	vm_fault_t ret;

	if (xpmem_fault_needs_mmap_lock(vmf))
		return VM_FAULT_RETRY | VM_FAULT_NOPAGE;
	ret = xpmem_fault_ptes(vmf, true);
	return (ret & VM_FAULT_ERROR) ? ret : ret | VM_FAULT_NOPAGE;
}

#ifdef XPMEM_HUGE_PMD
/*
 * Whether the faulting page's block may be mapped by one PMD leaf: the
 * owner maps the faulting page (@hpfn, at page @off of its 2 MiB block)
 * with a 2 MiB (or larger) entry, so that one entry maps the whole block
 * (the source block is 2 MiB aligned), and the frames are contiguous
 * from a 2 MiB-aligned one, *pfn0. *wr: the owner's entry is writable.
 *
 * Not the huge zero folio (an owner's read of untouched THP memory):
 * zap_huge_pmd() of 7.3 handles any leaf of it as the huge zero PMD and
 * withdraws a deposited page table, which a PFN leaf does not have (a
 * NULL dereference in the 7.3 guest). It is told apart by having no
 * mapping (its symbols are not exported); anon, hugetlb and page-cache
 * folios all have one while mapped. Its pages get PTEs instead, as the
 * small zero page does.
 */
static bool xpmem_pfn_is_huge(unsigned long hpfn, unsigned long off,
			      unsigned long *pfn0, bool *wr)
{
	struct page *page;

	if (!(hpfn & HMM_PFN_VALID) || (hpfn & HMM_PFN_ERROR) ||
	    hmm_pfn_to_map_order(hpfn) < PMD_ORDER)
		return false;
	page = hmm_pfn_to_page(hpfn);
	*pfn0 = page_to_pfn(page) - off;
	if (!IS_ALIGNED(*pfn0, HPAGE_PMD_NR) ||
	    !READ_ONCE(page_folio(page)->mapping))
		return false;
	*wr = hpfn & HMM_PFN_WRITE;
	return true;
}

/*
 * Insert the PMD leaf of a huge block (att->pt_sem for write and
 * att->lock held, the sequence checked). The PMD must still be empty: a
 * PTE table there (another thread's PTE fault) means falling back to it.
 */
static vm_fault_t xpmem_insert_pmd(struct vm_fault *vmf, unsigned long pfn0,
				   bool wr)
{
	struct xpmem_att *att = vmf->vma->vm_private_data;
	struct page *page = pfn_to_page(pfn0);
	pmd_t pmd = pmdp_get_lockless(vmf->pmd);
	vm_fault_t ret;

	lockdep_assert_held_write(&att->pt_sem);
	lockdep_assert_held(&att->lock);
	if (!pmd_none(pmd))
		return pmd_leaf(pmd) ? VM_FAULT_NOPAGE : VM_FAULT_FALLBACK;
	/* As in xpmem_fill_pte(): our writes do not dirty the owner's. */
	if (wr)
		xpmem_page_mark_dirty(page);
	ret = xpmem_insert_pfn_pmd(vmf, pfn0, wr);
	if (ret == VM_FAULT_NOPAGE) {
		struct xpmem_seg *seg = att->permit->seg;

		atomic_long_inc(&xpmem_nr_pmd_maps);
		atomic_long_add(HPAGE_PMD_NR, &att->nr_faulted);
		trace_xpmem_fault(xpmem_seg_id(seg),
				  vmf->address, vmf->address & PMD_MASK, 1,
				  PMD_SIZE, vmf->flags & FAULT_FLAG_WRITE);
	}
	return ret;
}

/**
 * xpmem_huge_fault() - ->huge_fault of an attachment VMA
 * @vmf: the fault
 * @order: the order of the entry the core asks for; only PMD_ORDER
 *
 * Maps the 2 MiB block around the faulting address with one PMD leaf
 * where the owner maps the source with one 2 MiB page at the same
 * offset modulo 2 MiB; see the top of this file. A write through a
 * read-only leaf zaps it and goes on as a write fault in the same call,
 * which ends with a writable entry (a 2 MiB one, or PTEs after the
 * fallback), as ->pfn_mkwrite does. Called with only the per-VMA lock on
 * 6.6+: then the core retries with the attacher's mmap_lock, as for
 * ->fault.
 *
 * Return: VM_FAULT_NOPAGE (mapped, or refault), VM_FAULT_FALLBACK (map
 * with PTEs through ->fault), VM_FAULT_RETRY (the attacher's mmap_lock
 * or VMA lock was released), and the errors of xpmem_fault():
 * VM_FAULT_SIGBUS for a dead attachment or a hole in the owner,
 * VM_FAULT_SIGSEGV for a write the owner or the attachment cannot do,
 * VM_FAULT_OOM.
 */
vm_fault_t xpmem_huge_fault(struct vm_fault *vmf, unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct xpmem_att *att = vma->vm_private_data;
	struct mm_struct *owner = att->owner_mm;
	unsigned long haddr = vmf->address & PMD_MASK;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	struct xpmem_run run;
	unsigned long seq, hpfn, pfn0;
	vm_fault_t ret;
	pmd_t pmd;
	bool wr;

	/*
	 * Where a PMD leaf needs a deposited page table (some powerpc),
	 * vmf_insert_pfn_pmd() allocates, which att->lock does not allow.
	 */
	if (order != PMD_ORDER || !READ_ONCE(xpmem_huge_mappings) ||
	    arch_needs_pgtable_deposit())
		return VM_FAULT_FALLBACK;
	if (haddr < vma->vm_start || haddr + PMD_SIZE > vma->vm_end)
		return VM_FAULT_FALLBACK;
	run.min = (haddr - vma->vm_start) >> PAGE_SHIFT;
	if (!IS_ALIGNED(xpmem_src(att, run.min), PMD_SIZE))
		return VM_FAULT_FALLBACK;
	if (xpmem_fault_needs_mmap_lock(vmf))
		return VM_FAULT_RETRY;
	if (READ_ONCE(att->dead))
		return VM_FAULT_SIGBUS;
	if (write && !att->writable)
		return VM_FAULT_SIGSEGV;

	xpmem_assert_mmap_locked(vma->vm_mm);
	if (!xpmem_zap_thaw(att, vma))
		return VM_FAULT_SIGBUS;
	pmd = pmdp_get_lockless(vmf->pmd);
	if (pmd_leaf(pmd)) {
		if (!write || pmd_write(pmd))
			return VM_FAULT_NOPAGE;
		/* Not a zap alone: see xpmem_pfn_mkwrite(). */
		xpmem_zap_own(vma, haddr, PMD_SIZE);
		pmd = pmdp_get_lockless(vmf->pmd);
	}
	if (!pmd_none(pmd))
		return VM_FAULT_FALLBACK;	/* a PTE table */

	if (!mmget_not_zero(owner))
		return VM_FAULT_SIGBUS;
	/* One entry tells how the owner maps the whole block. */
	run.max = run.min + HPAGE_PMD_NR;
	run.idx = (vmf->address - vma->vm_start) >> PAGE_SHIFT;
	run.n = 1;
	run.pfns = &hpfn;

	for (;;) {
		/*
		 * The errors are the faulting page's, as in xpmem_fault():
		 * report them here, so that no PTE table is left in the
		 * block (a hole now may be a huge page later).
		 */
		ret = xpmem_fault_owner(vmf, att, &run, write, &seq);
		if (ret)
			break;
		/* Not one 2 MiB page: map it with PTEs through ->fault. */
		if (!xpmem_pfn_is_huge(hpfn, run.idx - run.min, &pfn0, &wr) ||
		    (write && !wr)) {
			ret = VM_FAULT_FALLBACK;
			break;
		}
		wr = wr && (vma->vm_flags & VM_WRITE) && !run.ro;

		down_write(&att->pt_sem);
		mutex_lock(&att->lock);
		if (mmu_interval_read_retry(&att->notifier, seq)) {
			mutex_unlock(&att->lock);
			up_write(&att->pt_sem);
			if (fatal_signal_pending(current)) {
				ret = VM_FAULT_NOPAGE;
				break;
			}
			cond_resched();
			continue;
		}
		if (att->dead)
			ret = VM_FAULT_SIGBUS;
		else
			ret = xpmem_insert_pmd(vmf, pfn0, wr);
		mutex_unlock(&att->lock);
		up_write(&att->pt_sem);
		break;
	}

	xpmem_mmput_async(owner);
	return ret;
}
#endif /* XPMEM_HUGE_PMD */

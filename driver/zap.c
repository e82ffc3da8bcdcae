// SPDX-License-Identifier: GPL-2.0-only
/*
 * zap.c - removing an attacher's entries: the interval notifiers, the
 * kills of REMOVE and RELEASE, and the zaps they make.
 *
 * Every attachment has two interval notifiers:
 *
 * - att->notifier, on the owner's mm over the source range. Whatever the
 *   event (munmap, fork's write protection, mprotect, migration, reclaim,
 *   COW, exit...), the attacher's entries of the intersection are zapped:
 *   filtering by event would, for example, let the attacher keep writing a
 *   page the owner now shares copy-on-write with a child.
 *   MMU_NOTIFY_RELEASE (the owner's mm is going away) also makes the
 *   attachment dead, so the attacher's next access raises SIGBUS.
 *
 * - att->vma_notifier, on the attacher's mm over the attachment's VMA. An
 *   attachment has one VMA (it cannot be split, and a refused mremap
 *   moves its page tables back), which the attachment tracks itself
 *   (att->vma, set by ->mmap, cleared by ->close), so that its entries are
 *   zapped with zap_vma_ptes() on that VMA: no i_mmap_rwsem, no mmap_lock
 *   of the attacher. The VMA and its page tables must then outlive every
 *   zap. munmap, exit and mremap free or move the page tables before
 *   ->close, but each first sends MMU_NOTIFY_UNMAP (exit first
 *   MMU_NOTIFY_RELEASE) over the VMA: this notifier then zaps the whole
 *   VMA and marks the attachment frozen, under att->zap_lock, which every
 *   zap holds but the 2 MiB write fault's own (xpmem_zap_own(), under
 *   the attacher's mmap_lock, which no freeze runs beside). A frozen
 *   attachment has no entries and no zap touches its VMA. It is born
 *   frozen (->mmap); only a fault thaws it, under the
 *   same locks, before it inserts: the first fault, or one after a
 *   refused mremap, whose page tables are back in place. The events that
 *   freeze run with the attacher's mmap_lock held for write, or after the
 *   VMA left the tree, or at exit, so no fault runs between a freeze and
 *   the end of the VMA. The first thaw waits until this notifier is in
 *   the mm's interval tree: inserted while an invalidation of the
 *   attacher's mm runs, an interval notifier waits on a deferred list
 *   until the last one ends, and would meanwhile miss the UNMAP it must
 *   freeze on (att->watched, xpmem_zap_thaw()).
 *
 * A zap is an invalidation of the attacher's mm (zap_vma_ptes() runs its
 * notifiers: a KVM or RDMA mapping of the window must go too). Run from
 * a notifier, it would nest an invalidate_range_start() inside another,
 * which lockdep takes for recursion of one lock (all invalidations share
 * __mmu_notifier_invalidate_range_start_map). So the notifiers have it
 * done by a worker of xpmem_zap_wq and wait for its completion
 * (xpmem_zap_wait()); REMOVE and RELEASE, which run in no invalidation,
 * and the 2 MiB write fault, zap in place. Why the wait cannot deadlock
 * is written in docs/design.md ("Coherence protocol", "The zap worker");
 * in short: the worker takes only att->zap_lock (which nothing holds
 * while waiting for anything), the attacher's page table locks, and runs
 * the invalidation callbacks of the attacher's mm, which the kernel's
 * notifier rules already forbid to depend on anything held across an
 * invalidate_range_start(); our own callbacks in it return at once.
 *
 * Locks owned here (the order is in xpmem_internal.h):
 *
 * att->zap_lock (mutex)
 *	Held by every zap of att->vma, around it. Protects att->vma; with
 *	att->lock, att->frozen (written under both, read under either). Never
 *	taken by a notifier callback (only by the workers they wait for),
 *	so that nothing held across an invalidate_range_start() is taken in
 *	one (lockdep checks it: a zap is an invalidation under this lock).
 *	Taken by faults (under the attacher's mmap_lock) only to thaw, with
 *	nothing taken under it but att->lock.
 * xpmem_zappers[].lock (spinlock)
 *	Protects its bucket. Innermost: nothing is taken under it.
 *
 * Nothing here calls into the other files of the driver: attach.c,
 * fault.c, segment.c, permit.c and main.c call in.
 */

#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/lockdep.h>
#include <linux/hash.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/completion.h>

#include "xpmem_internal.h"
#include "xpmem_trace.h"

/*
 * The zap workers. WQ_MEM_RECLAIM: the waiter may be reclaim itself,
 * and a worker must be at hand when no new kworker can be created.
 * WQ_UNBOUND: a zap has no use for the waiter's CPU (and 7.x warns about
 * a workqueue that says neither WQ_UNBOUND nor WQ_PERCPU, which older
 * kernels lack).
 */
static struct workqueue_struct *xpmem_zap_wq;

/*
 * Zaps in progress, by task.
 *
 * Zapping an attacher's entries runs the notifiers of the attacher's mm
 * over the attachment's range. An attachment whose source range covers
 * that range (a process exporting its whole address space covers its own
 * attachments) would then zap again, and again, until the stack
 * overflows (or, with the worker, wait for a worker from a worker). The
 * invalidations that nest inside one of our zaps are over the attachment
 * VMA being zapped (the zap's own, and a 2 MiB split's, whose block lies
 * inside the VMA): VM_PFNMAP | VM_IO, from which hmm_range_fault() never
 * lets an attachment map pages, so no attachment has entries to drop for
 * them, and both notifiers skip them. The zapping task is the worker, or
 * the task of an in-place zap. Only an invalidation of that task over
 * that VMA's mm and range is skipped: any other one the task might start
 * meanwhile (an allocation's direct reclaim, say) is not nested in the
 * zap and is handled as usual.
 *
 * The table is sharded by task so that zaps of unrelated tasks do not
 * share a lock.
 */
#define XPMEM_ZAPPERS_BITS	6

static struct xpmem_zap_bucket {
	spinlock_t lock;		/* protects head */
	struct hlist_head head;
} xpmem_zappers[1 << XPMEM_ZAPPERS_BITS] = {
	[0 ... (1 << XPMEM_ZAPPERS_BITS) - 1] = {
		.lock = __SPIN_LOCK_UNLOCKED(xpmem_zappers.lock),
	},
};

/* A zap in progress in a task, over a VMA of mm [start, end). */
struct xpmem_zapper {
	struct hlist_node node;
	struct task_struct *task;
	struct mm_struct *mm;
	unsigned long start;
	unsigned long end;
};

static struct xpmem_zap_bucket *xpmem_zap_bucket(void)
{
	return &xpmem_zappers[hash_ptr(current, XPMEM_ZAPPERS_BITS)];
}

/*
 * Record that the current task starts a zap of @vma (@z valid until the
 * end).
 */
static void xpmem_zapper_begin(struct xpmem_zapper *z,
			       struct vm_area_struct *vma)
{
	struct xpmem_zap_bucket *b = xpmem_zap_bucket();

	z->task = current;
	z->mm = vma->vm_mm;
	z->start = vma->vm_start;
	z->end = vma->vm_end;
	spin_lock(&b->lock);
	hlist_add_head(&z->node, &b->head);
	spin_unlock(&b->lock);
}

static void xpmem_zapper_end(struct xpmem_zapper *z)
{
	struct xpmem_zap_bucket *b = xpmem_zap_bucket();

	spin_lock(&b->lock);
	hlist_del(&z->node);
	spin_unlock(&b->lock);
}

/* @range is nested in a zap the current task is doing. */
static bool xpmem_zapping(const struct mmu_notifier_range *range)
{
	struct xpmem_zap_bucket *b = xpmem_zap_bucket();
	struct xpmem_zapper *z;
	bool found = false;

	spin_lock(&b->lock);
	hlist_for_each_entry(z, &b->head, node) {
		if (z->task == current && z->mm == range->mm &&
		    range->start >= z->start && range->end <= z->end) {
			found = true;
			break;
		}
	}
	spin_unlock(&b->lock);
	return found;
}

/*
 * Zap pages [first, first + count) of the window, unless the attachment
 * is frozen (its VMA may be gone; it has no entries).
 */
static void xpmem_att_zap_locked(struct xpmem_att *att, unsigned long first,
				 unsigned long count)
{
	struct vm_area_struct *vma = att->vma;
	struct xpmem_zapper z;
	unsigned long addr;

	lockdep_assert_held(&att->zap_lock);
	if (att->frozen)
		return;
	addr = vma->vm_start + (first << PAGE_SHIFT);
	trace_xpmem_zap(xpmem_seg_id(att->permit->seg),
			pid_nr(att->ctx->pid), addr, count);
	xpmem_zapper_begin(&z, vma);
	xpmem_zap_vma_range(vma, addr, count << PAGE_SHIFT);
	xpmem_zapper_end(&z);
}

/* Zap the whole VMA and freeze: see the top of this file. */
static void xpmem_att_freeze_locked(struct xpmem_att *att)
{
	lockdep_assert_held(&att->zap_lock);
	if (att->frozen)
		return;
	xpmem_att_zap_locked(att, 0, att->npages);
	mutex_lock(&att->lock);
	att->frozen = true;
	mutex_unlock(&att->lock);
}

/* A zap handed to a worker by a notifier, on the notifier's stack. */
struct xpmem_zap_work {
	struct work_struct work;
	struct completion done;
	struct xpmem_att *att;
	unsigned long first;
	unsigned long count;
	bool freeze;
};

static void xpmem_zap_work_fn(struct work_struct *work)
{
	struct xpmem_zap_work *zw = container_of(work, struct xpmem_zap_work,
						 work);
	struct xpmem_att *att = zw->att;

	mutex_lock(&att->zap_lock);
	if (zw->freeze)
		xpmem_att_freeze_locked(att);
	else
		xpmem_att_zap_locked(att, zw->first, zw->count);
	mutex_unlock(&att->zap_lock);
	/* The waiter's stack frame, zw included, may go once this returns. */
	complete(&zw->done);
}

/*
 * Have a worker zap pages [first, first + count) of the window (or the
 * whole VMA and freeze it) and wait until it has. A completion, not
 * flush_work(): lockdep would take flush_work() inside an invalidation
 * for a dependency of every invalidation on the workqueue, whose worker
 * runs one (the zap). That cycle closes only if a callback of the
 * worker's invalidation waits for this workqueue; ours skip it (they see
 * a zapper) and no one else queues work here. See docs/design.md.
 *
 * Context: a blockable invalidation callback; att->zap_lock not held.
 */
static void xpmem_zap_wait(struct xpmem_att *att, unsigned long first,
			   unsigned long count, bool freeze)
{
	struct xpmem_zap_work zw = {
		.att = att,
		.first = first,
		.count = count,
		.freeze = freeze,
	};

	INIT_WORK_ONSTACK(&zw.work, xpmem_zap_work_fn);
	init_completion(&zw.done);
	queue_work(xpmem_zap_wq, &zw.work);
	wait_for_completion(&zw.done);
	destroy_work_on_stack(&zw.work);
}

/*
 * A non-blockable invalidation (only the OOM reaper's) of either notifier
 * of @att: the zap sleeps, so the range may be passed only if @att has
 * no entries, i.e. is frozen (see the owner's notifier below).
 */
static bool xpmem_frozen_nonblock(struct xpmem_att *att,
				  struct mmu_interval_notifier *mni,
				  unsigned long cur_seq)
{
	bool frozen;

	if (!mutex_trylock(&att->lock))
		return false;
	frozen = att->frozen;
	if (frozen)
		mmu_interval_set_seq(mni, cur_seq);
	mutex_unlock(&att->lock);
	return frozen;
}

/*
 * The owner's notifier: zap what the attacher maps of the range.
 */
static bool xpmem_invalidate(struct mmu_interval_notifier *mni,
			     const struct mmu_notifier_range *range,
			     unsigned long cur_seq)
{
	struct xpmem_att *att = container_of(mni, struct xpmem_att, notifier);
	unsigned long src_end = att->src_start + (att->npages << PAGE_SHIFT);
	unsigned long start, end;
	bool frozen;

	/*
	 * Only the OOM reaper calls us non-blockable. The zap sleeps, so
	 * the reaper must skip a range we may have entries of; but a frozen
	 * attachment (no VMA yet, or its VMA is going or gone) has none,
	 * and no fault can thaw it and insert before this invalidation ends
	 * (it thaws under att->lock, then sees the new sequence). Dead
	 * attachments have left the tree (xpmem_att_kill()).
	 */
	if (!mmu_notifier_range_blockable(range))
		return xpmem_frozen_nonblock(att, mni, cur_seq);

	/* Nested in our own zap: over an attachment VMA, nothing to do. */
	if (xpmem_zapping(range))
		return true;

	mutex_lock(&att->lock);
	mmu_interval_set_seq(mni, cur_seq);
	if (range->event == MMU_NOTIFY_RELEASE)
		att->dead = true;
	frozen = att->frozen;
	mutex_unlock(&att->lock);

	start = max(range->start, att->src_start) & PAGE_MASK;
	end = min(range->end, src_end);
	if (frozen || start >= end)
		return true;

	xpmem_zap_wait(att, (start - att->src_start) >> PAGE_SHIFT,
		       (PAGE_ALIGN(end) - start) >> PAGE_SHIFT, false);
	return true;
}

const struct mmu_interval_notifier_ops xpmem_notifier_ops = {
	.invalidate = xpmem_invalidate,
};

/*
 * The attacher's notifier: before munmap, exit or mremap takes the VMA's
 * page tables away, zap the VMA and freeze the attachment.
 *
 * Only MMU_NOTIFY_UNMAP (unmap_vmas() of munmap, exit and a failed
 * mmap_region(); move_page_tables() of mremap) and MMU_NOTIFY_RELEASE
 * (exit) precede the end or the move of the VMA's page tables; the other
 * events over an attachment VMA leave them in place (mprotect changes
 * the entries there, clear_refs their soft-dirty bits) or are our own
 * zaps (MMU_NOTIFY_CLEAR). madvise and the OOM reaper never zap a
 * VM_PFNMAP VMA.
 */
static bool xpmem_vma_invalidate(struct mmu_interval_notifier *mni,
				 const struct mmu_notifier_range *range,
				 unsigned long cur_seq)
{
	struct xpmem_att *att = container_of(mni, struct xpmem_att,
					     vma_notifier);
	bool frozen;

	if (range->event != MMU_NOTIFY_UNMAP &&
	    range->event != MMU_NOTIFY_RELEASE)
		return true;

	if (!mmu_notifier_range_blockable(range))
		return xpmem_frozen_nonblock(att, mni, cur_seq);

	if (xpmem_zapping(range))
		return true;

	/*
	 * Frozen already (the VMA is gone, or this is the second event of
	 * an exit): it stays so, no fault can run now (see the top).
	 */
	mutex_lock(&att->lock);
	mmu_interval_set_seq(mni, cur_seq);
	frozen = att->frozen;
	mutex_unlock(&att->lock);
	if (!frozen)
		xpmem_zap_wait(att, 0, att->npages, true);
	return true;
}

static const struct mmu_interval_notifier_ops xpmem_vma_notifier_ops = {
	.invalidate = xpmem_vma_invalidate,
};

/**
 * xpmem_zap_track() - make @vma the attachment's VMA and watch it
 * @att: the attachment of the ATTACH in progress
 * @vma: its new VMA, not yet in the tree (->mmap)
 *
 * Inserts the attacher's notifier over the VMA. The attachment stays
 * frozen until its first fault: nothing is mapped before, and no zap
 * touches a VMA that is not in the tree yet. The attacher's mm has its
 * notifier tree since the open of the device (xpmem_mm_prepare() in
 * main.c), so the insertion neither allocates nor takes
 * mm_take_all_locks().
 *
 * Context: the attacher's mmap_lock held for write.
 * Return: 0, or the error of mmu_interval_notifier_insert_locked().
 */
int xpmem_zap_track(struct xpmem_att *att, struct vm_area_struct *vma)
{
	int ret;

	lockdep_assert_held_write(&vma->vm_mm->mmap_lock);
	ret = mmu_interval_notifier_insert_locked(&att->vma_notifier,
						  vma->vm_mm, vma->vm_start,
						  vma->vm_end - vma->vm_start,
						  &xpmem_vma_notifier_ops);
	if (ret)
		return ret;
	att->watching = true;

	mutex_lock(&att->zap_lock);
	att->vma = vma;
	mutex_unlock(&att->zap_lock);
	return 0;
}

/**
 * xpmem_zap_untrack() - a VMA of the attachment is closed
 * @att: the attachment
 * @vma: the VMA (the attachment's own, or the copy of a refused mremap);
 *	NULL for whichever it was, when mmap_region() failed after ->mmap
 *	and freed the VMA without closing it
 *
 * If @vma is the attachment's VMA, forget it. Its page tables are gone
 * and its entries with them (after the attacher's notifier froze it,
 * or, when mmap_region() fails after ->mmap, before any fault could map
 * anything): frozen, with no VMA, the attachment is never zapped again.
 *
 * Context: the attacher's mmap_lock held for write (->close), or the
 * failed ATTACH.
 */
void xpmem_zap_untrack(struct xpmem_att *att, struct vm_area_struct *vma)
{
	mutex_lock(&att->zap_lock);
	if (!vma || att->vma == vma) {
		att->vma = NULL;
		mutex_lock(&att->lock);
		att->frozen = true;
		mutex_unlock(&att->lock);
	}
	mutex_unlock(&att->zap_lock);
}

/**
 * xpmem_zap_release() - stop watching the attacher's mm
 * @att: the attachment, being freed
 *
 * Waits for an invalidation of the attacher's mm in progress, if any;
 * none calls the attacher's notifier afterwards.
 *
 * Context: process context; the attacher's mmap_lock may be held (the
 * last ->close): invalidations never wait for it.
 */
void xpmem_zap_release(struct xpmem_att *att)
{
	if (att->watching) {
		mmu_interval_notifier_remove(&att->vma_notifier);
		att->watching = false;
	}
}

/**
 * xpmem_zap_thaw() - let a fault map a frozen attachment again
 * @att: the attachment
 * @vma: the faulting VMA
 *
 * Called by every fault before it inserts anything. An attachment is
 * found frozen by its first fault, and after a refused mremap (its page
 * tables are back): thawed under att->lock, it is zapped by every
 * invalidation that sets its sequence after that, and the fault sees the
 * sequence of any that set it before. The first thaw waits, if need be,
 * for the attacher's notifier to reach the interval tree (see the top of
 * this file), so that a thawed attachment is always frozen by the UNMAP
 * or RELEASE that comes before its page tables go. READ_ONCE() is enough for the common case: the
 * freezes that matter to this fault happened under the attacher's
 * mmap_lock for write, before the fault took it.
 *
 * Context: the attacher's mmap_lock held (a fault).
 * Return: false if @vma is not the attachment's VMA (nothing may be
 * mapped there), true otherwise.
 */
bool xpmem_zap_thaw(struct xpmem_att *att, struct vm_area_struct *vma)
{
	bool ok;

	xpmem_assert_mmap_locked(vma->vm_mm);
	if (!READ_ONCE(att->frozen))
		return true;
	/*
	 * mmu_interval_notifier_insert_locked() may have left the attacher's
	 * notifier on the deferred list (an invalidation of this mm was
	 * running): mmu_interval_read_begin() returns once it is in the
	 * tree. Not under att->zap_lock: the invalidations it waits for may
	 * wait for a zap worker.
	 */
	if (!smp_load_acquire(&att->watched)) {	/* pairs with below */
		mmu_interval_read_begin(&att->vma_notifier);
		/* watched: read_begin() has seen the notifier in the tree */
		smp_store_release(&att->watched, true);
	}
	mutex_lock(&att->zap_lock);
	ok = att->vma == vma;
	if (ok) {
		mutex_lock(&att->lock);
		att->frozen = false;
		mutex_unlock(&att->lock);
	}
	mutex_unlock(&att->zap_lock);
	return ok;
}

/**
 * xpmem_zap_own() - zap part of the faulting VMA, in place
 * @vma: the attachment's VMA
 * @addr: start of the range (page aligned, inside @vma)
 * @size: its length
 *
 * For the write fault on a read-only 2 MiB leaf (fault.c): the VMA and
 * its page tables are held by the fault's mmap_lock, the fault runs in
 * no invalidation. The invalidations nested in the zap are skipped.
 *
 * Context: the attacher's mmap_lock held (a fault).
 */
void xpmem_zap_own(struct vm_area_struct *vma, unsigned long addr,
		   unsigned long size)
{
	struct xpmem_zapper z;

	xpmem_assert_mmap_locked(vma->vm_mm);
	xpmem_zapper_begin(&z, vma);
	xpmem_zap_vma_range(vma, addr, size);
	xpmem_zapper_end(&z);
}

/**
 * xpmem_att_kill() - make an attachment dead, zap its entries, and take
 *	it out of the owner's notifier tree
 * @att: the attachment (on the segment's list)
 *
 * Called by REMOVE, RELEASE and the release of the owner's context.
 * Later faults in the window raise SIGBUS; the VMA stays until unmapped,
 * but nothing of it weighs on the owner any more: a dead attachment has
 * no entries to zap, so its notifier would only cost the owner's
 * invalidations (and make the OOM reaper skip the range). The zap is
 * done in place: the caller runs in no invalidation.
 *
 * Context: process context, in no invalidation; the segment's lock held.
 * Waits for the owner's invalidation in progress, if any (which never
 * takes seg->lock).
 */
void xpmem_att_kill(struct xpmem_att *att)
{
	lockdep_assert_held(&att->permit->seg->lock);
	mutex_lock(&att->lock);
	att->dead = true;
	mutex_unlock(&att->lock);

	/* Faults check att->dead under the locks the zap takes: none maps. */
	mutex_lock(&att->zap_lock);
	xpmem_att_zap_locked(att, 0, att->npages);
	mutex_unlock(&att->zap_lock);

	if (att->registered) {
		mmu_interval_notifier_remove(&att->notifier);
		att->registered = false;
		atomic_long_dec(&xpmem_nr_notifiers);
	}
}

/**
 * xpmem_zap_init() - create the zap workqueue
 *
 * Return: 0 or -ENOMEM.
 */
int xpmem_zap_init(void)
{
	xpmem_zap_wq = alloc_workqueue("xpmem_zap", WQ_MEM_RECLAIM | WQ_UNBOUND, 0);
	return xpmem_zap_wq ? 0 : -ENOMEM;
}

/**
 * xpmem_zap_cleanup() - destroy the zap workqueue
 *
 * Context: no attachment is left (every context is released).
 */
void xpmem_zap_cleanup(void)
{
	destroy_workqueue(xpmem_zap_wq);
}

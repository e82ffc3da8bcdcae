// SPDX-License-Identifier: GPL-2.0-only
/*
 * zap.c - removing an attacher's entries: the interval notifier on the
 * owner's mm, the kills of REMOVE and RELEASE, and the zap they share.
 *
 * Every attachment has an interval notifier on the owner's mm over its
 * source range. Whatever the event (munmap, fork's write protection,
 * mprotect, migration, reclaim, COW, exit...), the attacher's entries of
 * the intersection are zapped: filtering by event would, for example, let
 * the attacher keep writing a page the owner now shares copy-on-write
 * with a child. MMU_NOTIFY_RELEASE (the owner's mm is going away) also
 * makes the attachment dead, so the attacher's next access raises SIGBUS.
 *
 * The zap goes through the attaching context's mapping
 * (unmap_mapping_pages()) and never takes the attacher's mmap_lock; see
 * docs/design.md and the lock order in fault.c. Locking: att->lock (see
 * attach.c), briefly, to publish the sequence.
 *
 * Nothing here calls into the other files of the driver: attach.c,
 * fault.c, segment.c and permit.c call in.
 */

#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/lockdep.h>
#include <linux/hash.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

#include "xpmem_internal.h"

/*
 * Zaps in progress, by task.
 *
 * Zapping an attacher's entries runs the notifiers of the attacher's mm
 * over the attachment's range. An attachment whose source range covers
 * that range (a process exporting its whole address space covers its own
 * attachments) would then zap again, and again, until the stack
 * overflows. Every invalidation that nests inside one of our zaps is over
 * an attachment VMA (VM_PFNMAP | VM_IO: hmm_range_fault() never lets an
 * attachment map pages from one), so no attachment has entries to drop
 * for it and xpmem_invalidate() skips it.
 *
 * The table is sharded by task so that zaps of unrelated tasks do not
 * share a lock.
 *
 * xpmem_zappers[].lock (spinlock)
 *	Protects its bucket. Innermost: nothing is taken under it.
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

static struct xpmem_zap_bucket *xpmem_zap_bucket(void)
{
	return &xpmem_zappers[hash_ptr(current, XPMEM_ZAPPERS_BITS)];
}

/**
 * xpmem_zap_enter() - record that the current task starts a zap
 * @z: an entry on the caller's stack, valid until xpmem_zap_exit()
 */
void xpmem_zap_enter(struct xpmem_zapper *z)
{
	struct xpmem_zap_bucket *b = xpmem_zap_bucket();

	z->task = current;
	spin_lock(&b->lock);
	hlist_add_head(&z->node, &b->head);
	spin_unlock(&b->lock);
}

/**
 * xpmem_zap_exit() - the zap recorded in @z is over
 * @z: the entry given to xpmem_zap_enter()
 */
void xpmem_zap_exit(struct xpmem_zapper *z)
{
	struct xpmem_zap_bucket *b = xpmem_zap_bucket();

	spin_lock(&b->lock);
	hlist_del(&z->node);
	spin_unlock(&b->lock);
}

static bool xpmem_zapping(void)
{
	struct xpmem_zap_bucket *b = xpmem_zap_bucket();
	struct xpmem_zapper *z;
	bool found = false;

	spin_lock(&b->lock);
	hlist_for_each_entry(z, &b->head, node) {
		if (z->task == current) {
			found = true;
			break;
		}
	}
	spin_unlock(&b->lock);
	return found;
}

/**
 * xpmem_att_zap() - remove the attacher's entries of part of a window
 * @att: the attachment (mapped)
 * @first: first page index within the window
 * @count: number of pages
 *
 * Goes through the context's mapping, so it never takes the attacher's
 * mmap_lock; safe against a concurrent munmap, which takes the VMA out
 * of the mapping before freeing its page tables. Invalidations nested in
 * the zap are skipped (see xpmem_invalidate()).
 */
void xpmem_att_zap(struct xpmem_att *att, unsigned long first,
		   unsigned long count)
{
	struct xpmem_zapper z;

	xpmem_zap_enter(&z);
	xpmem_unmap_mapping_pages(att->ctx->inode->i_mapping,
				  att->pgoff + first, count);
	xpmem_zap_exit(&z);
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
 * invalidations (and make the OOM reaper skip the range).
 *
 * Context: process context; the segment's lock held. Waits for the
 * owner's invalidation in progress, if any (which never takes seg->lock).
 */
void xpmem_att_kill(struct xpmem_att *att)
{
	bool mapped;

	lockdep_assert_held(&att->permit->seg->lock);
	mutex_lock(&att->lock);
	att->dead = true;
	mapped = att->mapped;
	mutex_unlock(&att->lock);

	if (mapped)
		xpmem_att_zap(att, 0, att->npages);
	/* Faults check att->dead under the locks the zap took: none maps. */
	if (att->registered) {
		mmu_interval_notifier_remove(&att->notifier);
		att->registered = false;
		atomic_long_dec(&xpmem_nr_notifiers);
	}
}

static bool xpmem_invalidate(struct mmu_interval_notifier *mni,
			     const struct mmu_notifier_range *range,
			     unsigned long cur_seq)
{
	struct xpmem_att *att = container_of(mni, struct xpmem_att, notifier);
	unsigned long src_end = att->src_start + (att->npages << PAGE_SHIFT);
	unsigned long start, end;
	bool mapped;

	/*
	 * Only the OOM reaper calls us non-blockable. Zapping needs the
	 * context's i_mmap_rwsem, so the reaper must skip a range we may
	 * have entries of; but an attachment that has no VMA yet has none,
	 * and no fault can give it one before this invalidation ends
	 * (mmu_interval_read_begin() waits for it). Dead attachments have
	 * left the tree (xpmem_att_kill()).
	 */
	if (!mmu_notifier_range_blockable(range)) {
		if (!mutex_trylock(&att->lock))
			return false;
		mapped = att->mapped;
		if (!mapped)
			mmu_interval_set_seq(mni, cur_seq);
		mutex_unlock(&att->lock);
		return !mapped;
	}

	/* Nested in our own zap: over an attachment VMA, nothing to do. */
	if (xpmem_zapping())
		return true;

	mutex_lock(&att->lock);
	mmu_interval_set_seq(mni, cur_seq);
	if (range->event == MMU_NOTIFY_RELEASE)
		att->dead = true;
	mapped = att->mapped;
	mutex_unlock(&att->lock);

	start = max(range->start, att->src_start) & PAGE_MASK;
	end = min(range->end, src_end);
	if (!mapped || start >= end)
		return true;

	/*
	 * The zap calls mmu_notifier_invalidate_range_start() on the
	 * attacher's mm from inside the owner's invalidation. Nesting on
	 * different mms (or on the same one, which the interval tree
	 * counts) is fine, but lockdep models every invalidation as one
	 * lock and would report recursion: keep it out of the zap.
	 */
	lockdep_off();
	xpmem_att_zap(att, (start - att->src_start) >> PAGE_SHIFT,
		      (PAGE_ALIGN(end) - start) >> PAGE_SHIFT);
	lockdep_on();
	return true;
}

const struct mmu_interval_notifier_ops xpmem_notifier_ops = {
	.invalidate = xpmem_invalidate,
};

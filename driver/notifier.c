// SPDX-License-Identifier: GPL-2.0-only
/*
 * notifier.c - invalidation of attachments when the owner's range changes.
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
 */

#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/lockdep.h>

#include "xpmem_internal.h"

static bool xpmem_invalidate(struct mmu_interval_notifier *mni,
			     const struct mmu_notifier_range *range,
			     unsigned long cur_seq)
{
	struct xpmem_att *att = container_of(mni, struct xpmem_att, notifier);
	unsigned long src_end = att->src_start + (att->npages << PAGE_SHIFT);
	unsigned long start, end;
	bool mapped;

	/*
	 * Only the OOM reaper calls us non-blockable; zapping needs the
	 * context's i_mmap_rwsem, so let it skip this range.
	 */
	if (!mmu_notifier_range_blockable(range))
		return false;

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

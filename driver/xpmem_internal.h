/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xpmem_internal.h - objects shared by the files of the xpmem module.
 *
 * Objects and their references:
 *
 *   context (struct xpmem_ctx, main.c): one per open of /dev/xpmem, bound
 *     to the opener's mm. Freed when the file is released, which happens
 *     only after every attachment VMA made through it is gone (each VMA
 *     holds the file).
 *   segment (struct xpmem_seg, segment.c): refcounted. The global segid
 *     xarray holds one reference while the segment is live; every permit
 *     holds one.
 *   permit (struct xpmem_permit, permit.c): refcounted. The context's apid
 *     xarray holds one reference until RELEASE; every attachment holds one.
 *   attachment (struct xpmem_att, attach.c): owned by its VMA (refcounted
 *     by VMA copies through ->open/->close); freed by the last ->close or
 *     by a failed ATTACH.
 *
 * Which lock protects what is written at the top of the file that owns
 * the lock: ctx->lock and ctx->attach_mutex in main.c, seg->lock in
 * segment.c, att->lock in attach.c, att->pt_sem in fault.c,
 * att->zap_lock and the zapper table in zap.c.
 *
 * Lock order, the one table of it (fault.c, zap.c and docs/design.md
 * point here). "A -> B": B is taken, or waited for, while A is held.
 * [Brackets]: the kernel's. "inv(mm)": an invalidation of mm, i.e. its
 * notifiers' callbacks (lockdep: __mmu_notifier_invalidate_range_start_map).
 *
 *   ctx->attach_mutex                     ATTACH, around vm_mmap()
 *     -> [attacher mmap_lock (write)]     ->mmap, and the rest below
 *   [attacher mmap_lock]                  read: fault; write: ->mmap, ->close
 *     -> [owner mmap_lock]                read, trylock only, released
 *                                         before anything is inserted
 *     -> att->zap_lock                    thaw (fault), track (->mmap),
 *          -> att->lock                   untrack (->close)
 *     -> att->pt_sem                      read: PTE path (allocates page
 *                                         tables); write: PMD path
 *          -> [attacher PTE lock]         PTE path: sequence check, insert
 *          -> att->lock                   PMD path: sequence check
 *               -> [PMD lock]             inside vmf_insert_pfn_pmd()
 *     -> inv(attacher)                    the 2 MiB write fault's own zap
 *     -> seg->lock                        the last ->close frees the
 *          -> [owner's notifier removal]  attachment; the removal waits for
 *                                         an invalidation of the owner
 *   seg->lock                             REMOVE, RELEASE, context release
 *     -> att->lock                        the kill sets dead
 *     -> att->zap_lock                    the kill zaps in place
 *          -> inv(attacher), [attacher PTE and PMD locks]
 *   inv(owner or attacher)                callers hold any of: an mmap_lock,
 *                                         an anon_vma lock, an i_mmap_rwsem,
 *                                         a folio lock; or are reclaim
 *     -> att->lock                        sequence, dead, frozen (briefly)
 *     -> wait for a zap worker            a completion, not a lock: see
 *                                         zap.c and docs/design.md
 *   zap worker (xpmem_zap_wq)
 *     -> att->zap_lock
 *          -> att->lock                   freeze
 *          -> inv(attacher)               ours return at once (zapper)
 *          -> [attacher PTE and PMD locks]
 *   xpmem_zappers[].lock, ctx->lock, policy.c's locks: leaves.
 *
 * Never in an invalidation callback: att->zap_lock, seg->lock, any
 * mmap_lock, any i_mmap_rwsem (the old zap took the context's, under the
 * callers' anon_vma and i_mmap locks: issue 11), memory allocation.
 */
#ifndef XPMEM_INTERNAL_H
#define XPMEM_INTERNAL_H

#include <linux/types.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>
#include <linux/mm_types.h>
#include <linux/mmu_notifier.h>
#include <linux/uidgid.h>
#include <linux/atomic.h>
#include <linux/kernel.h>

#include <xpmem/xpmem_uapi.h>

#include "compat.h"

/*
 * Ids handed to user space (segids, apids) are positive 64-bit values:
 * bits 0-30 are the index of the object in its table (1..INT_MAX), bits
 * 32-62 a tag in 1..INT_MAX. A segid's tag is drawn at random for its
 * segment, so that live segids cannot be enumerated by counting; an
 * apid's tag is its context's, unique among live contexts, so that an
 * apid names nothing in any other process, whatever its index. An id
 * whose tag does not match is treated as one that never existed.
 */
#define XPMEM_ID_TAG_SHIFT	32

static inline s64 xpmem_id_make(u32 tag, u32 index)
{
	return (s64)tag << XPMEM_ID_TAG_SHIFT | index;
}

static inline bool xpmem_id_split(s64 id, u32 *tag, u32 *index)
{
	u64 v = id;

	*index = lower_32_bits(v);
	*tag = upper_32_bits(v);
	return id > 0 && *index && *index <= INT_MAX && *tag &&
	       *tag <= INT_MAX;
}

u32 xpmem_id_random_tag(void);

struct file;
struct inode;
struct pid;
struct user_namespace;
struct xpmem_att;
struct xpmem_user;

/* The objects counted per user against the caps of policy.c. */
enum xpmem_kind {
	XPMEM_SEGMENTS,
	XPMEM_PERMITS,
	XPMEM_ATTACHMENTS,
	XPMEM_NR_KINDS,
};

/**
 * struct xpmem_ctx - the state of one open of /dev/xpmem
 * @mm: the opener's mm (mmgrab'ed); commands are accepted only from it
 * @inode: private inode; the file's f_mapping points at its i_mapping
 * @file: the open file (not refcounted: the context lives inside it)
 * @lock: protects @segs
 * @segs: segments made through this context (struct xpmem_seg.ctx_node)
 * @permits: apid index -> struct xpmem_permit
 * @next_apid: cyclic allocation cursor of @permits
 * @tag: the tag of this context's apids (unique among live contexts)
 * @pid: the opener's thread group (referenced), for the owner checks
 * @attach_mutex: serialises ATTACH and guards @pending
 * @pending: the attachment whose VMA vm_mmap() is creating right now
 * @pending_task: the thread running that vm_mmap()
 */
struct xpmem_ctx {
	struct mm_struct *mm;
	struct inode *inode;
	struct file *file;

	struct mutex lock;		/* see main.c */
	struct list_head segs;
	struct xarray permits;
	u32 next_apid;
	u32 tag;
	struct pid *pid;

	struct mutex attach_mutex;	/* see main.c */
	struct xpmem_att *pending;
	struct task_struct *pending_task;
};

/**
 * struct xpmem_seg - an exported range of the owner's address space
 * @ref: references (segid table while live, permits)
 * @segid: the table index of the segment
 * @tag: the random tag of its segid
 * @vaddr: start of the range in the owner's mm (page aligned)
 * @size: size of the range (page aligned, non-zero)
 * @mode: permission bits within 0777
 * @euid: owner's effective uid at MAKE
 * @egid: owner's effective gid at MAKE
 * @user_ns: owner's user namespace (for CAP_IPC_OWNER)
 * @ipc_ns: inode number of the IPC namespace it was made in
 * @owner_pid: the owner's thread group (referenced)
 * @user: the maker's per-user counters (policy.c)
 * @mm: owner's mm (mmgrab'ed)
 * @owner: context that made it; only it may REMOVE
 * @ctx_node: entry in owner->segs (protected by owner->lock)
 * @nr_permits: permits of the segment not released yet (GET minus
 *	RELEASE; for the debugfs listing, info.c)
 * @lock: protects @removed and @atts
 * @removed: REMOVE (or the owner's release) has run
 * @atts: attachments of this segment (struct xpmem_att.seg_node)
 */
struct xpmem_seg {
	struct kref ref;
	u32 segid;
	u32 tag;
	unsigned long vaddr;
	unsigned long size;
	umode_t mode;
	kuid_t euid;
	kgid_t egid;
	struct user_namespace *user_ns;
	unsigned int ipc_ns;
	struct pid *owner_pid;
	struct xpmem_user *user;
	struct mm_struct *mm;
	struct xpmem_ctx *owner;
	struct list_head ctx_node;
	atomic_t nr_permits;

	struct mutex lock;		/* see segment.c */
	bool removed;
	struct list_head atts;
};

/* The segid user space knows @seg by (see xpmem_id_make()). */
static inline s64 xpmem_seg_id(const struct xpmem_seg *seg)
{
	return xpmem_id_make(seg->tag, seg->segid);
}

/**
 * struct xpmem_permit - the result of GET, valid in one context
 * @ref: references (apid table until RELEASE, attachments)
 * @apid: the index of the permit in its context's table
 * @seg: the segment (a reference is held)
 * @writable: XPMEM_RDWR was asked for and granted
 * @user: the getter's per-user counters (policy.c)
 * @released: RELEASE has run (protected by seg->lock)
 * @atts: attachments made through this permit (protected by seg->lock)
 */
struct xpmem_permit {
	struct kref ref;
	u32 apid;
	struct xpmem_seg *seg;
	bool writable;
	struct xpmem_user *user;
	bool released;
	struct list_head atts;
};

/**
 * struct xpmem_att - one attached window, mapped by one VMA
 * @notifier: interval notifier on the owner's mm over the source range
 * @vma_notifier: interval notifier on the attacher's mm over @vma (zap.c)
 * @ref: references (the ATTACH ioctl while it runs, each VMA)
 * @lock: protects @dead and, with @zap_lock, @frozen against the
 *	notifiers, and orders PTE insertion against invalidation
 * @dead: the segment or permit went away, or the owner's mm is gone;
 *	faults raise SIGBUS
 * @frozen: no entry is mapped and no zap touches @vma: no fault since
 *	the VMA was made, or it is being unmapped or moved, or gone (zap.c)
 * @zap_lock: held around every zap of @vma; protects @vma (zap.c)
 * @vma: the attachment's VMA, from ->mmap to its ->close
 * @mapped: the VMA was made (->mmap succeeded): @vaddr is valid
 * @vaddr: start of the VMA in the attacher's mm, valid with @mapped
 *	(written with it, under @lock): for the listing and the trace events
 * @ctx: the attaching context
 * @permit: the permit used (a reference is held)
 * @owner_mm: the segment owner's mm (kept by the notifier's mmgrab)
 * @src_start: first source address (page aligned)
 * @npages: number of pages of the window
 * @writable: the window may be mapped writable
 * @user: the attacher's per-user counters (policy.c)
 * @registered: @notifier is inserted
 * @watching: @vma_notifier is inserted
 * @linked: on the segment's and the permit's lists
 * @vma_count: VMAs holding a reference (a failed mremap copies one)
 * @nr_faulted: entries the faults created, in pages (a 2 MiB entry counts
 *	HPAGE_PMD_NR); never lowered, since a zap does not know how many
 *	entries it removes: for the listing (info.c) and xpmem_detach
 * @pt_sem: where 2 MiB entries are supported: held for read by the 4 KiB
 *	fault from the allocation of its page table to the insertion of its
 *	entries, for write by the 2 MiB fault around its insertion, so that
 *	no PTE table appears under a PMD leaf being inserted and no leaf
 *	under PTEs being inserted
 * @seg_node: entry in seg->atts
 * @permit_node: entry in permit->atts
 */
struct xpmem_att {
	struct mmu_interval_notifier notifier;
	struct mmu_interval_notifier vma_notifier;
	struct kref ref;
	struct mutex lock;		/* see attach.c */
	bool dead;
	bool frozen;
	bool watched;			/* vma_notifier in the tree: zap.c */
	struct mutex zap_lock;		/* see zap.c */
	struct vm_area_struct *vma;
	bool mapped;
	unsigned long vaddr;

	struct xpmem_ctx *ctx;
	struct xpmem_permit *permit;
	struct mm_struct *owner_mm;
	unsigned long src_start;
	unsigned long npages;
	bool writable;
	struct xpmem_user *user;
	bool registered;
	bool watching;
	bool linked;
	atomic_t vma_count;
	atomic_long_t nr_faulted;
#ifdef XPMEM_HUGE_PMD
	struct rw_semaphore pt_sem;	/* see fault.c */
#endif

	struct list_head seg_node;
	struct list_head permit_node;
};

/* Object counters (main.c), read through debugfs. */
extern atomic_long_t xpmem_nr_ctxs;
extern atomic_long_t xpmem_nr_segs;
extern atomic_long_t xpmem_nr_permits;
extern atomic_long_t xpmem_nr_atts;
/* Interval notifiers of attachments on owners' mms (attach.c). */
extern atomic_long_t xpmem_nr_notifiers;
/* 2 MiB entries inserted since the module was loaded (fault.c). */
extern atomic_long_t xpmem_nr_pmd_maps;

/* main.c */
extern unsigned int xpmem_fault_pages;
#ifdef XPMEM_HUGE_PMD
extern bool xpmem_huge_mappings;
#endif

/* segment.c */
void xpmem_segment_exit(void);
int xpmem_cmd_make(struct xpmem_ctx *ctx, struct xpmem_cmd_make __user *uarg);
int xpmem_cmd_remove(struct xpmem_ctx *ctx,
		     struct xpmem_cmd_remove __user *uarg);
struct xpmem_seg *xpmem_seg_lookup(s64 segid);
struct xpmem_seg *xpmem_seg_next(unsigned long *index);
void xpmem_seg_put(struct xpmem_seg *seg);
void xpmem_seg_remove_all(struct xpmem_ctx *ctx);

/* permit.c */
int xpmem_cmd_get(struct xpmem_ctx *ctx, struct xpmem_cmd_get __user *uarg);
int xpmem_cmd_release(struct xpmem_ctx *ctx,
		      struct xpmem_cmd_release __user *uarg);
struct xpmem_permit *xpmem_permit_lookup(struct xpmem_ctx *ctx, s64 apid);
void xpmem_permit_put(struct xpmem_permit *permit);
void xpmem_permit_release_all(struct xpmem_ctx *ctx);

/* attach.c */
int xpmem_cmd_attach(struct xpmem_ctx *ctx,
		     struct xpmem_cmd_attach __user *uarg);
int xpmem_cmd_detach(struct xpmem_ctx *ctx,
		     struct xpmem_cmd_detach __user *uarg);
int xpmem_mmap(struct file *file, struct vm_area_struct *vma);
#ifdef XPMEM_HUGE_PMD
unsigned long xpmem_get_unmapped_area(struct file *file, unsigned long addr,
				      unsigned long len, unsigned long pgoff,
				      unsigned long flags);
#endif

/* fault.c */
vm_fault_t xpmem_fault(struct vm_fault *vmf);
vm_fault_t xpmem_pfn_mkwrite(struct vm_fault *vmf);
#ifdef XPMEM_HUGE_PMD
vm_fault_t xpmem_huge_fault(struct vm_fault *vmf, unsigned int order);
#endif

/* policy.c */
struct xpmem_user *xpmem_user_charge(enum xpmem_kind kind,
				     const struct xpmem_seg *seg);
void xpmem_user_uncharge(struct xpmem_user *u, enum xpmem_kind kind);
unsigned int xpmem_ipc_ns_id(void);
bool xpmem_policy_visible(const struct xpmem_seg *seg);
int xpmem_policy_get(const struct xpmem_seg *seg, bool write);
int xpmem_policy_dumpable(const struct xpmem_seg *seg);
void xpmem_policy_exit(void);

/* info.c */
struct dentry;
void xpmem_info_init(struct dentry *dir);

/* zap.c */
extern const struct mmu_interval_notifier_ops xpmem_notifier_ops;
int xpmem_zap_init(void);
void xpmem_zap_cleanup(void);
int xpmem_zap_track(struct xpmem_att *att, struct vm_area_struct *vma);
void xpmem_zap_untrack(struct xpmem_att *att, struct vm_area_struct *vma);
void xpmem_zap_release(struct xpmem_att *att);
bool xpmem_zap_thaw(struct xpmem_att *att, struct vm_area_struct *vma);
void xpmem_zap_own(struct vm_area_struct *vma, unsigned long addr,
		   unsigned long size);
void xpmem_att_kill(struct xpmem_att *att);

#endif /* XPMEM_INTERNAL_H */

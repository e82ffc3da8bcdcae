// SPDX-License-Identifier: GPL-2.0-only
/*
 * attach.c - attachments: ATTACH, DETACH, ->mmap and the VMA operations.
 *
 * ATTACH registers an interval notifier on the owner's mm over the source
 * range, then creates the VMA with vm_mmap() on the context's own file.
 * The file's ->mmap accepts only that mapping (the context's pending
 * attachment, created by the same thread), turns it into a VM_PFNMAP |
 * VM_IO | VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP shared mapping and
 * hands it to zap.c, which tracks it (att->vma) and watches it with an
 * interval notifier on the attacher's mm, so that the owner's notifier
 * can zap exactly its entries.
 *
 * The VMA cannot be split (partial munmap/mprotect fail with EINVAL) or
 * moved (mremap fails with EINVAL, after the core has moved the page
 * tables and back); it is not inherited across fork. So an attachment
 * has one VMA, but while a refused mremap runs, when a copy exists. Its
 * ->close drops the attachment.
 *
 * Locking rules of the lock owned here:
 *
 * att->lock (mutex)
 *	Protects the writes of att->dead and of the notifier sequence (the
 *	notifier sets it under it), and with att->zap_lock those of
 *	att->frozen (zap.c). The 2 MiB fault checks the sequence and inserts
 *	its leaf under it; the PTE fault reads the sequence and att->dead
 *	under the attacher's page table lock instead (see fault.c: both are
 *	written before the zap that takes that lock). Nothing that allocates
 *	memory, sleeps on anything but a lock or takes an mmap_lock runs
 *	under it (reclaim can call the notifiers). Taken under seg->lock
 *	(killing), in the notifiers, under att->zap_lock (freezing, thawing)
 *	and under att->pt_sem (2 MiB fault).
 */

#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/slab.h>
#include <linux/sched/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/highmem.h>
#include <linux/delay.h>
#include <linux/overflow.h>
#include <linux/lockdep.h>
#include <linux/uaccess.h>

#include "xpmem_internal.h"
#include "xpmem_trace.h"

/* How hard ->access tries for the owner's mmap_lock (see there). */
#define XPMEM_ACCESS_TRIES	200

static const struct vm_operations_struct xpmem_vm_ops;

static void xpmem_att_free(struct kref *ref)
{
	struct xpmem_att *att = container_of(ref, struct xpmem_att, ref);
	struct xpmem_seg *seg = att->permit->seg;
	bool registered = att->registered;

	/* The last close of its VMA (DETACH, munmap, exit). */
	if (att->mapped)
		trace_xpmem_detach(xpmem_seg_id(seg),
				   att->vaddr, att->npages,
				   atomic_long_read(&att->nr_faulted));
	if (att->linked) {
		mutex_lock(&seg->lock);
		list_del(&att->seg_node);
		list_del(&att->permit_node);
		/* xpmem_att_kill() may have removed the notifier already. */
		registered = att->registered;
		mutex_unlock(&seg->lock);
	}
	/* Waits for a running invalidation; none runs afterwards. */
	if (registered) {
		mmu_interval_notifier_remove(&att->notifier);
		atomic_long_dec(&xpmem_nr_notifiers);
	}
	xpmem_zap_release(att);

	if (att->user)
		xpmem_user_uncharge(att->user, XPMEM_ATTACHMENTS);
	xpmem_permit_put(att->permit);
	mutex_destroy(&att->zap_lock);
	mutex_destroy(&att->lock);
	kfree(att);
	atomic_long_dec(&xpmem_nr_atts);
}

static void xpmem_att_put(struct xpmem_att *att)
{
	kref_put(&att->ref, xpmem_att_free);
}

/**
 * xpmem_mmap() - the file's ->mmap: accept only an ATTACH in progress
 * @file: the context's file
 * @vma: the VMA being created by vm_mmap() in xpmem_cmd_attach()
 *
 * Context: the opener's mmap_lock held for write (mmap_region()).
 * Return: 0, -ENODEV for any other mmap of /dev/xpmem, -EINVAL for a
 * private mapping or one of the wrong size, -EACCES for a writable one
 * through a read-only permit, or the error of xpmem_zap_track().
 */
int xpmem_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct xpmem_ctx *ctx = file->private_data;
	struct xpmem_att *att = READ_ONCE(ctx->pending);
	int ret;

	lockdep_assert_held_write(&vma->vm_mm->mmap_lock);
	/* Only the ATTACH thread can see its own pending_task. */
	if (!att || READ_ONCE(ctx->pending_task) != current ||
	    vma->vm_mm != ctx->mm)
		return -ENODEV;
	WRITE_ONCE(ctx->pending, NULL);

	if (!(vma->vm_flags & VM_SHARED) || vma_pages(vma) != att->npages)
		return -EINVAL;
	if ((vma->vm_flags & VM_WRITE) && !att->writable)
		return -EACCES;

	vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTCOPY | VM_DONTEXPAND |
		     VM_DONTDUMP);
	if (!att->writable)
		vm_flags_clear(vma, VM_MAYWRITE);
#ifdef XPMEM_HUGE_PMD
	/* ->huge_fault is called also where THP is enabled only by madvise. */
	if (READ_ONCE(xpmem_huge_mappings))
		vm_flags_set(vma, VM_HUGEPAGE);
#endif
	/* The last step that can fail: past it the VMA is watched (zap.c). */
	ret = xpmem_zap_track(att, vma);
	if (ret)
		return ret;

	mutex_lock(&att->lock);
	att->vaddr = vma->vm_start;
	att->mapped = true;
	mutex_unlock(&att->lock);

	vma->vm_ops = &xpmem_vm_ops;
	vma->vm_private_data = att;

	kref_get(&att->ref);
	atomic_inc(&att->vma_count);
	return 0;
}

#ifdef XPMEM_HUGE_PMD
/**
 * xpmem_get_unmapped_area() - the file's ->get_unmapped_area
 * @file: the context's file
 * @addr: the wanted address (fixed for an ATTACH at a given address)
 * @len: length of the mapping
 * @pgoff: page offset given to vm_mmap() (always 0 for an ATTACH)
 * @flags: MAP_* flags
 *
 * For the ATTACH in progress, choose an address equal to the source
 * address modulo 2 MiB where the window holds a whole 2 MiB block of the
 * owner's, so that ->huge_fault can map the owner's huge pages with one
 * PMD entry each. thp_get_unmapped_area() aligns the address to the file
 * offset: the source's offset within its 2 MiB block stands in for it
 * (the VMA gets vm_pgoff 0, which nothing uses).
 *
 * Return: the address, or a negative errno.
 */
unsigned long xpmem_get_unmapped_area(struct file *file, unsigned long addr,
				      unsigned long len, unsigned long pgoff,
				      unsigned long flags)
{
	struct xpmem_ctx *ctx = file->private_data;
	struct xpmem_att *att = READ_ONCE(ctx->pending);

	if (att && READ_ONCE(ctx->pending_task) == current &&
	    READ_ONCE(xpmem_huge_mappings))
		pgoff = (att->src_start & ~PMD_MASK) >> PAGE_SHIFT;
	return thp_get_unmapped_area(file, addr, len, pgoff, flags);
}
#endif

/**
 * xpmem_cmd_attach() - ATTACH: map a window of a segment
 * @ctx: the caller's context (bound to current->mm)
 * @uarg: user pointer to struct xpmem_cmd_attach
 *
 * The window [offset, offset + size) is rounded out to whole pages; the
 * address written back is the mapped base plus offset_in_page(offset). A
 * non-zero wanted address must be page aligned and is used only if free.
 *
 * Return: 0, -EINVAL for a bad apid or window, -ENOENT if the segment or
 * permit is gone or its owner has exited, -EPERM for a non-dumpable
 * owner, -ENOSPC at the caller's cap of attachments, -EEXIST or -ENOMEM
 * if the wanted address is taken, or another negative errno.
 */
int xpmem_cmd_attach(struct xpmem_ctx *ctx,
		     struct xpmem_cmd_attach __user *uarg)
{
	struct xpmem_cmd_attach args;
	struct xpmem_permit *permit;
	struct xpmem_user *user;
	struct xpmem_seg *seg;
	struct xpmem_att *att;
	unsigned long first, last, len, addr, flags, prot;
	u64 end;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;

	permit = xpmem_permit_lookup(ctx, args.apid);
	if (!permit)
		return -EINVAL;
	seg = permit->seg;

	ret = -EINVAL;
	if (args.offset < 0 || !args.size ||
	    check_add_overflow((u64)args.offset, args.size, &end) ||
	    end > seg->size)
		goto err_permit;
	if (args.vaddr && (!PAGE_ALIGNED(args.vaddr) ||
			   args.vaddr >= TASK_SIZE))
		goto err_permit;

	first = (unsigned long)args.offset & PAGE_MASK;
	last = PAGE_ALIGN((unsigned long)end);
	len = last - first;

	/* The owner may have become non-dumpable since GET. */
	ret = xpmem_policy_dumpable(seg);
	if (ret)
		goto err_permit;
	user = xpmem_user_charge(XPMEM_ATTACHMENTS, seg);
	if (IS_ERR(user)) {
		ret = PTR_ERR(user);
		goto err_permit;
	}
	ret = -ENOMEM;
	att = kzalloc(sizeof(*att), GFP_KERNEL_ACCOUNT);
	if (!att) {
		xpmem_user_uncharge(user, XPMEM_ATTACHMENTS);
		goto err_permit;
	}
	att->user = user;
	kref_init(&att->ref);
	mutex_init(&att->lock);
	mutex_init(&att->zap_lock);
	att->frozen = true;	/* no VMA yet */
#ifdef XPMEM_HUGE_PMD
	init_rwsem(&att->pt_sem);
#endif
	INIT_LIST_HEAD(&att->seg_node);
	INIT_LIST_HEAD(&att->permit_node);
	att->ctx = ctx;
	att->permit = permit;	/* takes over the lookup's reference */
	att->owner_mm = seg->mm;
	att->src_start = seg->vaddr + first;
	att->npages = len >> PAGE_SHIFT;
	att->writable = permit->writable;
	atomic_long_inc(&xpmem_nr_atts);

	/*
	 * Before the VMA exists: the first interval notifier of an mm may
	 * take that mm's mmap_lock for write, and the owner may be us.
	 */
	if (!mmget_not_zero(seg->mm)) {
		ret = -ENOENT;
		goto err_att;
	}
	ret = mmu_interval_notifier_insert(&att->notifier, seg->mm,
					   att->src_start, len,
					   &xpmem_notifier_ops);
	mmput(seg->mm);
	if (ret)
		goto err_att;
	att->registered = true;
	atomic_long_inc(&xpmem_nr_notifiers);

	mutex_lock(&seg->lock);
	if (seg->removed || permit->released) {
		mutex_unlock(&seg->lock);
		ret = -ENOENT;
		goto err_att;
	}
	list_add_tail(&att->seg_node, &seg->atts);
	list_add_tail(&att->permit_node, &permit->atts);
	att->linked = true;
	mutex_unlock(&seg->lock);

	prot = PROT_READ | (att->writable ? PROT_WRITE : 0);
	flags = MAP_SHARED | (args.vaddr ? MAP_FIXED_NOREPLACE : 0);

	mutex_lock(&ctx->attach_mutex);
	WRITE_ONCE(ctx->pending_task, current);
	WRITE_ONCE(ctx->pending, att);
	addr = vm_mmap(ctx->file, args.vaddr, len, prot, flags, 0);
	WRITE_ONCE(ctx->pending, NULL);
	WRITE_ONCE(ctx->pending_task, NULL);
	mutex_unlock(&ctx->attach_mutex);

	if (IS_ERR_VALUE(addr)) {
		ret = (int)addr;
		/*
		 * ->mmap ran but the VMA was never created nor closed (after
		 * an unmap_region(), which froze the attachment): forget it.
		 */
		if (atomic_cmpxchg(&att->vma_count, 1, 0) == 1) {
			xpmem_zap_untrack(att, NULL);
			xpmem_att_put(att);
		}
		goto err_att;
	}

	if (put_user((u64)(addr + offset_in_page(args.offset)),
		     &uarg->vaddr)) {
		vm_munmap(addr, len);
		xpmem_att_put(att);
		return -EFAULT;
	}
	trace_xpmem_attach(xpmem_seg_id(seg), addr,
			   att->src_start, att->npages, att->writable);
	xpmem_att_put(att);	/* the VMA holds its own reference */
	return 0;

err_att:
	xpmem_att_put(att);	/* also drops the permit */
	return ret;
err_permit:
	xpmem_permit_put(permit);
	return ret;
}

/**
 * xpmem_cmd_detach() - DETACH: unmap the attachment containing an address
 * @ctx: the caller's context
 * @uarg: user pointer to struct xpmem_cmd_detach
 *
 * Return: 0, -EINVAL if the address is not inside an attachment of this
 * context, or the error of the unmap.
 */
int xpmem_cmd_detach(struct xpmem_ctx *ctx,
		     struct xpmem_cmd_detach __user *uarg)
{
	struct xpmem_cmd_detach args;
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long start, len;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.vaddr >= TASK_SIZE)
		return -EINVAL;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = vma_lookup(mm, (unsigned long)args.vaddr);
	if (!vma || vma->vm_ops != &xpmem_vm_ops || vma->vm_file != ctx->file) {
		mmap_read_unlock(mm);
		return -EINVAL;
	}
	start = vma->vm_start;
	len = vma->vm_end - vma->vm_start;
	mmap_read_unlock(mm);

	return vm_munmap(start, len);
}

static void xpmem_vma_open(struct vm_area_struct *vma)
{
	struct xpmem_att *att = vma->vm_private_data;

	kref_get(&att->ref);
	atomic_inc(&att->vma_count);
}

static void xpmem_vma_close(struct vm_area_struct *vma)
{
	struct xpmem_att *att = vma->vm_private_data;

	xpmem_zap_untrack(att, vma);
	atomic_dec(&att->vma_count);
	xpmem_att_put(att);
}

/* Partial munmap and mprotect of an attachment fail with EINVAL. */
static int xpmem_vma_no_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static int xpmem_vma_mremap(struct vm_area_struct *vma)
{
	return -EINVAL;
}

static const char *xpmem_vma_name(struct vm_area_struct *vma)
{
	return "[xpmem]";
}

/*
 * ptrace and /proc/PID/mem: copy through the owner's pages. We hold the
 * attacher's mmap_lock, so the owner's may only be tried (see fault.c);
 * under sustained contention the access fails with -EAGAIN instead of
 * risking a deadlock. Writes need a read-write permit and never use
 * FOLL_FORCE, so the owner's read-only pages stay untouched.
 */
static int xpmem_vma_access(struct vm_area_struct *vma, unsigned long addr,
			    void *buf, int len, int write)
{
	struct xpmem_att *att = vma->vm_private_data;
	struct mm_struct *owner = att->owner_mm;
	unsigned long src;
	int copied = 0;
	int tries;

	if (write && !att->writable)
		return -EACCES;
	if (READ_ONCE(att->dead) || len <= 0)
		return -EIO;
	len = min_t(unsigned long, len, vma->vm_end - addr);
	src = att->src_start + (addr - vma->vm_start);

	if (!mmget_not_zero(owner))
		return -EIO;
	for (tries = 0; !mmap_read_trylock(owner); tries++) {
		if (tries == XPMEM_ACCESS_TRIES || fatal_signal_pending(current)) {
			xpmem_mmput_async(owner);
			return -EAGAIN;
		}
		usleep_range(50, 100);
	}

	while (copied < len) {
		unsigned int off = offset_in_page(src);
		int n = min_t(int, len - copied, PAGE_SIZE - off);
		struct page *page;
		void *kaddr;
		long got;

		got = xpmem_pin_user_pages_remote(owner, src & PAGE_MASK, 1,
						  write ? FOLL_WRITE : 0,
						  &page);
		if (got != 1)
			break;
		kaddr = xpmem_kmap(page);
		if (write)
			memcpy(kaddr + off, buf + copied, n);
		else
			memcpy(buf + copied, kaddr + off, n);
		xpmem_kunmap(page, kaddr);
		unpin_user_pages_dirty_lock(&page, 1, write);
		copied += n;
		src += n;
	}

	mmap_read_unlock(owner);
	xpmem_mmput_async(owner);
	return copied ? copied : -EIO;
}

static const struct vm_operations_struct xpmem_vm_ops = {
	.open = xpmem_vma_open,
	.close = xpmem_vma_close,
	XPMEM_VM_OPS_SPLIT(xpmem_vma_no_split),
	.mremap = xpmem_vma_mremap,
	.fault = xpmem_fault,
#ifdef XPMEM_HUGE_PMD
	.huge_fault = xpmem_huge_fault,
#endif
	.pfn_mkwrite = xpmem_pfn_mkwrite,
	.access = xpmem_vma_access,
	.name = xpmem_vma_name,
};

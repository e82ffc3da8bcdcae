// SPDX-License-Identifier: GPL-2.0-only
/*
 * main.c - the /dev/xpmem misc device: contexts, ioctl dispatch, the
 * module's pseudo file system and module init/exit.
 *
 * A context is created by every open of /dev/xpmem and bound to the
 * opener's mm. It gets its own inode from the module's pseudo file
 * system and the file's f_mapping points at that inode's mapping, so the
 * attachment VMAs of a context are linked into an i_mmap tree of their
 * own, not into one shared by every opener of /dev/xpmem. Nothing of the
 * driver walks it: the attachments track their VMAs (zap.c).
 *
 * Locking rules of the locks owned here:
 *
 * ctx->attach_mutex
 *	Held by ATTACH across vm_mmap(); protects ctx->pending and
 *	ctx->pending_task (written only under it; ->mmap reads them without
 *	it, which is safe because only the thread that set them can match
 *	pending_task == current). Taken before the attacher's mmap_lock,
 *	never under it.
 * ctx->lock
 *	Protects ctx->segs. A leaf: nothing else is taken under it. It is
 *	never taken in the notifier.
 * ctx->permits
 *	The xarray's own lock; lookups take a permit reference under it.
 */

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/pseudo_fs.h>
#include <linux/mount.h>
#include <linux/miscdevice.h>
#include <linux/slab.h>
#include <linux/sched/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/lockdep.h>
#include <linux/pid.h>
#include <linux/uaccess.h>

#include "xpmem_internal.h"

#define XPMEM_FS_MAGIC	0x78706d6d	/* "xpmm" */

atomic_long_t xpmem_nr_ctxs = ATOMIC_LONG_INIT(0);
atomic_long_t xpmem_nr_segs = ATOMIC_LONG_INIT(0);
atomic_long_t xpmem_nr_permits = ATOMIC_LONG_INIT(0);
atomic_long_t xpmem_nr_atts = ATOMIC_LONG_INIT(0);
atomic_long_t xpmem_nr_notifiers = ATOMIC_LONG_INIT(0);
atomic_long_t xpmem_nr_pmd_maps = ATOMIC_LONG_INIT(0);

unsigned int xpmem_fault_pages = 64;
module_param_named(fault_pages, xpmem_fault_pages, uint, 0644);
MODULE_PARM_DESC(fault_pages,
		 "Pages mapped around a faulting address (1-512, default 64)");

/*
 * Whether 2 MiB owner pages are mapped with 2 MiB entries. Read-only N
 * where the kernel lacks huge PFN mappings (probe.sh, compat.h); tests
 * and bench_check read it to know what to expect.
 */
#ifdef XPMEM_HUGE_PMD
bool xpmem_huge_mappings = true;
module_param_named(huge_mappings, xpmem_huge_mappings, bool, 0644);
#else
static bool xpmem_huge_mappings;
module_param_named(huge_mappings, xpmem_huge_mappings, bool, 0444);
#endif
MODULE_PARM_DESC(huge_mappings,
		 "Map THP and hugetlb pages of owners with 2 MiB entries (Y where the kernel supports huge PFN mappings; N and read-only elsewhere)");

static struct vfsmount *xpmem_mnt;
static struct dentry *xpmem_debugfs;

/*
 * The apid tags of the live contexts, to keep them unique (see
 * xpmem_internal.h); charged to the opener's memory cgroup.
 */
static DEFINE_XARRAY_FLAGS(xpmem_ctx_tags, XA_FLAGS_ACCOUNT);

/* Give @ctx an apid tag no other live context has. */
static int xpmem_ctx_tag_alloc(struct xpmem_ctx *ctx)
{
	int ret;

	do {
		ctx->tag = xpmem_id_random_tag();
		ret = xa_insert(&xpmem_ctx_tags, ctx->tag, ctx,
				GFP_KERNEL_ACCOUNT);
	} while (ret == -EBUSY);
	return ret;
}

/*
 * A class of its own for the contexts' i_mmap_rwsem, so that lockdep
 * reports name it. Only the core takes it (linking and unlinking VMAs,
 * mm_take_all_locks()); no zap does (zap.c).
 */
static struct lock_class_key xpmem_i_mmap_key;

static int xpmem_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, XPMEM_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type xpmem_fs_type = {
	.name = "xpmem",
	.init_fs_context = xpmem_init_fs_context,
	.kill_sb = kill_anon_super,
};

static bool xpmem_noop_invalidate(struct mmu_interval_notifier *mni,
				  const struct mmu_notifier_range *range,
				  unsigned long cur_seq)
{
	mmu_interval_set_seq(mni, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops xpmem_noop_ops = {
	.invalidate = xpmem_noop_invalidate,
};

/*
 * Give the opener's mm its interval notifier tree now, in the open, where
 * no lock is held: the first interval notifier of an mm registers the
 * tree with mm_take_all_locks() (every i_mmap_rwsem and anon_vma lock of
 * the mm, under its mmap_lock for write). Afterwards no ATTACH does it on
 * the owner's mm (a segment's owner has opened the device) and no ->mmap
 * on the attacher's (xpmem_zap_track() inserts under the mmap_lock, with
 * mmu_interval_notifier_insert_locked(), which registers the tree only if
 * there is none). A fork child gets no attachment (VM_DONTCOPY) and opens
 * the device again.
 */
static int xpmem_mm_prepare(struct mm_struct *mm)
{
	struct mmu_interval_notifier probe;
	int ret;

	ret = mmu_interval_notifier_insert(&probe, mm, 0, PAGE_SIZE,
					   &xpmem_noop_ops);
	if (!ret)
		mmu_interval_notifier_remove(&probe);
	return ret;
}

static int xpmem_open(struct inode *inode, struct file *file)
{
	struct xpmem_ctx *ctx;
	struct inode *ctx_inode;
	int ret;

	if (!current->mm)
		return -EINVAL;
	ret = xpmem_mm_prepare(current->mm);
	if (ret)
		return ret;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	ret = xpmem_ctx_tag_alloc(ctx);
	if (ret) {
		kfree(ctx);
		return ret;
	}

	ctx_inode = alloc_anon_inode(xpmem_mnt->mnt_sb);
	if (IS_ERR(ctx_inode)) {
		xa_erase(&xpmem_ctx_tags, ctx->tag);
		kfree(ctx);
		return PTR_ERR(ctx_inode);
	}
	lockdep_set_class(&ctx_inode->i_mapping->i_mmap_rwsem,
			  &xpmem_i_mmap_key);

	mutex_init(&ctx->lock);
	mutex_init(&ctx->attach_mutex);
	INIT_LIST_HEAD(&ctx->segs);
	xa_init_flags(&ctx->permits, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	ctx->inode = ctx_inode;
	ctx->file = file;
	ctx->mm = current->mm;
	mmgrab(ctx->mm);
	ctx->pid = get_pid(task_tgid(current));

	file->f_mapping = ctx_inode->i_mapping;
	file->private_data = ctx;
	atomic_long_inc(&xpmem_nr_ctxs);
	return 0;
}

static int xpmem_release(struct inode *inode, struct file *file)
{
	struct xpmem_ctx *ctx = file->private_data;

	/*
	 * Every attachment VMA holds the file, so none is left: only the
	 * segments made here and the permits got here remain.
	 */
	xpmem_seg_remove_all(ctx);
	xpmem_permit_release_all(ctx);

	xa_destroy(&ctx->permits);
	xa_erase(&xpmem_ctx_tags, ctx->tag);
	put_pid(ctx->pid);
	iput(ctx->inode);
	mmdrop(ctx->mm);
	mutex_destroy(&ctx->attach_mutex);
	mutex_destroy(&ctx->lock);
	kfree(ctx);
	atomic_long_dec(&xpmem_nr_ctxs);
	return 0;
}

static long xpmem_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct xpmem_ctx *ctx = file->private_data;
	void __user *uarg = (void __user *)arg;
	bool own = current->mm == ctx->mm;

	switch (cmd) {
	case XPMEM_CMD_VERSION:
		return XPMEM_VERSION_ENCODE(XPMEM_VERSION_MAJOR,
					    XPMEM_VERSION_MINOR,
					    XPMEM_VERSION_PATCH);
	case XPMEM_CMD_FORK_BEGIN:
	case XPMEM_CMD_FORK_END:
		return 0;
	case XPMEM_CMD_MAKE:
		if (!own)
			return -XPMEM_ERRNO_NOPROC;
		return xpmem_cmd_make(ctx, uarg);
	case XPMEM_CMD_GET:
		if (!own)
			return -XPMEM_ERRNO_NOPROC;
		return xpmem_cmd_get(ctx, uarg);
	case XPMEM_CMD_REMOVE:
		/* Another process owns nothing here: EPERM (ENOENT if none). */
		return xpmem_cmd_remove(own ? ctx : NULL, uarg);
	case XPMEM_CMD_RELEASE:
	case XPMEM_CMD_ATTACH:
	case XPMEM_CMD_DETACH:
		/* Ids are valid only in the process that opened the file. */
		if (!own)
			return -EINVAL;
		break;
	default:
		return -ENOTTY;
	}

	switch (cmd) {
	case XPMEM_CMD_RELEASE:
		return xpmem_cmd_release(ctx, uarg);
	case XPMEM_CMD_ATTACH:
		return xpmem_cmd_attach(ctx, uarg);
	default:
		return xpmem_cmd_detach(ctx, uarg);
	}
}

static const struct file_operations xpmem_fops = {
	.owner = THIS_MODULE,
	.open = xpmem_open,
	.release = xpmem_release,
	.unlocked_ioctl = xpmem_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = xpmem_mmap,
#ifdef XPMEM_HUGE_PMD
	.get_unmapped_area = xpmem_get_unmapped_area,
#endif
	.llseek = noop_llseek,
};

static struct miscdevice xpmem_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "xpmem",
	.fops = &xpmem_fops,
	.mode = 0666,
};

static int xpmem_stats_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "contexts %ld\n", atomic_long_read(&xpmem_nr_ctxs));
	seq_printf(m, "segments %ld\n", atomic_long_read(&xpmem_nr_segs));
	seq_printf(m, "permits %ld\n", atomic_long_read(&xpmem_nr_permits));
	seq_printf(m, "attachments %ld\n", atomic_long_read(&xpmem_nr_atts));
	seq_printf(m, "notifiers %ld\n",
		   atomic_long_read(&xpmem_nr_notifiers));
	seq_printf(m, "pmd_mappings %ld\n",
		   atomic_long_read(&xpmem_nr_pmd_maps));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xpmem_stats);

static int __init xpmem_init(void)
{
	int ret;

	ret = xpmem_zap_init();
	if (ret)
		return ret;

	xpmem_mnt = kern_mount(&xpmem_fs_type);
	if (IS_ERR(xpmem_mnt)) {
		ret = PTR_ERR(xpmem_mnt);
		goto err_zap;
	}

	ret = misc_register(&xpmem_miscdev);
	if (ret)
		goto err_mnt;

	xpmem_debugfs = debugfs_create_dir("xpmem", NULL);
	debugfs_create_file("stats", 0444, xpmem_debugfs, NULL,
			    &xpmem_stats_fops);
	xpmem_info_init(xpmem_debugfs);

	pr_info("xpmem: version %s\n", XPMEM_VERSION_STRING);
	return 0;

err_mnt:
	kern_unmount(xpmem_mnt);
err_zap:
	xpmem_zap_cleanup();
	return ret;
}

static void __exit xpmem_exit(void)
{
	debugfs_remove_recursive(xpmem_debugfs);
	misc_deregister(&xpmem_miscdev);
	/* Interval notifiers free nothing asynchronously, but be sure. */
	mmu_notifier_synchronize();
	kern_unmount(xpmem_mnt);
	xpmem_zap_cleanup();
	xpmem_segment_exit();
	WARN_ON_ONCE(!xa_empty(&xpmem_ctx_tags));
	xa_destroy(&xpmem_ctx_tags);
	xpmem_policy_exit();
}

module_init(xpmem_init);
module_exit(xpmem_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("XPMEM: map the memory of another process");
MODULE_AUTHOR("The xpmem authors");
MODULE_VERSION(XPMEM_VERSION_STRING);

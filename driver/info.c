// SPDX-License-Identifier: GPL-2.0-only
/*
 * info.c - what an admin can see: the debugfs listings of the live
 * segments and of their attachments, read by xpmem-info --segments and
 * --attachments PID. Root only: mode 0400, and an open without
 * CAP_SYS_ADMIN fails (EPERM) whatever the mode or debugfs's mount
 * options: they show every user's segments and where they are mapped.
 *
 * xpmem/segments: a header line, then one line per live segment:
 *	segid pid uid start size mode permits attachments faulted
 * xpmem/attachments: a header line, then one line per attachment (with
 * a VMA) of a live segment:
 *	pid start size segid src writable dead faulted
 *
 * Ids are printed as user space sees them (xpmem_id_make()), in hex;
 * pids are those of the initial pid namespace, uids of the initial user
 * namespace; addresses in hex, sizes in bytes, mode in octal. permits:
 * permits got and not released; attachments: attachments with a VMA,
 * dead ones included; faulted: the pages faults have mapped (see
 * struct xpmem_att: never lowered by zaps, which do not know how many
 * entries they remove), summed over the segment's attachments. The
 * listing is not a snapshot: segments made or removed while it is read
 * may or may not be in it.
 *
 * One record per segment (seq_file iterator over the segment table by
 * index, a reference held from ->start/->next to ->next/->stop); the
 * attachments of a segment are printed under its lock.
 *
 * Locks (see the lock order in fault.c and the rules in segment.c and
 * attach.c): the table's lock briefly in xpmem_seg_next(); seg->lock,
 * then each att->lock inside it (the order xpmem_att_kill() takes them).
 * Neither is taken under an mmap_lock here, and seq_printf() neither
 * allocates nor sleeps: the seq_file core copies to user space and
 * grows its buffer outside ->show.
 */

#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/pid.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

#include "xpmem_internal.h"

/* *pos is the table index to look from; 0 is the header line. */
static void *xpmem_info_start(struct seq_file *m, loff_t *pos)
{
	unsigned long index = *pos;

	if (!*pos)
		return SEQ_START_TOKEN;
	if (*pos > INT_MAX)
		return NULL;
	return xpmem_seg_next(&index);
}

static void *xpmem_info_next(struct seq_file *m, void *v, loff_t *pos)
{
	unsigned long index = 1;
	struct xpmem_seg *seg = v;

	if (v != SEQ_START_TOKEN) {
		index = seg->segid + 1UL;
		xpmem_seg_put(seg);
	}
	/* A restart at *pos finds the same next segment. */
	*pos = index;
	if (index > INT_MAX)
		return NULL;
	return xpmem_seg_next(&index);
}

static void xpmem_info_stop(struct seq_file *m, void *v)
{
	if (v && v != SEQ_START_TOKEN)
		xpmem_seg_put(v);
}

static int xpmem_segments_show(struct seq_file *m, void *v)
{
	struct xpmem_seg *seg = v;
	unsigned long natts = 0, faulted = 0;
	struct xpmem_att *att;
	bool removed;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "segid pid uid start size mode permits attachments faulted\n");
		return 0;
	}

	mutex_lock(&seg->lock);
	removed = seg->removed;
	list_for_each_entry(att, &seg->atts, seg_node) {
		bool mapped;

		mutex_lock(&att->lock);
		mapped = att->mapped;
		mutex_unlock(&att->lock);
		/* Not an attachment to list until its VMA exists. */
		if (!mapped)
			continue;
		natts++;
		faulted += atomic_long_read(&att->nr_faulted);
	}
	mutex_unlock(&seg->lock);
	if (removed)
		return 0;

	seq_printf(m, "0x%llx %d %u 0x%lx %lu 0%03o %d %lu %lu\n",
		   (u64)xpmem_seg_id(seg),
		   pid_nr(seg->owner_pid),
		   from_kuid(&init_user_ns, seg->euid),
		   seg->vaddr, seg->size, seg->mode,
		   atomic_read(&seg->nr_permits), natts, faulted);
	return 0;
}

static const struct seq_operations xpmem_segments_sops = {
	.start = xpmem_info_start,
	.next = xpmem_info_next,
	.stop = xpmem_info_stop,
	.show = xpmem_segments_show,
};

/* Root only (see the top of the file); checked at open, like a file's. */
static int xpmem_info_open(struct file *file,
			   const struct seq_operations *sops)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return seq_open(file, sops);
}

static int xpmem_segments_open(struct inode *inode, struct file *file)
{
	return xpmem_info_open(file, &xpmem_segments_sops);
}

static const struct file_operations xpmem_segments_fops = {
	.owner = THIS_MODULE,
	.open = xpmem_segments_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release,
};

static int xpmem_attachments_show(struct seq_file *m, void *v)
{
	struct xpmem_seg *seg = v;
	struct xpmem_att *att;
	u64 segid;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "pid start size segid src writable dead faulted\n");
		return 0;
	}

	segid = xpmem_seg_id(seg);
	mutex_lock(&seg->lock);
	list_for_each_entry(att, &seg->atts, seg_node) {
		unsigned long vaddr;
		bool mapped, dead;

		mutex_lock(&att->lock);
		mapped = att->mapped;
		vaddr = att->vaddr;
		dead = att->dead;
		mutex_unlock(&att->lock);
		if (!mapped)
			continue;
		/* Linked, so not freed: its VMA holds the context's file. */
		seq_printf(m, "%d 0x%lx %lu 0x%llx 0x%lx %d %d %lu\n",
			   pid_nr(att->ctx->pid), vaddr,
			   att->npages << PAGE_SHIFT, segid, att->src_start,
			   att->writable, dead,
			   atomic_long_read(&att->nr_faulted));
	}
	mutex_unlock(&seg->lock);
	return 0;
}

static const struct seq_operations xpmem_attachments_sops = {
	.start = xpmem_info_start,
	.next = xpmem_info_next,
	.stop = xpmem_info_stop,
	.show = xpmem_attachments_show,
};

static int xpmem_attachments_open(struct inode *inode, struct file *file)
{
	return xpmem_info_open(file, &xpmem_attachments_sops);
}

static const struct file_operations xpmem_attachments_fops = {
	.owner = THIS_MODULE,
	.open = xpmem_attachments_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release,
};

/**
 * xpmem_info_init() - create the listings in the module's debugfs directory
 * @dir: the directory (xpmem/)
 *
 * Mode 0400, and an open without CAP_SYS_ADMIN fails with EPERM:
 * segids and addresses of every user are in them.
 *
 * Context: process context (module init).
 */
void xpmem_info_init(struct dentry *dir)
{
	debugfs_create_file("segments", 0400, dir, NULL,
			    &xpmem_segments_fops);
	debugfs_create_file("attachments", 0400, dir, NULL,
			    &xpmem_attachments_fops);
}

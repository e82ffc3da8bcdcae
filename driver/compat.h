/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * compat.h - shims over kernel interface differences.
 *
 * Every shim is selected only by a result of driver/probe.sh (written to
 * xpmem_compat_gen.h by Kbuild), never by the kernel version number, so
 * distribution kernels with backports get the right one.
 */
#ifndef XPMEM_COMPAT_H
#define XPMEM_COMPAT_H

#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/sched/mm.h>

#include "xpmem_compat_gen.h"

#if !defined(CONFIG_MMU_NOTIFIER) || !defined(CONFIG_HMM_MIRROR)
#error "xpmem needs CONFIG_MMU_NOTIFIER and CONFIG_HMM_MIRROR"
#endif

#ifndef HAVE_HMM_RANGE_FAULT
#error "xpmem needs hmm_range_fault() and hmm_pfn_to_map_order()"
#endif

#ifndef HAVE_INIT_PSEUDO
#error "xpmem needs init_pseudo() and alloc_anon_inode()"
#endif

#ifndef HAVE_APPLY_TO_PAGE_RANGE
#error "xpmem needs apply_to_page_range() with the three-argument callback"
#endif

#ifndef HAVE_MMAP_READ_TRYLOCK
#error "xpmem needs the mmap_read_lock() family of wrappers"
#endif

/*
 * Shadow stacks (6.6+) have VM_SHADOW_STACK, which is VM_NONE where the
 * kernel has none; before 6.6 there is no such flag.
 */
#ifndef VM_SHADOW_STACK
#define VM_SHADOW_STACK	VM_NONE
#endif

/* memfd_secret() (5.14+): the magic of its file system, a uapi value. */
#include <linux/magic.h>
#ifndef SECRETMEM_MAGIC
#define SECRETMEM_MAGIC	0x5345434d
#endif

/*
 * The vm_operations hook that may refuse a split: ->split on 5.10,
 * ->may_split on later kernels (the same signature).
 */
#ifdef HAVE_VM_OPS_MAY_SPLIT
#define XPMEM_VM_OPS_SPLIT(fn)	.may_split = (fn)
#else
#define XPMEM_VM_OPS_SPLIT(fn)	.split = (fn)
#endif

/* vm_flags became read-only in 6.3; the setters came with it. */
#ifndef HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * zap_vma_ptes() was renamed zap_special_vma_range() in 7.x. Both zap a
 * range of a VM_PFNMAP VMA (7.x: or VM_MIXEDMAP) that lies inside it, and
 * nothing otherwise; both end in the zap unmap_mapping_pages() does per
 * VMA (zap_page_range_single(), 7.x zap_vma_range()), with no zap details
 * (no page-table reclaim) and no assertion of the mmap_lock. They clear
 * the 2 MiB PFN leaves of the PMD path too (zap_huge_pmd(), or a split
 * for part of one, which clears the whole leaf of a special VMA).
 */
#if defined(HAVE_ZAP_SPECIAL_VMA_RANGE)
#define xpmem_zap_vma_range(vma, addr, size) \
	zap_special_vma_range(vma, addr, size)
#elif defined(HAVE_ZAP_VMA_PTES)
#define xpmem_zap_vma_range(vma, addr, size) zap_vma_ptes(vma, addr, size)
#else
#error "xpmem needs zap_vma_ptes() or zap_special_vma_range()"
#endif

/* vma_lookup() arrived in 5.14. */
#ifndef HAVE_VMA_LOOKUP
static inline struct vm_area_struct *vma_lookup(struct mm_struct *mm,
						unsigned long addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	if (vma && addr < vma->vm_start)
		vma = NULL;
	return vma;
}
#endif

/* The vmas argument of pin_user_pages_remote() went away in 6.5. */
#if defined(HAVE_PIN_USER_PAGES_REMOTE_6)
#define xpmem_pin_user_pages_remote(mm, start, nr, flags, pages) \
	pin_user_pages_remote(mm, start, nr, flags, pages, NULL)
#elif defined(HAVE_PIN_USER_PAGES_REMOTE_7)
#define xpmem_pin_user_pages_remote(mm, start, nr, flags, pages) \
	pin_user_pages_remote(mm, start, nr, flags, pages, NULL, NULL)
#else
#error "xpmem needs pin_user_pages_remote()"
#endif

#ifndef HAVE_UNPIN_USER_PAGES_DIRTY_LOCK
#error "xpmem needs unpin_user_pages_dirty_lock()"
#endif

/* kmap_local_page() arrived in 5.11. */
#if defined(HAVE_KMAP_LOCAL_PAGE)
#define xpmem_kmap(page)	kmap_local_page(page)
#define xpmem_kunmap(page, addr) kunmap_local(addr)
#elif !defined(CONFIG_HIGHMEM)
#define xpmem_kmap(page)	page_address(page)
#define xpmem_kunmap(page, addr) ((void)(addr))
#else
#error "xpmem needs kmap_local_page() on a kernel with highmem"
#endif

/* Folios arrived in 5.16; set_page_dirty() may go away after them. */
#ifdef HAVE_FOLIO_MARK_DIRTY
#define xpmem_page_mark_dirty(page) folio_mark_dirty(page_folio(page))
#else
#define xpmem_page_mark_dirty(page) set_page_dirty(page)
#endif

/*
 * Per-VMA-lock faults (6.4+): since 6.7 the core never calls ->fault or
 * ->pfn_mkwrite of a VMA without ->map_pages under the VMA lock alone;
 * 6.6 could. We need the mmap_lock: have the core retry with it.
 */
#ifdef HAVE_FAULT_FLAG_VMA_LOCK
static inline bool xpmem_fault_needs_mmap_lock(struct vm_fault *vmf)
{
	if (!(vmf->flags & FAULT_FLAG_VMA_LOCK))
		return false;
	vma_end_read(vmf->vma);
	return true;
}
#else
static inline bool xpmem_fault_needs_mmap_lock(struct vm_fault *vmf)
{
	return false;
}
#endif

/*
 * mmap_assert_locked() ends in VM_BUG_ON_MM(), that is dump_mm(), which
 * 6.1 does not export: a module using it does not link against a
 * CONFIG_DEBUG_VM kernel. The lockdep half of it is what we want.
 */
#define xpmem_assert_mmap_locked(mm)	lockdep_assert_held(&(mm)->mmap_lock)

/*
 * mmput() of the last user runs exit_mmap(): not from a fault handler
 * holding another mm's lock.
 */
#ifdef HAVE_MMPUT_ASYNC
#define xpmem_mmput_async(mm)	mmput_async(mm)
#else
#define xpmem_mmput_async(mm)	mmput(mm)
#endif

/*
 * 2 MiB PFN mappings (6.12+): only where a PMD leaf inserted into a
 * VM_PFNMAP VMA is marked special, so that GUP-fast and the rest of the
 * core never take it for a THP of the attacher. ->huge_fault taking an
 * order must be checked by the absence of enum page_entry_size: a
 * function taking an unsigned int compiles against the enum version too.
 * Elsewhere the attachment is mapped with 4 KiB entries only.
 */
#if defined(HAVE_HUGE_PFNMAP_PMD) && !defined(HAVE_HUGE_FAULT_PE_SIZE) && \
	defined(HAVE_PMD_SPECIAL) && \
	(defined(HAVE_VMF_INSERT_PFN_PMD_PFN_T) || \
	 defined(HAVE_VMF_INSERT_PFN_PMD_ULONG))
#define XPMEM_HUGE_PMD 1
#include <linux/huge_mm.h>
#ifdef HAVE_VMF_INSERT_PFN_PMD_ULONG
#define xpmem_insert_pfn_pmd(vmf, pfn, write) \
	vmf_insert_pfn_pmd(vmf, pfn, write)
#else
#include <linux/pfn_t.h>
/* PFN_DEV without PFN_MAP: not devmap, so the entry is marked special. */
#define xpmem_insert_pfn_pmd(vmf, pfn, write) \
	vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(pfn, PFN_DEV), write)
#endif
#endif

/*
 * Whether a process is dumpable (ptrace and xpmem may reach it by uid),
 * and the user namespace CAP_SYS_PTRACE must be held in otherwise: on the
 * mm before 7.2, on the task's exec state since. *ns gets a reference.
 * Returns false for a process that is gone (*ns NULL).
 */
#if defined(HAVE_TASK_EXEC_STATE)
#include <linux/sched/exec_state.h>
#include <linux/sched/task.h>
#include <linux/pid.h>
static inline bool xpmem_owner_dumpable(struct pid *pid, struct mm_struct *mm,
					struct user_namespace **ns)
{
	struct task_struct *t = get_pid_task(pid, PIDTYPE_TGID);
	struct task_exec_state *es;
	bool dumpable;

	*ns = NULL;
	if (!t)
		return false;
	rcu_read_lock();
	es = rcu_dereference(t->exec_state);
	dumpable = es->dumpable == TASK_DUMPABLE_OWNER;
	*ns = get_user_ns(es->user_ns);
	rcu_read_unlock();
	put_task_struct(t);
	return dumpable;
}
#elif defined(HAVE_MM_DUMPABLE)
#include <linux/sched/coredump.h>
#include <linux/user_namespace.h>
static inline bool xpmem_owner_dumpable(struct pid *pid, struct mm_struct *mm,
					struct user_namespace **ns)
{
	*ns = get_user_ns(mm->user_ns);
	return get_dumpable(mm) == SUID_DUMP_USER;
}
#else
#error "xpmem needs the dumpability of a process (mm or task exec state)"
#endif

/*
 * __assign_str() takes only the field since 6.10 (the source is the one
 * __string() names); before, both. For the trace events (xpmem_trace.h).
 */
#ifdef HAVE_ASSIGN_STR_1
#define xpmem_assign_str(dst, src)	__assign_str(dst)
#else
#define xpmem_assign_str(dst, src)	__assign_str(dst, src)
#endif

#endif /* XPMEM_COMPAT_H */

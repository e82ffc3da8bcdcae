#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# probe.sh - find out which kernel interfaces the target kernel offers.
#
# Usage: probe.sh KDIR OUTPUT [make variables...]
#
# Every probe is one tiny translation unit compiled against KDIR with the
# kernel's own flags (one make -k invocation for all of them). A feature
# is present if and only if its object file was built. The results are
# written to OUTPUT as HAVE_* defines; compat.h turns them into shims.
# The symbols the module needs whatever the kernel are checked in
# KDIR/Module.symvers, when there is one: a kernel without them fails here,
# by name, instead of at insmod with "Unknown symbol".
#
# The make variables (CC=..., LLVM=...) are passed to the probe build so
# that it uses the same compiler as the module build.

set -u

kdir=$1
out=$2
shift 2

# Reuse an earlier result for the same kernel tree and probe script.
stamp="/* kdir: $kdir $(cat "$kdir/include/config/kernel.release" 2>/dev/null) $(cksum < "$0" | cut -d' ' -f1) */"
if [ -f "$out" ] && [ "$(sed -n 2p "$out")" = "$stamp" ]; then
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xpmem-probe.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

names=""

# probe NAME: the translation unit is read from standard input.
probe() {
	{
		echo '#include <linux/module.h>'
		cat
		echo 'MODULE_LICENSE("GPL");'
	} > "$tmp/$1.c"
	names="$names $1"
}

# probe_file NAME: a file the probes may include as "NAME" (the probe
# directory is on their include path), read from standard input.
probe_file() {
	cat > "$tmp/$1"
}

probe xpmem_sanity <<'EOF'
int xpmem_probe(int x);
int xpmem_probe(int x) { return x + 1; }
EOF

probe HAVE_VM_FLAGS_SET <<'EOF'
#include <linux/mm.h>
void xpmem_probe(struct vm_area_struct *vma);
void xpmem_probe(struct vm_area_struct *vma)
{
	vm_flags_t f = VM_IO;

	vm_flags_set(vma, f);
	vm_flags_clear(vma, f);
}
EOF

probe HAVE_VM_OPS_MAY_SPLIT <<'EOF'
#include <linux/mm.h>
static int xpmem_probe_fn(struct vm_area_struct *vma, unsigned long addr)
{
	return 0;
}
const struct vm_operations_struct xpmem_probe = {
	.may_split = xpmem_probe_fn,
};
EOF

probe HAVE_ZAP_SPECIAL_VMA_RANGE <<'EOF'
#include <linux/mm.h>
void xpmem_probe(struct vm_area_struct *vma);
void xpmem_probe(struct vm_area_struct *vma)
{
	unsigned long addr = 0, size = 0;

	zap_special_vma_range(vma, addr, size);
}
EOF

probe HAVE_ZAP_VMA_PTES <<'EOF'
#include <linux/mm.h>
void xpmem_probe(struct vm_area_struct *vma);
void xpmem_probe(struct vm_area_struct *vma)
{
	unsigned long addr = 0, size = 0;

	zap_vma_ptes(vma, addr, size);
}
EOF

probe HAVE_PIN_USER_PAGES_REMOTE_6 <<'EOF'
#include <linux/mm.h>
long xpmem_probe(struct mm_struct *mm);
long xpmem_probe(struct mm_struct *mm)
{
	struct page *page = NULL;
	struct page **pages = &page;
	unsigned long start = 0, nr = 1;
	unsigned int gup_flags = 0;
	int *locked = NULL;

	return pin_user_pages_remote(mm, start, nr, gup_flags, pages, locked);
}
EOF

probe HAVE_PIN_USER_PAGES_REMOTE_7 <<'EOF'
#include <linux/mm.h>
long xpmem_probe(struct mm_struct *mm);
long xpmem_probe(struct mm_struct *mm)
{
	struct page *page = NULL;
	struct page **pages = &page;
	struct vm_area_struct **vmas = NULL;
	unsigned long start = 0, nr = 1;
	unsigned int gup_flags = 0;
	int *locked = NULL;

	return pin_user_pages_remote(mm, start, nr, gup_flags, pages, vmas,
				     locked);
}
EOF

probe HAVE_VMA_LOOKUP <<'EOF'
#include <linux/mm.h>
struct vm_area_struct *xpmem_probe(struct mm_struct *mm);
struct vm_area_struct *xpmem_probe(struct mm_struct *mm)
{
	unsigned long addr = 0;

	return vma_lookup(mm, addr);
}
EOF

probe HAVE_MMAP_READ_TRYLOCK <<'EOF'
#include <linux/mm.h>
#include <linux/mmap_lock.h>
bool xpmem_probe(struct mm_struct *mm);
bool xpmem_probe(struct mm_struct *mm)
{
	if (mmap_read_lock_killable(mm))
		return false;
	mmap_read_unlock(mm);
	return mmap_read_trylock(mm);
}
EOF

probe HAVE_HMM_RANGE_FAULT <<'EOF'
#include <linux/hmm.h>
int xpmem_probe(struct hmm_range *range);
int xpmem_probe(struct hmm_range *range)
{
	unsigned long pfn = 0;

	return hmm_range_fault(range) + (int)hmm_pfn_to_map_order(pfn);
}
EOF

probe HAVE_HUGE_FAULT_PE_SIZE <<'EOF'
#include <linux/mm.h>
enum page_entry_size xpmem_probe = PE_SIZE_PMD;
EOF

probe HAVE_PMD_SPECIAL <<'EOF'
#include <linux/mm.h>
#include <linux/pgtable.h>
bool xpmem_probe(pmd_t pmd);
bool xpmem_probe(pmd_t pmd)
{
	return pmd_special(pmd);
}
EOF

# 2 MiB PFN mappings: a special (pmd_special) leaf, ->huge_fault taking
# an order, and thp_get_unmapped_area(), on an architecture that
# supports PMD PFN maps (6.12+). The insertion itself is probed below.
probe HAVE_HUGE_PFNMAP_PMD <<'EOF'
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/pgtable.h>
#if !defined(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP) || \
	!defined(CONFIG_TRANSPARENT_HUGEPAGE)
#error "no huge PFN mappings"
#endif
static vm_fault_t xpmem_probe_fn(struct vm_fault *vmf, unsigned int order)
{
	pmd_t pmd = pmdp_get_lockless(vmf->pmd);

	if (order != PMD_ORDER || pmd_special(pmd) || !pmd_leaf(pmd))
		return VM_FAULT_FALLBACK;
	return VM_FAULT_NOPAGE;
}
const struct vm_operations_struct xpmem_probe = {
	.huge_fault = xpmem_probe_fn,
};
unsigned long xpmem_probe_area(struct file *file);
unsigned long xpmem_probe_area(struct file *file)
{
	unsigned long addr = 0, len = 0, pgoff = 0, flags = 0;

	return thp_get_unmapped_area(file, addr, len, pgoff, flags);
}
EOF

# vmf_insert_pfn_pmd() took a pfn_t until 6.16, an unsigned long since.
probe HAVE_VMF_INSERT_PFN_PMD_PFN_T <<'EOF'
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/pfn_t.h>
vm_fault_t xpmem_probe(struct vm_fault *vmf);
vm_fault_t xpmem_probe(struct vm_fault *vmf)
{
	unsigned long pfn = 0;
	bool write = false;

	return vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(pfn, PFN_DEV), write);
}
EOF

probe HAVE_VMF_INSERT_PFN_PMD_ULONG <<'EOF'
#include <linux/mm.h>
#include <linux/huge_mm.h>
vm_fault_t xpmem_probe(struct vm_fault *vmf);
vm_fault_t xpmem_probe(struct vm_fault *vmf)
{
	unsigned long pfn = 0;
	bool write = false;

	return vmf_insert_pfn_pmd(vmf, pfn, write);
}
EOF

probe HAVE_INIT_PSEUDO <<'EOF'
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/pseudo_fs.h>
struct inode *xpmem_probe(struct fs_context *fc, struct super_block *sb);
struct inode *xpmem_probe(struct fs_context *fc, struct super_block *sb)
{
	unsigned long magic = 1;

	if (!init_pseudo(fc, magic))
		return NULL;
	return alloc_anon_inode(sb);
}
EOF

probe HAVE_KMAP_LOCAL_PAGE <<'EOF'
#include <linux/highmem.h>
void xpmem_probe(struct page *page);
void xpmem_probe(struct page *page)
{
	void *p = kmap_local_page(page);

	kunmap_local(p);
}
EOF

probe HAVE_UNPIN_USER_PAGES_DIRTY_LOCK <<'EOF'
#include <linux/mm.h>
void xpmem_probe(struct page *page);
void xpmem_probe(struct page *page)
{
	struct page *pages[1] = { page };
	unsigned long npages = 1;
	bool dirty = true;

	unpin_user_pages_dirty_lock(pages, npages, dirty);
}
EOF

probe HAVE_APPLY_TO_PAGE_RANGE <<'EOF'
#include <linux/mm.h>
static int xpmem_probe_fn(pte_t *pte, unsigned long addr, void *data)
{
	return 0;
}
int xpmem_probe(struct mm_struct *mm);
int xpmem_probe(struct mm_struct *mm)
{
	unsigned long addr = 0, size = 0;

	return apply_to_page_range(mm, addr, size, xpmem_probe_fn, NULL);
}
EOF

probe HAVE_FOLIO_MARK_DIRTY <<'EOF'
#include <linux/mm.h>
bool xpmem_probe(struct page *page);
bool xpmem_probe(struct page *page)
{
	struct folio *folio = page_folio(page);

	return folio_mark_dirty(folio);
}
EOF

probe HAVE_TASK_EXEC_STATE <<'EOF'
#include <linux/sched.h>
#include <linux/sched/exec_state.h>
bool xpmem_probe(struct task_struct *t);
bool xpmem_probe(struct task_struct *t)
{
	struct task_exec_state *es = rcu_dereference(t->exec_state);

	return es->dumpable == TASK_DUMPABLE_OWNER && es->user_ns;
}
EOF

probe HAVE_MM_DUMPABLE <<'EOF'
#include <linux/mm_types.h>
#include <linux/sched/coredump.h>
bool xpmem_probe(struct mm_struct *mm);
bool xpmem_probe(struct mm_struct *mm)
{
	return get_dumpable(mm) == SUID_DUMP_USER && mm->user_ns;
}
EOF

probe HAVE_FAULT_FLAG_VMA_LOCK <<'EOF'
#include <linux/mm.h>
vm_fault_t xpmem_probe(struct vm_fault *vmf);
vm_fault_t xpmem_probe(struct vm_fault *vmf)
{
	if (vmf->flags & FAULT_FLAG_VMA_LOCK) {
		vma_end_read(vmf->vma);
		return VM_FAULT_RETRY;
	}
	return 0;
}
EOF

probe HAVE_MMPUT_ASYNC <<'EOF'
#include <linux/sched/mm.h>
void xpmem_probe(struct mm_struct *mm);
void xpmem_probe(struct mm_struct *mm)
{
	mmput_async(mm);
}
EOF

# __assign_str() lost its source argument in 6.10 (__string() names it).
# A whole trace event: the macro exists only inside the trace headers.
probe_file xpmem_probe_trace.h <<'EOF'
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xpmem_probe
#if !defined(_XPMEM_PROBE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _XPMEM_PROBE_TRACE_H
#include <linux/tracepoint.h>
TRACE_EVENT(xpmem_probe_str,
	TP_PROTO(const char *s),
	TP_ARGS(s),
	TP_STRUCT__entry(__string(s, s)),
	TP_fast_assign(__assign_str(s);),
	TP_printk("%s", __get_str(s))
);
#endif
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE xpmem_probe_trace
#include <trace/define_trace.h>
EOF

probe HAVE_ASSIGN_STR_1 <<'EOF'
#define CREATE_TRACE_POINTS
#include "xpmem_probe_trace.h"
EOF

{
	echo 'obj-m :='
	# shellcheck disable=SC2016 # a make variable, expanded by Kbuild
	echo 'ccflags-y := -I$(src)'
	for n in $names; do
		echo "obj-m += $n.o"
	done
} > "$tmp/Kbuild"

targets=""
for n in $names; do
	targets="$targets $n.o"
done

# The parent make's exported state (sub_make_done, KBUILD_EXTMOD,
# MAKEFLAGS...) must not leak into the probe build: start it afresh.
# shellcheck disable=SC2086
env -i PATH="$PATH" HOME="${HOME:-/}" TMPDIR="${TMPDIR:-/tmp}" \
	make -k -s -j2 -C "$kdir" M="$tmp" "$@" $targets \
	> "$tmp/build.log" 2>&1

if [ ! -f "$tmp/xpmem_sanity.o" ]; then
	echo "xpmem probe: the compiler cannot build a trivial module against $kdir:" >&2
	{ grep -i -m 10 -e 'error' -e 'fatal' "$tmp/build.log" | grep -v 'not remade'
	  tail -n 5 "$tmp/build.log"; } >&2
	exit 1
fi

symvers="$kdir/Module.symvers"
if [ -f "$symvers" ]; then
	for sym in apply_to_page_range hmm_range_fault \
		   mmu_interval_notifier_insert; do
		grep -q "[[:space:]]${sym}[[:space:]]" "$symvers" && continue
		echo "xpmem probe: the kernel of $kdir does not export $sym, which the module needs" >&2
		exit 1
	done
fi

{
	echo '/* Generated by driver/probe.sh; do not edit. */'
	echo "$stamp"
	echo '#ifndef XPMEM_COMPAT_GEN_H'
	echo '#define XPMEM_COMPAT_GEN_H'
	for n in $names; do
		[ "$n" = xpmem_sanity ] && continue
		if [ -f "$tmp/$n.o" ]; then
			echo "#define $n 1"
		else
			echo "/* #undef $n */"
		fi
	done
	echo '#endif'
} > "$out.tmp" && mv -f "$out.tmp" "$out"

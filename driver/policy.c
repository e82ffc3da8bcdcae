// SPDX-License-Identifier: GPL-2.0-only
/*
 * policy.c - who may reach whom on a shared node: the admin's access
 * policy, the scope of segids, non-dumpable owners, and the per-user caps
 * on live segments, permits and attachments.
 *
 * All of it is set by module parameters that root may change at run time
 * (/sys/module/xpmem/parameters/), shown by xpmem-info and documented in
 * xpmem(7):
 *
 * access_policy (same-user, mode-bits, none)
 *	Who may GET a segment of another user. same-user (the default):
 *	only the owner's effective uid, or a caller with CAP_IPC_OWNER in
 *	the owner's user namespace. mode-bits: the System V IPC check of
 *	the segment's mode (owner, group, other), with the same capability
 *	override. none: only the owner's uid, no override. In every policy
 *	the mode bits still decide what the owner's own uid may do.
 * segid_scope (ipc-namespace, global)
 *	ipc-namespace (the default): a segid is found only from the IPC
 *	namespace its segment was made in, as System V IPC ids are; from
 *	another one it does not exist (ENOENT). global: from anywhere.
 * nondumpable_needs_ptrace (Y by default)
 *	An owner whose mm is not dumpable (set-uid/set-gid execution,
 *	PR_SET_DUMPABLE 0) can be got or attached only by a caller with
 *	CAP_SYS_PTRACE in the owner's user namespace, as ptrace would
 *	require.
 * max_segments_per_user, max_permits_per_user, max_attachments_per_user
 *	Caps on the live objects of one user (effective kuid of the
 *	caller; a container's uid counts as the host uid it maps to); 0 is
 *	no cap. Over a cap the call fails with ENOSPC. The defaults leave
 *	room for an MPI job of many ranks of one user caching 10^6
 *	attachments on a node.
 *
 * Every refusal is logged, rate limited, with the parameter that made it,
 * and reported, not rate limited, by the trace event xpmem_refuse with
 * the same reason (xpmem_trace.h, xpmem(7)).
 *
 * Locking: xpmem_users_lock (spinlock) protects the hash table of users;
 * a leaf, taken in process context only. The counters are atomic.
 */

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/hashtable.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/cred.h>
#include <linux/capability.h>
#include <linux/user_namespace.h>
#include <linux/nsproxy.h>
#include <linux/ipc_namespace.h>
#include <linux/sched/mm.h>
#include <linux/string.h>
#include <linux/ratelimit.h>

#include "xpmem_internal.h"
#include "xpmem_trace.h"

/* ---- access_policy -------------------------------------------------- */

enum xpmem_access {
	XPMEM_ACCESS_SAME_USER,
	XPMEM_ACCESS_MODE_BITS,
	XPMEM_ACCESS_NONE,
};

static const char *const xpmem_access_names[] = {
	[XPMEM_ACCESS_SAME_USER] = "same-user",
	[XPMEM_ACCESS_MODE_BITS] = "mode-bits",
	[XPMEM_ACCESS_NONE] = "none",
};

static int xpmem_access_policy = XPMEM_ACCESS_SAME_USER;

/* A string parameter taking one of @names, stored as its index in *arg. */
static int xpmem_param_set_choice(const char *val, int *arg,
				  const char *const *names, int n)
{
	int i = __sysfs_match_string(names, n, val);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(*arg, i);
	return 0;
}

static int xpmem_access_set(const char *val, const struct kernel_param *kp)
{
	return xpmem_param_set_choice(val, kp->arg, xpmem_access_names,
				      ARRAY_SIZE(xpmem_access_names));
}

static int xpmem_access_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n",
			  xpmem_access_names[READ_ONCE(*(int *)kp->arg)]);
}

static const struct kernel_param_ops xpmem_access_ops = {
	.set = xpmem_access_set,
	.get = xpmem_access_get,
};
module_param_cb(access_policy, &xpmem_access_ops, &xpmem_access_policy,
		0644);
MODULE_PARM_DESC(access_policy,
		 "Who may get another user's segment: same-user (default), mode-bits or none");

/* ---- segid_scope ---------------------------------------------------- */

enum xpmem_scope {
	XPMEM_SCOPE_IPC_NS,
	XPMEM_SCOPE_GLOBAL,
};

static const char *const xpmem_scope_names[] = {
	[XPMEM_SCOPE_IPC_NS] = "ipc-namespace",
	[XPMEM_SCOPE_GLOBAL] = "global",
};

static int xpmem_segid_scope = XPMEM_SCOPE_IPC_NS;

static int xpmem_scope_set(const char *val, const struct kernel_param *kp)
{
	return xpmem_param_set_choice(val, kp->arg, xpmem_scope_names,
				      ARRAY_SIZE(xpmem_scope_names));
}

static int xpmem_scope_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n",
			  xpmem_scope_names[READ_ONCE(*(int *)kp->arg)]);
}

static const struct kernel_param_ops xpmem_scope_ops = {
	.set = xpmem_scope_set,
	.get = xpmem_scope_get,
};
module_param_cb(segid_scope, &xpmem_scope_ops, &xpmem_segid_scope, 0644);
MODULE_PARM_DESC(segid_scope,
		 "Where a segid is visible: ipc-namespace (default, like System V IPC) or global");

/* ---- nondumpable_needs_ptrace --------------------------------------- */

static bool xpmem_nondumpable_ptrace = true;
module_param_named(nondumpable_needs_ptrace, xpmem_nondumpable_ptrace, bool,
		   0644);
MODULE_PARM_DESC(nondumpable_needs_ptrace,
		 "A non-dumpable owner is reachable only with CAP_SYS_PTRACE (default Y)");

/* ---- refusals -------------------------------------------------------- */

/* The trace event of a refusal of the calling task; @seg may be NULL. */
static void xpmem_trace_refusal(const struct xpmem_seg *seg, const char *why,
				int err)
{
	if (!trace_xpmem_refuse_enabled())
		return;
	trace_xpmem_refuse(seg ? xpmem_seg_id(seg) : 0,
			   task_tgid_nr(current),
			   from_kuid(&init_user_ns, current_euid()),
			   from_kuid(&init_user_ns, seg ? seg->euid : INVALID_UID),
			   why, err);
}

/* ---- per-user caps -------------------------------------------------- */

static unsigned int xpmem_caps[XPMEM_NR_KINDS] = {
	[XPMEM_SEGMENTS] = 131072,
	[XPMEM_PERMITS] = 1048576,
	[XPMEM_ATTACHMENTS] = 2097152,
};
module_param_named(max_segments_per_user, xpmem_caps[XPMEM_SEGMENTS], uint,
		   0644);
MODULE_PARM_DESC(max_segments_per_user,
		 "Live segments one user may have (0: no cap; default 131072)");
module_param_named(max_permits_per_user, xpmem_caps[XPMEM_PERMITS], uint,
		   0644);
MODULE_PARM_DESC(max_permits_per_user,
		 "Live permits one user may hold (0: no cap; default 1048576)");
module_param_named(max_attachments_per_user, xpmem_caps[XPMEM_ATTACHMENTS],
		   uint, 0644);
MODULE_PARM_DESC(max_attachments_per_user,
		 "Live attachments one user may hold (0: no cap; default 2097152)");

static const char *const xpmem_kind_params[XPMEM_NR_KINDS] = {
	[XPMEM_SEGMENTS] = "max_segments_per_user",
	[XPMEM_PERMITS] = "max_permits_per_user",
	[XPMEM_ATTACHMENTS] = "max_attachments_per_user",
};

/**
 * struct xpmem_user - the live objects of one user
 * @node: entry in xpmem_users
 * @uid: the user (effective kuid of the callers)
 * @ref: one per live object counted here
 * @count: live objects of each kind
 */
struct xpmem_user {
	struct hlist_node node;
	kuid_t uid;
	refcount_t ref;
	atomic_long_t count[XPMEM_NR_KINDS];
};

#define XPMEM_USERS_BITS	8
static DEFINE_HASHTABLE(xpmem_users, XPMEM_USERS_BITS);
static DEFINE_SPINLOCK(xpmem_users_lock);	/* protects xpmem_users */

static struct xpmem_user *xpmem_user_find(kuid_t uid)
{
	struct xpmem_user *u;

	lockdep_assert_held(&xpmem_users_lock);
	hash_for_each_possible(xpmem_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/* The user of @uid with a new reference, created if need be. */
static struct xpmem_user *xpmem_user_get(kuid_t uid)
{
	struct xpmem_user *u, *fresh;

	spin_lock(&xpmem_users_lock);
	u = xpmem_user_find(uid);
	if (u)
		refcount_inc(&u->ref);
	spin_unlock(&xpmem_users_lock);
	if (u)
		return u;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return NULL;
	fresh->uid = uid;
	refcount_set(&fresh->ref, 1);

	spin_lock(&xpmem_users_lock);
	u = xpmem_user_find(uid);
	if (u) {
		refcount_inc(&u->ref);
	} else {
		hash_add(xpmem_users, &fresh->node, __kuid_val(uid));
		u = fresh;
		fresh = NULL;
	}
	spin_unlock(&xpmem_users_lock);
	kfree(fresh);
	return u;
}

static void xpmem_user_put(struct xpmem_user *u)
{
	if (!refcount_dec_and_lock(&u->ref, &xpmem_users_lock))
		return;
	hash_del(&u->node);
	spin_unlock(&xpmem_users_lock);
	kfree(u);
}

/**
 * xpmem_user_charge() - count a new object of the calling user
 * @kind: what is being made
 * @seg: the segment it is of (a permit, an attachment), or NULL (a
 *	segment), for the refusal's trace event
 *
 * Context: process context.
 * Return: the user to give to xpmem_user_uncharge() when the object
 * goes, ERR_PTR(-ENOSPC) when the user is at its cap for @kind, or
 * ERR_PTR(-ENOMEM).
 */
struct xpmem_user *xpmem_user_charge(enum xpmem_kind kind,
				     const struct xpmem_seg *seg)
{
	kuid_t uid = current_euid();
	unsigned int cap = READ_ONCE(xpmem_caps[kind]);
	struct xpmem_user *u = xpmem_user_get(uid);
	long n;

	if (!u)
		return ERR_PTR(-ENOMEM);
	n = atomic_long_inc_return(&u->count[kind]);
	if (cap && n > cap) {
		atomic_long_dec(&u->count[kind]);
		xpmem_user_put(u);
		xpmem_trace_refusal(seg, xpmem_kind_params[kind], -ENOSPC);
		pr_info_ratelimited("xpmem: uid %u (pid %d) is at %s=%u: ENOSPC\n",
				    from_kuid(&init_user_ns, uid),
				    task_tgid_nr(current),
				    xpmem_kind_params[kind], cap);
		return ERR_PTR(-ENOSPC);
	}
	return u;
}

/**
 * xpmem_user_uncharge() - an object counted by xpmem_user_charge() is gone
 * @u: what xpmem_user_charge() returned
 * @kind: the same kind
 */
void xpmem_user_uncharge(struct xpmem_user *u, enum xpmem_kind kind)
{
	atomic_long_dec(&u->count[kind]);
	xpmem_user_put(u);
}

/* ---- the checks ----------------------------------------------------- */

/**
 * xpmem_ipc_ns_id() - the IPC namespace of the calling task
 *
 * Namespaces are compared by their inode number: the kernels before 6.12
 * do not export put_ipc_ns(), so no reference is held. A number can be
 * reused only after the namespace is gone; a segment outliving the
 * namespace it was made in (its owner moved to another) would then be
 * visible from the new one, but only to who knows its random tag.
 *
 * Return: the namespace's inode number.
 */
unsigned int xpmem_ipc_ns_id(void)
{
	return current->nsproxy->ipc_ns->ns.inum;
}

/**
 * xpmem_policy_visible() - whether the caller may see a segment at all
 * @seg: the segment
 *
 * A refusal is logged and traced (xpmem_refuse).
 *
 * Context: any task context; takes no lock.
 * Return: true if segid_scope lets the calling task find @seg.
 */
bool xpmem_policy_visible(const struct xpmem_seg *seg)
{
	if (READ_ONCE(xpmem_segid_scope) == XPMEM_SCOPE_GLOBAL ||
	    seg->ipc_ns == xpmem_ipc_ns_id())
		return true;
	xpmem_trace_refusal(seg, "segid_scope=ipc-namespace", -ENOENT);
	pr_info_ratelimited("xpmem: pid %d: a segid of another IPC namespace, refused by segid_scope=ipc-namespace: ENOENT\n",
			    task_tgid_nr(current));
	return false;
}

/* Like ipcperms(): owner, then group (supplementary too), then others. */
static bool xpmem_mode_allows(const struct xpmem_seg *seg, bool write)
{
	const struct cred *cred = current_cred();
	unsigned int want = write ? 06 : 04;
	unsigned int granted;

	if (uid_eq(cred->euid, seg->euid))
		granted = seg->mode >> 6;
	else if (in_group_p(seg->egid))
		granted = seg->mode >> 3;
	else
		granted = seg->mode;
	return (granted & want) == want;
}

static int __xpmem_refuse(struct ratelimit_state *rs,
			  const struct xpmem_seg *seg, const char *why, int err)
{
	xpmem_trace_refusal(seg, why, err);
	if (__ratelimit(rs))
		pr_info("xpmem: pid %d uid %u: segment of uid %u refused by %s: %s\n",
			task_tgid_nr(current),
			from_kuid(&init_user_ns, current_euid()),
			from_kuid(&init_user_ns, seg->euid), why,
			err == -EPERM ? "EPERM" : "EACCES");
	return err;
}

/* Log a refusal, rate limited per reason (one never hides another). */
#define xpmem_refuse(seg, why, err) ({					\
	static DEFINE_RATELIMIT_STATE(_rs, DEFAULT_RATELIMIT_INTERVAL,	\
				      DEFAULT_RATELIMIT_BURST);		\
	__xpmem_refuse(&_rs, seg, why, err);				\
})

/**
 * xpmem_policy_dumpable() - the non-dumpable owner rule
 * @seg: the segment
 *
 * Context: process context; the owner may be gone (then allowed: there
 * is nothing to reach).
 * Return: 0 or -EPERM.
 */
int xpmem_policy_dumpable(const struct xpmem_seg *seg)
{
	struct user_namespace *ns;
	bool ok;

	if (!READ_ONCE(xpmem_nondumpable_ptrace))
		return 0;
	ok = xpmem_owner_dumpable(seg->owner_pid, seg->mm, &ns);
	if (!ns)
		return 0;	/* the owner is gone: nothing to reach */
	if (!ok)
		ok = ns_capable(ns, CAP_SYS_PTRACE);
	put_user_ns(ns);
	if (ok)
		return 0;
	return xpmem_refuse(seg, "nondumpable_needs_ptrace (the owner is not dumpable)",
			    -EPERM);
}

/**
 * xpmem_policy_get() - may the caller GET @seg with this access
 * @seg: the segment
 * @write: read-write access is asked for
 *
 * Applies access_policy, the mode bits and nondumpable_needs_ptrace.
 *
 * Context: process context.
 * Return: 0, -EACCES (policy or mode bits) or -EPERM (non-dumpable).
 */
int xpmem_policy_get(const struct xpmem_seg *seg, bool write)
{
	int policy = READ_ONCE(xpmem_access_policy);
	bool same = uid_eq(current_euid(), seg->euid);
	bool cap = ns_capable(seg->user_ns, CAP_IPC_OWNER);

	switch (policy) {
	case XPMEM_ACCESS_NONE:
		if (!same)
			return xpmem_refuse(seg, "access_policy=none", -EACCES);
		if (!xpmem_mode_allows(seg, write))
			return xpmem_refuse(seg, "the segment's mode", -EACCES);
		break;
	case XPMEM_ACCESS_SAME_USER:
		if (!same && !cap)
			return xpmem_refuse(seg, "access_policy=same-user",
					    -EACCES);
		fallthrough;
	default:
		if (!xpmem_mode_allows(seg, write) && !cap)
			return xpmem_refuse(seg, "the segment's mode", -EACCES);
		break;
	}
	return xpmem_policy_dumpable(seg);
}

/**
 * xpmem_policy_exit() - at module unload: no user is left
 */
void xpmem_policy_exit(void)
{
	WARN_ON_ONCE(!hash_empty(xpmem_users));
}

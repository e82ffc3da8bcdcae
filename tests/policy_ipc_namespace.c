// SPDX-License-Identifier: GPL-2.0-only
/*
 * segids live in the IPC namespace of the process that made them (module
 * parameter segid_scope, default ipc-namespace): a process in another
 * IPC namespace (a container) gets ENOENT from GET and REMOVE, as if
 * the segment did not exist, while one in the owner's namespace gets a
 * working permit. With segid_scope=global the other namespace's GET
 * works too.
 */
#include "xt.h"

#include <sched.h>
#include <sys/wait.h>

static xpmem_segid_t seg;

static int other_ns(void *arg)
{
	int global = (int)(intptr_t)arg;

	XT_OK(unshare(CLONE_NEWIPC));
	if (!global) {
		XT_ERR(xpmem_get(seg, XPMEM_RDWR, XPMEM_PERMIT_MODE, NULL),
		       ENOENT);
		XT_ERR(xpmem_remove(seg), ENOENT);
		return 0;
	}
	xpmem_apid_t a = xt_get(seg, XPMEM_RDWR);
	char *p = xt_attach(a, 0, XT_PS, NULL);
	XT_ASSERT_PATTERN(p, XT_PS, 21, 0);
	xt_detach(p);
	xt_release(a);
	return 0;
}

static int same_ns(void *arg)
{
	(void)arg;
	xpmem_apid_t a = xt_get(seg, XPMEM_RDWR);
	char *p = xt_attach(a, 0, XT_PS, NULL);
	XT_ASSERT_PATTERN(p, XT_PS, 21, 0);
	xt_detach(p);
	xt_release(a);
	return 0;
}

/* Whether this kernel has IPC namespaces (CONFIG_IPC_NS). */
static int ipc_ns_supported(void)
{
	pid_t pid = xt_fork();
	int st;

	if (pid == 0)
		_exit(unshare(CLONE_NEWIPC) == 0 ? 0 : errno == EINVAL ? 3 : 4);
	XT_ASSERT(waitpid(pid, &st, 0) == pid && WIFEXITED(st));
	XT_ASSERT_MSG(WEXITSTATUS(st) != 4, "unshare(CLONE_NEWIPC) failed");
	return WEXITSTATUS(st) == 0;
}

int main(void)
{
	struct xt_owner o = { .len = XT_PS, .seed = 21, .mode = 0600 };
	char v[64];

	xt_require_root();
	if (!ipc_ns_supported())
		xt_skip("no IPC namespaces in this kernel (CONFIG_IPC_NS)");
	XT_OK(xt_module_param_get("segid_scope", v, sizeof(v)));
	XT_ASSERT_MSG(!strcmp(v, "ipc-namespace"), "default segid_scope is %s",
		      v);
	xt_owner_start(&o);
	seg = o.segid;
	xt_run(same_ns, NULL);
	xt_run(other_ns, (void *)0);
	xt_module_param("segid_scope", "global");
	xt_run(other_ns, (void *)1);
	xt_module_param("segid_scope", "ipc-namespace");
	xt_run(other_ns, (void *)0);
	xt_owner_stop(&o);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Self-test of the xpmem test bed: checks, inside the guest, the environment
 * that the guest tests rely on.  Exit 0 if all holds, 1 otherwise.
 *
 *  - users alice 1000, bob 1001, carol 1002; group team 2000 = {alice, bob}
 *  - /data/ro-file: root-owned, mode 0444, 1 MiB, byte i == (i*7+3)&0xff,
 *    not writable even by root (read-only mount)
 *  - hugetlbfs mounted at /dev/hugepages with free 2 MiB pages
 *  - transparent hugepages "always"
 *  - /dev/xpmem is a character device of mode 0666
 *  - /tmp is a writable tmpfs, 2 CPUs online
 *  - XPMEM_VM_KERNEL (the kernel's name in the matrix) is in the environment
 *  - 2 NUMA nodes, ext4 at XPMEM_VM_EXT4 (/mnt/ext4) on a virtio disk, a
 *    swap area at XPMEM_VM_SWAP, where the kernel has NUMA / a block layer
 *  - cgroup v2 at /sys/fs/cgroup with the memory controller for children
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define HUGETLBFS_MAGIC 0x958458f6
#define TMPFS_MAGIC 0x01021994
#define EXT4_MAGIC 0xef53
#define CGROUP2_MAGIC 0x63677270

static int failures;

#define CHECK(cond, ...) do {                                           \
	if (cond) { printf("ok   "); printf(__VA_ARGS__); printf("\n"); } \
	else { failures++; printf("FAIL "); printf(__VA_ARGS__);           \
	       printf(" (%s:%d)\n", __FILE__, __LINE__); }                 \
} while (0)

static void check_user(const char *name, uid_t uid)
{
	struct passwd *pw = getpwnam(name);

	CHECK(pw && pw->pw_uid == uid && pw->pw_gid == uid,
	      "user %s has uid/gid %u", name, (unsigned)uid);
}

static int in_group(struct group *gr, const char *name)
{
	for (char **m = gr->gr_mem; m && *m; m++)
		if (!strcmp(*m, name))
			return 1;
	return 0;
}

static char *read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	if (!fgets(buf, len, f))
		buf = NULL;
	fclose(f);
	return buf;
}

int main(void)
{
	struct stat st;
	struct statfs sfs;
	char buf[256];

	check_user("alice", 1000);
	check_user("bob", 1001);
	check_user("carol", 1002);
	struct group *gr = getgrnam("team");
	CHECK(gr && gr->gr_gid == 2000, "group team is 2000");
	CHECK(gr && in_group(gr, "alice") && in_group(gr, "bob") &&
	      !in_group(gr, "carol"), "team = {alice, bob}");
	CHECK(getuid() == 0, "tests start as root");

	/* /data/ro-file */
	CHECK(stat("/data/ro-file", &st) == 0 && S_ISREG(st.st_mode) &&
	      st.st_uid == 0 && st.st_gid == 0 && (st.st_mode & 07777) == 0444 &&
	      st.st_size == 1 << 20,
	      "/data/ro-file root:root 0444 1 MiB");
	int fd = open("/data/ro-file", O_RDONLY);
	int good = fd >= 0;
	if (fd >= 0) {
		unsigned char *p = mmap(NULL, 1 << 20, PROT_READ, MAP_SHARED, fd, 0);
		good = p != MAP_FAILED;
		for (size_t i = 0; good && i < (1u << 20); i++)
			if (p[i] != (unsigned char)((i * 7 + 3) & 0xff)) {
				printf("byte %zu is %u\n", i, p[i]);
				good = 0;
			}
		if (p != MAP_FAILED)
			munmap(p, 1 << 20);
		close(fd);
	}
	CHECK(good, "/data/ro-file bytes are (i*7+3)&0xff");
	fd = open("/data/ro-file", O_RDWR);
	CHECK(fd < 0 && (errno == EROFS || errno == EACCES),
	      "/data/ro-file cannot be opened for writing, even by root (errno %d)", errno);
	if (fd >= 0)
		close(fd);

	/* huge pages */
	CHECK(statfs("/dev/hugepages", &sfs) == 0 && sfs.f_type == HUGETLBFS_MAGIC &&
	      sfs.f_bsize == 2 << 20, "hugetlbfs with 2 MiB pages at /dev/hugepages");
	int nr = read_line("/proc/sys/vm/nr_hugepages", buf, sizeof(buf)) ? atoi(buf) : -1;
	CHECK(nr >= 16, "at least 16 huge pages reserved (%d)", nr);
	CHECK(read_line("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof(buf)) &&
	      strstr(buf, "[always]"), "THP enabled=always");

	/* the device */
	CHECK(stat("/dev/xpmem", &st) == 0 && S_ISCHR(st.st_mode) &&
	      (st.st_mode & 0777) == 0666, "/dev/xpmem is a char device, mode 0666");

	/* scratch space, CPUs */
	CHECK(statfs("/tmp", &sfs) == 0 && sfs.f_type == TMPFS_MAGIC &&
	      access("/tmp", W_OK) == 0, "/tmp is a writable tmpfs");
	CHECK(sysconf(_SC_NPROCESSORS_ONLN) == 2, "2 CPUs online");
	const char *kname = getenv("XPMEM_VM_KERNEL");
	CHECK(kname && *kname, "XPMEM_VM_KERNEL set (%s)", kname ? kname : "unset");

	/*
	 * The bed's second NUMA node, disks and cgroup v2, where the kernel
	 * has them (the debug kernel has neither NUMA nor a block layer).
	 */
	if (access("/sys/devices/system/node", F_OK) == 0)
		CHECK(access("/sys/devices/system/node/node1", F_OK) == 0 &&
		      access("/sys/devices/system/node/node2", F_OK) != 0,
		      "2 NUMA nodes");
	else
		printf("--   no NUMA in this kernel: one node\n");
	const char *ext4 = getenv("XPMEM_VM_EXT4"), *swp = getenv("XPMEM_VM_SWAP");
	const char *disks = getenv("XPMEM_VM_DISKS");
	if (disks && !strcmp(disks, "0")) {
		printf("--   booted without disk modules (XPMEM_VM_DISKS=0)\n");
	} else if (access("/sys/block", F_OK) == 0) {
		CHECK(ext4 && !strcmp(ext4, "/mnt/ext4") &&
		      statfs(ext4, &sfs) == 0 && sfs.f_type == EXT4_MAGIC &&
		      access(ext4, W_OK) == 0,
		      "ext4 on a virtio disk, writable, at XPMEM_VM_EXT4 (%s)",
		      ext4 ? ext4 : "unset");
		CHECK(swp && *swp && stat(swp, &st) == 0 && S_ISBLK(st.st_mode),
		      "swap area (not enabled) at XPMEM_VM_SWAP (%s)",
		      swp ? swp : "unset");
	} else {
		printf("--   no block layer in this kernel: no ext4 disk, no swap\n");
	}
	CHECK(statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_MAGIC &&
	      read_line("/sys/fs/cgroup/cgroup.subtree_control", buf, sizeof(buf)) &&
	      strstr(buf, "memory"),
	      "cgroup v2 at /sys/fs/cgroup, memory controller for children");

	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}

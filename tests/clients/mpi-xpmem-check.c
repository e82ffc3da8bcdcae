// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MPI job of the MPI client tests (Open MPI, MPICH) in the guest, on any
 * number of ranks >= 2.  Every transfer's data is verified:
 *
 * 1. Ping-pong between the rank pairs (0,1), (2,3), ... at the same time,
 *    for each size 8 B .. 16 MiB (powers of 8): two round trips with fresh
 *    contents checked byte by byte on both sides, then <iters> timed round
 *    trips of an echo (whatever comes back must still be the pattern sent).
 *    Rank 0 prints
 *      mpi-pp <size> <iters> <latency-us> <MiB/s> ok|CORRUPT
 *    with latency = half a round trip of pair (0,1), bandwidth = size over it.
 * 2. Broadcast from distinct buffers: NBUF separately allocated buffers, the
 *    root of buffer b is rank b % nproc, every rank checks every byte:
 *      mpi-bcast <nbuf> <size> ok|CORRUPT
 * 3. Allreduce (MPI_SUM of int64) with sent and received buffers distinct,
 *    every rank checks the result against its closed form:
 *      mpi-allreduce <count> ok|CORRUPT
 * 4. The /dev/xpmem mappings of every rank (/proc/self/maps), the larger of
 *    their count after the ping-pong (its buffers still allocated) and
 *    before MPI_Finalize:
 *      mpi-maps ranks=<n> xpmem_mappings=<sum> min=<fewest of one rank>
 *    so the caller can tell whether the single-copy path went through xpmem.
 *
 *   mpi-xpmem-check [-q]     -q: a quarter of the timed iterations
 *   mpi-xpmem-check -f <n>   the finalize job instead (below)
 *
 * The finalize job: in each rank pair the first rank maps <n> distinct
 * 16 KiB buffers FIN_STRIDE apart (each its own mapping, far enough apart
 * that no attachment window of a client covers two), fills each with its
 * own pattern and sends each once; its peer checks every one.  So the
 * peer's MPI library attaches, and may cache, <n> distinct pieces of the
 * first rank's memory.  Then every rank times its MPI_Finalize:
 *      mpi-fin-data <n> ok|CORRUPT
 *      mpi-finalize rank=<r> secs=<s> xpmem_mappings=<before finalize>
 *
 * Exit 0 if every check passed on every rank.
 */
#define _GNU_SOURCE
#include <mpi.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBUF		8
#define BCAST_SIZE	(512u * 1024u)
#define MAX_SIZE	(16u * 1024u * 1024u)
#define FIN_SIZE	(16u * 1024u)
#define FIN_STRIDE	(32ul << 20)
#define FIN_BASE	(0x100000000000ul)	/* 16 TiB: far from heap/libs */

static int rank, nproc;

static unsigned char pat(size_t i, int salt)
{
	return (unsigned char)((i * 131u + (size_t)salt * 7u + (i >> 12)) & 0xff);
}

static void fill(unsigned char *b, size_t n, int salt)
{
	for (size_t i = 0; i < n; i++)
		b[i] = pat(i, salt);
}

static int check(const unsigned char *b, size_t n, int salt)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != pat(i, salt))
			return 0;
	return 1;
}

/* 1 if every rank passed ok = 1. */
static int all_ok(int ok)
{
	int all;

	MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
	return all;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "rank %d: out of memory (%zu bytes)\n", rank, n);
		MPI_Abort(MPI_COMM_WORLD, 3);
	}
	return p;
}

static int iters_for(size_t size, int quick)
{
	int n = size <= 4096 ? 100 : size <= 262144 ? 40 : size <= 2097152 ? 10 : 4;

	return quick ? (n / 4 > 2 ? n / 4 : 2) : n;
}

/* One size of the ping-pong; returns this rank's verdict. */
static int pingpong(unsigned char *a, unsigned char *b, size_t n, int quick)
{
	int peer = rank ^ 1, first = !(rank & 1), ok = 1;
	int iters = iters_for(n, quick), cnt = (int)n;
	double t0, t;

	if (peer >= nproc) {		/* odd rank count: the last one waits */
		MPI_Barrier(MPI_COMM_WORLD);
		return all_ok(1);
	}
	for (int it = 0; it < 2; it++) {
		if (first) {
			fill(a, n, it);
			MPI_Send(a, cnt, MPI_BYTE, peer, it, MPI_COMM_WORLD);
			memset(b, 0, n);
			MPI_Recv(b, cnt, MPI_BYTE, peer, it, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			ok &= check(b, n, it + 50);
		} else {
			memset(b, 0, n);
			MPI_Recv(b, cnt, MPI_BYTE, peer, it, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			ok &= check(b, n, it);
			fill(a, n, it + 50);
			MPI_Send(a, cnt, MPI_BYTE, peer, it, MPI_COMM_WORLD);
		}
	}
	/* Timed echo: the first rank sends pattern 7, its peer sends back
	 * what it received, into the other buffer each time. */
	if (first)
		fill(a, n, 7);
	memset(b, 0, n);
	MPI_Barrier(MPI_COMM_WORLD);
	t0 = MPI_Wtime();
	for (int it = 0; it < iters; it++) {
		if (first) {
			MPI_Send(a, cnt, MPI_BYTE, peer, 100, MPI_COMM_WORLD);
			MPI_Recv(b, cnt, MPI_BYTE, peer, 100, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		} else {
			MPI_Recv(b, cnt, MPI_BYTE, peer, 100, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			MPI_Send(b, cnt, MPI_BYTE, peer, 100, MPI_COMM_WORLD);
		}
	}
	t = MPI_Wtime() - t0;
	ok &= check(b, n, 7);
	ok = all_ok(ok);
	if (rank == 0) {
		double lat = t / (2.0 * iters);

		printf("mpi-pp %zu %d %.2f %.3f %s\n", n, iters, lat * 1e6,
		       (double)n / (lat > 1e-12 ? lat : 1e-12) / 1048576.0,
		       ok ? "ok" : "CORRUPT");
		fflush(stdout);
	}
	return ok;
}

static int bcast_distinct(void)
{
	unsigned char *buf[NBUF];
	int ok = 1;

	for (int b = 0; b < NBUF; b++) {
		buf[b] = xmalloc(BCAST_SIZE);
		if (b % nproc == rank)
			fill(buf[b], BCAST_SIZE, 200 + b);
		else
			memset(buf[b], 0, BCAST_SIZE);
	}
	for (int b = 0; b < NBUF; b++)
		MPI_Bcast(buf[b], (int)BCAST_SIZE, MPI_BYTE, b % nproc, MPI_COMM_WORLD);
	for (int b = 0; b < NBUF; b++) {
		ok &= check(buf[b], BCAST_SIZE, 200 + b);
		free(buf[b]);
	}
	ok = all_ok(ok);
	if (rank == 0) {
		printf("mpi-bcast %d %u %s\n", NBUF, BCAST_SIZE, ok ? "ok" : "CORRUPT");
		fflush(stdout);
	}
	return ok;
}

static int64_t contrib(int r, size_t i)
{
	return (int64_t)(r + 1) * (int64_t)(i % 1009) + (int64_t)i;
}

static int allreduce(size_t count)
{
	int64_t *in = xmalloc(count * sizeof(*in)), *out = xmalloc(count * sizeof(*out));
	int64_t tri = (int64_t)nproc * (nproc + 1) / 2;
	int ok = 1;

	for (size_t i = 0; i < count; i++) {
		in[i] = contrib(rank, i);
		out[i] = -1;
	}
	MPI_Allreduce(in, out, (int)count, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
	for (size_t i = 0; i < count; i++)
		if (out[i] != tri * (int64_t)(i % 1009) + (int64_t)nproc * (int64_t)i) {
			ok = 0;
			break;
		}
	free(in);
	free(out);
	ok = all_ok(ok);
	if (rank == 0) {
		printf("mpi-allreduce %zu %s\n", count, ok ? "ok" : "CORRUPT");
		fflush(stdout);
	}
	return ok;
}

static int xpmem_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "/dev/xpmem"))
			n++;
	fclose(f);
	return n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned char *fin_buffer(long i)
{
	void *want = (void *)(FIN_BASE + (unsigned long)i * FIN_STRIDE);
	void *p = mmap(want, FIN_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED || p != want) {
		fprintf(stderr, "rank %d: cannot map finalize buffer %ld at %p\n",
			rank, i, want);
		MPI_Abort(MPI_COMM_WORLD, 3);
	}
	return p;
}

static int finalize_job(long n)
{
	int peer = rank ^ 1, first = !(rank & 1), ok = 1, maps;
	unsigned char *rbuf = xmalloc(FIN_SIZE);
	double t0, t;

	if (peer < nproc) {
		for (long i = 0; i < n; i++) {
			if (first) {
				unsigned char *p = fin_buffer(i);

				fill(p, FIN_SIZE, (int)(i & 0x3fff));
				MPI_Send(p, (int)FIN_SIZE, MPI_BYTE, peer, 7, MPI_COMM_WORLD);
			} else {
				MPI_Recv(rbuf, (int)FIN_SIZE, MPI_BYTE, peer, 7, MPI_COMM_WORLD,
					 MPI_STATUS_IGNORE);
				ok &= check(rbuf, FIN_SIZE, (int)(i & 0x3fff));
			}
		}
	}
	free(rbuf);
	ok = all_ok(ok);
	if (rank == 0) {
		printf("mpi-fin-data %ld %s\n", n, ok ? "ok" : "CORRUPT");
		fflush(stdout);
	}
	maps = xpmem_mappings();
	MPI_Barrier(MPI_COMM_WORLD);
	t0 = now();
	MPI_Finalize();
	t = now() - t0;
	printf("mpi-finalize rank=%d secs=%.3f xpmem_mappings=%d\n", rank, t, maps);
	fflush(stdout);
	return !ok;
}

int main(int argc, char **argv)
{
	int quick = 0, ok = 1, maps, sum, min;
	long fin = 0;
	unsigned char *a, *b;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nproc);
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-q"))
			quick = 1;
		else if (!strcmp(argv[i], "-f") && i + 1 < argc)
			fin = strtol(argv[++i], NULL, 0);
	if (nproc < 2) {
		fprintf(stderr, "mpi-xpmem-check: needs 2 ranks or more, got %d\n", nproc);
		MPI_Abort(MPI_COMM_WORLD, 2);
	}
	if (fin > 0)
		return finalize_job(fin);

	a = xmalloc(MAX_SIZE);
	b = xmalloc(MAX_SIZE);
	for (size_t n = 8; n <= MAX_SIZE; n *= 8)
		ok &= pingpong(a, b, n, quick);
	/* The library may drop the attachments of freed buffers: count
	 * them while the buffers live, and again at the end. */
	maps = xpmem_mappings();
	free(a);
	free(b);
	ok &= bcast_distinct();
	ok &= allreduce(16);
	ok &= allreduce(262144);

	if (xpmem_mappings() > maps)
		maps = xpmem_mappings();
	MPI_Reduce(&maps, &sum, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
	MPI_Reduce(&maps, &min, 1, MPI_INT, MPI_MIN, 0, MPI_COMM_WORLD);
	if (rank == 0) {
		printf("mpi-maps ranks=%d xpmem_mappings=%d min=%d\n", nproc, sum, min);
		fflush(stdout);
	}
	MPI_Finalize();
	return !ok;
}

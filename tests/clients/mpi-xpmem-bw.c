// SPDX-License-Identifier: GPL-2.0-only
/*
 * Two-rank MPI point-to-point test for the MPI clients (Open MPI, MPICH) in
 * the guest: per size, rank 0 sends three messages of different contents
 * that rank 1 checks byte by byte, then <iters> messages back to back (timed;
 * rank 1 checks the last one and acknowledges with its verdict).  Prints
 *   mpi-bw <size> <iters> <MiB/s> ok|CORRUPT
 * and, before MPI_Finalize, for each rank
 *   mpi-maps rank=<r> xpmem_mappings=<n>
 * the number of /dev/xpmem mappings in /proc/self/maps (XPMEM attachments
 * the MPI library holds in its cache), so the caller can tell whether the
 * single-copy path went through xpmem.  Exit 0 if all data arrived intact.
 *
 *   mpi-xpmem-bw [size...]     (default 65536 1048576 16777216)
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char pat(size_t i, int it)
{
	return (unsigned char)((i * 131u + (size_t)it * 7u + (i >> 12)) & 0xff);
}

static void fill(unsigned char *b, size_t n, int it)
{
	for (size_t i = 0; i < n; i++)
		b[i] = pat(i, it);
}

/* Full check, or one byte per 4 KiB plus the last byte. */
static int check(const unsigned char *b, size_t n, int it, int full)
{
	size_t step = full ? 1 : 4096;

	for (size_t i = 0; i < n; i += step)
		if (b[i] != pat(i, it))
			return 0;
	return n == 0 || b[n - 1] == pat(n - 1, it);
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

static int iters_for(size_t size)
{
	if (size <= 65536)
		return 1000;
	if (size <= 1048576)
		return 200;
	return 30;
}

int main(int argc, char **argv)
{
	size_t sizes[16] = { 65536, 1048576, 16777216 };
	int nsizes = 3, rank, nproc, bad = 0;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nproc);
	if (nproc != 2) {
		if (rank == 0)
			fprintf(stderr, "mpi-xpmem-bw: needs exactly 2 ranks, got %d\n", nproc);
		MPI_Abort(MPI_COMM_WORLD, 2);
	}
	if (argc > 1) {
		nsizes = 0;
		for (int i = 1; i < argc && nsizes < 16; i++)
			sizes[nsizes++] = strtoull(argv[i], NULL, 0);
	}

	for (int s = 0; s < nsizes; s++) {
		size_t n = sizes[s];
		int iters = iters_for(n), ok = 1, ack = 0;
		unsigned char *buf = malloc(n ? n : 1);

		if (!buf)
			MPI_Abort(MPI_COMM_WORLD, 3);
		/* Correctness: three messages with different contents, every
		 * byte checked (untimed). */
		for (int it = 0; it < 3; it++) {
			if (rank == 0) {
				fill(buf, n, it);
				MPI_Send(buf, (int)n, MPI_BYTE, 1, it, MPI_COMM_WORLD);
			} else {
				memset(buf, 0, n);
				MPI_Recv(buf, (int)n, MPI_BYTE, 0, it, MPI_COMM_WORLD,
					 MPI_STATUS_IGNORE);
				if (!check(buf, n, it, 1))
					ok = 0;
			}
		}
		/* Bandwidth: iters messages back to back, then an acknowledgement
		 * that also carries the receiver's verdict. */
		MPI_Barrier(MPI_COMM_WORLD);
		double t0 = MPI_Wtime();

		for (int it = 0; it < iters; it++) {
			if (rank == 0)
				MPI_Send(buf, (int)n, MPI_BYTE, 1, 100 + it, MPI_COMM_WORLD);
			else
				MPI_Recv(buf, (int)n, MPI_BYTE, 0, 100 + it, MPI_COMM_WORLD,
					 MPI_STATUS_IGNORE);
		}
		if (rank == 1) {
			if (!check(buf, n, 2, 1))	/* the last pattern sent */
				ok = 0;
			MPI_Send(&ok, 1, MPI_INT, 0, 999999, MPI_COMM_WORLD);
		} else {
			MPI_Recv(&ack, 1, MPI_INT, 1, 999999, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		}
		double t = MPI_Wtime() - t0;

		if (rank == 0) {
			printf("mpi-bw %zu %d %.2f %s\n", n, iters,
			       (double)n * iters / (t > 1e-9 ? t : 1e-9) / 1048576.0,
			       ack ? "ok" : "CORRUPT");
			fflush(stdout);
			if (!ack)
				bad = 1;
		}
		free(buf);
	}

	/* Before finalize: the attachment cache is still populated. */
	for (int r = 0; r < 2; r++) {
		if (r == rank) {
			printf("mpi-maps rank=%d xpmem_mappings=%d\n", rank, xpmem_mappings());
			fflush(stdout);
		}
		MPI_Barrier(MPI_COMM_WORLD);
	}
	MPI_Bcast(&bad, 1, MPI_INT, 0, MPI_COMM_WORLD);
	MPI_Finalize();
	return bad;
}

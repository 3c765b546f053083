/* 4 KiB random reads at a fixed queue depth from the 1 GiB file, through
 * liburing: the same loop and the same offsets as
 * benches/src/bin/raw_read.rs.
 *
 * Usage: liburing_read [--qd 32] [--ops 1000000 | --seconds S]
 *        [--warmup 50000 | --warmup-seconds S] [--file PATH] [--direct]
 *        [--variant plain|best] [--registered-fd] [--defer]
 *
 * The file must exist with 1 GiB (raw_read and the other read programs
 * create it). Without --direct it is read end to end right before the
 * measurement, so that it is in the page cache; with --direct it is opened
 * with O_DIRECT and the reads go to the disk.
 *
 * --variant best: SINGLE_ISSUER + DEFER_TASKRUN + COOP_TASKRUN +
 * TASKRUN_FLAG, a registered ring fd, the file registered
 * (IOSQE_FIXED_FILE) and the buffers registered (READ_FIXED). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <liburing.h>
#include <sys/uio.h>
#include <unistd.h>
#include "common.h"

#define BLOCK 4096ULL
#define FILE_SIZE (1ULL << 30)

static uint64_t state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*, as bench_harness::Offsets. */
static inline uint64_t next_offset(void)
{
	uint64_t x = state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	state = x;
	return ((x * 0x2545f4914f6cdd1dULL) % (FILE_SIZE / BLOCK)) * BLOCK;
}

static int fixed;

static void prep(struct io_uring *ring, int fd, char *bufs, uint64_t slot)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	if (!sqe) {
		fprintf(stderr, "SQ full\n");
		exit(1);
	}
	if (fixed) {
		io_uring_prep_read_fixed(sqe, 0, bufs + slot * BLOCK, BLOCK, next_offset(), (int)slot);
		sqe->flags |= IOSQE_FIXED_FILE;
	} else {
		io_uring_prep_read(sqe, fd, bufs + slot * BLOCK, BLOCK, next_offset());
	}
	io_uring_sqe_set_data64(sqe, slot);
}

/* Reads until `ops` reads completed or the clock passes `until` (when
 * positive; read once per 64 reads), then waits for the reads in flight.
 * Returns the reads completed. */
static uint64_t __attribute__((noinline)) run(struct io_uring *ring, int fd, char *bufs, uint64_t qd, uint64_t ops,
					      double until)
{
	uint64_t in_flight = 0, done = 0, next_check = 0;
	int stopping = 0;
	while (in_flight < qd)
		prep(ring, fd, bufs, in_flight++);
	while (in_flight > 0) {
		int ret = io_uring_submit_and_wait(ring, 1);
		if (ret < 0) {
			fprintf(stderr, "io_uring_submit_and_wait: %s\n", strerror(-ret));
			exit(1);
		}
		if (!stopping) {
			if (until > 0) {
				if (done >= next_check) {
					next_check = done + 64;
					stopping = now_sec() >= until;
				}
			} else {
				stopping = done >= ops;
			}
		}
		struct io_uring_cqe *cqe;
		unsigned head, n = 0;
		io_uring_for_each_cqe(ring, head, cqe) {
			if (cqe->res != (int)BLOCK) {
				fprintf(stderr, "read returned %d\n", cqe->res);
				exit(1);
			}
			n++;
			done++;
			if (stopping)
				in_flight--;
			else
				prep(ring, fd, bufs, cqe->user_data);
		}
		io_uring_cq_advance(ring, n);
	}
	return done;
}

static int page_cache_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	static char buf[1 << 20];
	uint64_t total = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += (uint64_t)n;
	if (total != FILE_SIZE) {
		fprintf(stderr, "%s has %llu bytes, expected %llu\n", path,
			(unsigned long long)total, (unsigned long long)FILE_SIZE);
		exit(1);
	}
	return fd;
}

static double arg_secs(int argc, char **argv, const char *name, double def)
{
	const char *v = arg_value(argc, argv, name);
	return v ? atof(v) : def;
}

int main(int argc, char **argv)
{
	uint64_t qd = arg_num(argc, argv, "--qd", 32);
	uint64_t ops = arg_num(argc, argv, "--ops", 1000000);
	uint64_t warmup = arg_num(argc, argv, "--warmup", 50000);
	int timed = arg_value(argc, argv, "--seconds") != NULL;
	double seconds = arg_secs(argc, argv, "--seconds", 5);
	double warmup_seconds = arg_secs(argc, argv, "--warmup-seconds", 1);
	const char *path = arg_value(argc, argv, "--file");
	const char *v = arg_value(argc, argv, "--variant");
	int best = v && strcmp(v, "best") == 0;
	int direct = arg_flag(argc, argv, "--direct");
	int regfd = arg_flag(argc, argv, "--registered-fd") || best;
	int defer = arg_flag(argc, argv, "--defer") || best;
	struct io_uring ring;
	struct io_uring_params p;
	unsigned entries = 8;
	char *bufs;

	fixed = best;
	if (!path)
		path = "/tmp/ring-bench-1g.bin";
	while (entries < qd)
		entries <<= 1;
	memset(&p, 0, sizeof(p));
	if (defer)
		p.flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
			   IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
	int ret = io_uring_queue_init_params(entries, &ring, &p);
	if (ret < 0) {
		fprintf(stderr, "io_uring_queue_init_params: %s\n", strerror(-ret));
		return 1;
	}
	if (regfd && io_uring_register_ring_fd(&ring) != 1) {
		fprintf(stderr, "io_uring_register_ring_fd failed\n");
		return 1;
	}
	if (posix_memalign((void **)&bufs, 4096, qd * BLOCK)) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	memset(bufs, 0, qd * BLOCK);
	int fd;
	if (direct) {
		fd = open(path, O_RDONLY | O_DIRECT);
		if (fd < 0) {
			perror(path);
			return 1;
		}
	} else {
		fd = page_cache_file(path);
	}
	if (fixed) {
		struct iovec *iov = calloc(qd, sizeof(*iov));
		for (uint64_t i = 0; i < qd; i++) {
			iov[i].iov_base = bufs + i * BLOCK;
			iov[i].iov_len = BLOCK;
		}
		if ((ret = io_uring_register_buffers(&ring, iov, (unsigned)qd)) < 0 ||
		    (ret = io_uring_register_files(&ring, &fd, 1)) < 0) {
			fprintf(stderr, "register: %s\n", strerror(-ret));
			return 1;
		}
		free(iov);
	}
	run(&ring, fd, bufs, qd, warmup, timed ? now_sec() + warmup_seconds : 0);
	double c0 = cpu_sec();
	double t0 = now_sec();
	uint64_t done = run(&ring, fd, bufs, qd, ops, timed ? t0 + seconds : 0);
	double secs = now_sec() - t0;
	double cpu = cpu_sec() - c0;
	const char *variant = best ? "best" : variant_name(defer, regfd);
	report_cpu("liburing", variant, direct ? "read4k-direct" : "read4k", qd, done, secs, cpu);
	io_uring_queue_exit(&ring);
	close(fd);
	free(bufs);
	return 0;
}

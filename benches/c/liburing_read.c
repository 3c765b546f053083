/* 4 KiB random reads (IORING_OP_READ) at a fixed queue depth from a 1 GiB
 * file in the page cache, through liburing: the same loop and the same
 * offsets as benches/src/bin/raw_read.rs.
 *
 * Usage: liburing_read [--qd 32] [--ops 1000000] [--warmup 50000]
 *        [--file PATH] [--registered-fd] [--defer]
 *
 * The file must exist with 1 GiB (raw_read creates it); it is read end to
 * end right before the measurement so that it is in the page cache. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <liburing.h>
#include <unistd.h>
#include "common.h"

#define BLOCK 4096ULL
#define FILE_SIZE (1ULL << 30)

static uint64_t state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*, as benches::Offsets. */
static inline uint64_t next_offset(void)
{
	uint64_t x = state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	state = x;
	return ((x * 0x2545f4914f6cdd1dULL) % (FILE_SIZE / BLOCK)) * BLOCK;
}

static void prep(struct io_uring *ring, int fd, char *bufs, uint64_t slot)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	if (!sqe) {
		fprintf(stderr, "SQ full\n");
		exit(1);
	}
	io_uring_prep_read(sqe, fd, bufs + slot * BLOCK, BLOCK, next_offset());
	io_uring_sqe_set_data64(sqe, slot);
}

static void __attribute__((noinline)) run(struct io_uring *ring, int fd, char *bufs, uint64_t qd, uint64_t ops)
{
	uint64_t submitted = 0, done = 0;
	while (submitted < qd && submitted < ops)
		prep(ring, fd, bufs, submitted++);
	while (done < ops) {
		int ret = io_uring_submit_and_wait(ring, 1);
		if (ret < 0) {
			fprintf(stderr, "io_uring_submit_and_wait: %s\n", strerror(-ret));
			exit(1);
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
			if (submitted < ops) {
				prep(ring, fd, bufs, cqe->user_data);
				submitted++;
			}
		}
		io_uring_cq_advance(ring, n);
	}
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

int main(int argc, char **argv)
{
	uint64_t qd = arg_num(argc, argv, "--qd", 32);
	uint64_t ops = arg_num(argc, argv, "--ops", 1000000);
	uint64_t warmup = arg_num(argc, argv, "--warmup", 50000);
	const char *path = arg_value(argc, argv, "--file");
	int regfd = arg_flag(argc, argv, "--registered-fd");
	int defer = arg_flag(argc, argv, "--defer");
	struct io_uring ring;
	struct io_uring_params p;
	unsigned entries = 8;
	char *bufs;

	if (!path)
		path = "/tmp/ring-bench-1g.bin";
	while (entries < qd)
		entries <<= 1;
	memset(&p, 0, sizeof(p));
	if (defer)
		p.flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
			   IORING_SETUP_COOP_TASKRUN;
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
	int fd = page_cache_file(path);
	run(&ring, fd, bufs, qd, warmup);
	double t0 = now_sec();
	run(&ring, fd, bufs, qd, ops);
	double secs = now_sec() - t0;
	report("liburing", variant_name(defer, regfd), "read4k", qd, ops, secs);
	io_uring_queue_exit(&ring);
	close(fd);
	free(bufs);
	return 0;
}

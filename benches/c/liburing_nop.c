/* NOPs through liburing, the same loop as raw_nop: get and prep a batch of
 * SQEs, one io_uring_submit_and_wait, reap with io_uring_for_each_cqe and
 * one io_uring_cq_advance.
 *
 * Usage: liburing_nop [--batch 32] [--ops 10000000] [--warmup 100000]
 *        [--entries 256] [--registered-fd] [--defer]
 */
#include <liburing.h>
#include "common.h"

static void __attribute__((noinline)) run(struct io_uring *ring, unsigned batch, uint64_t rounds)
{
	for (uint64_t r = 0; r < rounds; r++) {
		for (unsigned i = 0; i < batch; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
			if (!sqe) {
				fprintf(stderr, "SQ full\n");
				exit(1);
			}
			io_uring_prep_nop(sqe);
			io_uring_sqe_set_data64(sqe, i);
		}
		unsigned seen = 0;
		while (seen < batch) {
			int ret = io_uring_submit_and_wait(ring, batch - seen);
			if (ret < 0) {
				fprintf(stderr, "io_uring_submit_and_wait: %s\n", strerror(-ret));
				exit(1);
			}
			struct io_uring_cqe *cqe;
			unsigned head, n = 0;
			io_uring_for_each_cqe(ring, head, cqe) {
				__asm__ volatile("" : : "r"(cqe->user_data) : "memory");
				n++;
			}
			io_uring_cq_advance(ring, n);
			seen += n;
		}
	}
}

int main(int argc, char **argv)
{
	unsigned batch = (unsigned)arg_num(argc, argv, "--batch", 32);
	uint64_t ops = arg_num(argc, argv, "--ops", 10000000);
	uint64_t warmup = arg_num(argc, argv, "--warmup", 100000);
	unsigned entries = (unsigned)arg_num(argc, argv, "--entries", 256);
	int regfd = arg_flag(argc, argv, "--registered-fd");
	int defer = arg_flag(argc, argv, "--defer");
	struct io_uring ring;
	struct io_uring_params p;

	if (batch < 1 || batch > entries) {
		fprintf(stderr, "batch must be between 1 and the ring size\n");
		return 1;
	}
	memset(&p, 0, sizeof(p));
	if (defer)
		p.flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
			   IORING_SETUP_COOP_TASKRUN;
	int ret = io_uring_queue_init_params(entries, &ring, &p);
	if (ret < 0) {
		fprintf(stderr, "io_uring_queue_init_params: %s\n", strerror(-ret));
		return 1;
	}
	if (regfd) {
		ret = io_uring_register_ring_fd(&ring);
		if (ret != 1) {
			fprintf(stderr, "io_uring_register_ring_fd: %d\n", ret);
			return 1;
		}
	}

	uint64_t wr = warmup / batch + (warmup % batch != 0);
	run(&ring, batch, wr ? wr : 1);
	uint64_t rounds = ops / batch + (ops % batch != 0);
	if (!rounds)
		rounds = 1;
	double t0 = now_sec();
	run(&ring, batch, rounds);
	double secs = now_sec() - t0;
	report("liburing", variant_name(defer, regfd), "nop", batch, rounds * batch, secs);
	io_uring_queue_exit(&ring);
	return 0;
}

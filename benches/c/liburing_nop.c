/* NOPs through liburing, the same loop as raw_nop: get and prep a batch of
 * SQEs, one io_uring_submit_and_wait, reap with io_uring_for_each_cqe and
 * one io_uring_cq_advance.
 *
 * Usage: liburing_nop [--batch 32] [--ops 10000000] [--warmup 100000]
 *        [--entries 256] [--registered-fd] [--defer]
 */
#include <liburing.h>
#include "common.h"

/* Returns the sum of the completions' user_data and results, as raw_nop. */
static uint64_t __attribute__((noinline)) run(struct io_uring *ring, unsigned batch, uint64_t rounds)
{
	uint64_t sum = 0;
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
				sum += cqe->user_data + (uint64_t)(int64_t)cqe->res;
				n++;
			}
			io_uring_cq_advance(ring, n);
			seen += n;
		}
	}
	return sum;
}

static uint64_t expected_sum(unsigned batch, uint64_t rounds)
{
	return rounds * ((uint64_t)batch * (batch - 1) / 2);
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
	if (!wr)
		wr = 1;
	if (run(&ring, batch, wr) != expected_sum(batch, wr)) {
		fprintf(stderr, "completions missing or failed\n");
		return 1;
	}
	uint64_t rounds = ops / batch + (ops % batch != 0);
	if (!rounds)
		rounds = 1;
	double c0 = cpu_sec();
	double t0 = now_sec();
	uint64_t sum = run(&ring, batch, rounds);
	double secs = now_sec() - t0;
	double cpu = cpu_sec() - c0;
	if (sum != expected_sum(batch, rounds)) {
		fprintf(stderr, "completions missing or failed\n");
		return 1;
	}
	report_cpu("liburing", variant_name(defer, regfd), "nop", batch, rounds * batch, secs, cpu);
	io_uring_queue_exit(&ring);
	return 0;
}

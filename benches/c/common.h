/* Shared helpers of the C benchmark programs: argument parsing, the clock,
 * and the RESULT line (the same format as benches/src/lib.rs prints). */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

static const char *arg_value(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static int arg_flag(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

static uint64_t arg_num(int argc, char **argv, const char *name, uint64_t def)
{
	const char *v = arg_value(argc, argv, name);
	char digits[64];
	size_t n = 0;
	if (!v)
		return def;
	for (; *v && n + 1 < sizeof(digits); v++)
		if (*v != '_')
			digits[n++] = *v;
	digits[n] = 0;
	return strtoull(digits, NULL, 10);
}

static double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* User plus system CPU time of the process so far (getrusage), as the
 * Rust binaries measure it (bench_harness::cpu_time). */
static double cpu_sec(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* The RESULT line; `cpu` is the CPU time over the window (negative: not
 * measured). C programs have no counting allocator: they allocate nothing
 * in their timed loops, which is visible in the source. */
static void report_cpu(const char *stack, const char *variant, const char *workload,
		       uint64_t batch, uint64_t ops, double secs, double cpu)
{
	printf("RESULT\tstack=%s\tsyscall=liburing\tvariant=%s\tworkload=%s\tbatch=%llu\tops=%llu\tns_per_op=%.2f\tops_per_sec=%.0f",
	       stack, variant, workload, (unsigned long long)batch,
	       (unsigned long long)ops, secs * 1e9 / (double)ops, (double)ops / secs);
	if (cpu >= 0)
		printf("\tcpu_us_per_op=%.4f\tsecs=%.4f", cpu * 1e6 / (double)ops, secs);
	printf("\n");
	fflush(stdout);
}


static const char *variant_name(int defer, int regfd)
{
	if (defer)
		return regfd ? "defer-regfd" : "defer-plain";
	return regfd ? "regfd" : "plain";
}

#endif

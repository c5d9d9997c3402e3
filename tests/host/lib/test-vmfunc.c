// SPDX-License-Identifier: GPL-2.0
/*
 * test-vmfunc.c - the fast path's pure logic, which runs without
 * /dev/skybridge: the handler entry's status word (lib/vmfunc.h) round-trips
 * every status and reply length, the trampoline's own statuses map onto the
 * library's, malformed words are refused, the kernel's name rule, and the
 * process's rseq area as the trampoline will be given it.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <libskybridge.h>

#include "sb_tramp.h"
#include "vmfunc.h"
#include "../../tap.h"

static void test_roundtrip(void)
{
	static const int statuses[] = { 0, -1, -EBUSY, -EPIPE, -EACCES, -ENOSYS,
					-EFAULT, -EINTR, -ECONNRESET, -VM_MAX_ERRNO };
	static const uint64_t lens[] = { 0, 1, 4095, 4096, 65536,
					 SKYBRIDGE_BUF_MAX - VM_HDR_SIZE };
	bool all = true;

	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			int64_t raw = vm_status_encode(statuses[i], lens[j]);
			uint64_t rlen = 12345;
			bool ran;
			int st = vm_status_decode(raw, SKYBRIDGE_BUF_MAX, &rlen, &ran);

			if (raw < 0 || !ran || st != statuses[i] || rlen != lens[j]) {
				all = false;
				printf("# status %d len %llu: raw %llx -> %d, %llu, ran %d\n",
				       statuses[i], (unsigned long long)lens[j],
				       (unsigned long long)raw, st,
				       (unsigned long long)rlen, ran);
			}
		}
	tap_result(all, "a handler's status and reply length survive the status word, "
	      "never as a negative RAX (even -EBUSY, -EPIPE)", "see above");
}

static void test_tramp_statuses(void)
{
	static const struct { int raw, want; } map[] = {
		{ -EPIPE, -ECONNRESET }, { -EACCES, -ECONNRESET },
		{ -EBUSY, -EBUSY }, { -EOPNOTSUPP, -EOPNOTSUPP },
		{ -EFAULT, -ECONNABORTED }, { -ENOSYS, -ECONNABORTED },
		{ -EINTR, -ECONNABORTED }, { -EINVAL, -ECONNABORTED },
		{ -EAGAIN, -ECONNABORTED }, { -ESTALE, -ECONNRESET },
		{ -ERANGE, -EPROTO }, { -4096, -EPROTO },
	};
	bool all = true;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		uint64_t rlen = 7;
		bool ran = true;
		int st = vm_status_decode(map[i].raw, 4096, &rlen, &ran);

		if (st != map[i].want || ran || rlen != 7) {
			all = false;
			printf("# raw %d -> %d (want %d), ran %d\n", map[i].raw, st,
			       map[i].want, ran);
		}
	}
	tap_result(all, "trampoline statuses map onto the library's and never count "
	      "as a completed call", "see above");
	{
		uint64_t rlen;
		bool ran;

		tap_result(vm_status_decode(INT64_MIN, 4096, &rlen, &ran) == -EPROTO && !ran,
		      "INT64_MIN from the trampoline is a protocol error", "accepted");
	}
}

static void test_malformed(void)
{
	static const uint64_t words[] = {
		0,					/* no VM_DONE */
		1,					/* -1 without VM_DONE */
		VM_DONE | 4096,				/* status beyond MAX_ERRNO */
		VM_DONE | 1ULL << 56,			/* a reserved bit */
		VM_DONE | 1ULL << 61,
		VM_DONE | 8193ULL << VM_RLEN_SHIFT,	/* reply beyond the buffer */
	};
	bool all = true;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		uint64_t rlen;
		bool ran;
		int st = vm_status_decode((int64_t)words[i], 8192, &rlen, &ran);

		if (st != -EPROTO || ran) {
			all = false;
			printf("# word %llx -> %d, ran %d\n",
			       (unsigned long long)words[i], st, ran);
		}
	}
	tap_result(all, "malformed status words are -EPROTO, not a completed call",
	      "see above");
	tap_result(vm_status_clamp(1) == -EPROTO && vm_status_clamp(-4096) == -EPROTO &&
	      vm_status_clamp(-4095) == -4095 && vm_status_clamp(0) == 0,
	      "handler statuses outside [-4095, 0] become -EPROTO", "clamp wrong");
}

static void test_names(void)
{
	tap_result(vm_name_ok("echo-1.a_B") && !vm_name_ok("a+b") && !vm_name_ok("a:b") &&
	      !vm_name_ok("a@b") && !vm_name_ok("a/b"),
	      "the fast path takes the kernel's names only ([A-Za-z0-9._-])",
	      "name rule wrong");
}

static void test_rseq(void)
{
	uint64_t area = sb_rseq_area(), reg = sb_rseq_registered();

	if (__rseq_size == 0) {
		tap_result(area == 0 && reg == 0, "no rseq in this process: area 0",
		      "area %llx", (unsigned long long)area);
		return;
	}
	tap_result(area == sb_thread_pointer() + (uint64_t)__rseq_offset &&
	      (reg == 0 || reg == area),
	      "the rseq area is the thread pointer plus __rseq_offset",
	      "area %llx tp %llx", (unsigned long long)area,
	      (unsigned long long)sb_thread_pointer());
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_roundtrip();
	test_tramp_statuses();
	test_malformed();
	test_names();
	test_rseq();
	tap_result(sizeof(struct vm_buf_hdr) <= VM_HDR_SIZE &&
	      VM_HDR_SIZE % 4096 == 0, "the header fits its page", "too big");
	return tap_failures ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * test-preflight.c - "skyctl check" (lib/tools/preflight.c) fed canned
 * machines: a good two-CPU Intel box with VMX passes; each way a box can
 * fall short (every requirement of uapi/skybridge_vmxreq.h in turn, the
 * firmware's lock, the instructions Linux uses, a hybrid part, a missing
 * msr module or root, KVM holding VMX, a locked-down kernel) gives its
 * line, status and exit code.  The real tool on this host (no VMX here)
 * is tool-skyctl's; in the lab, rootkernel.sh runs it on the emulated CPU.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../../lib/tools/preflight.c"
#include "../../tap.h"

/* A canned machine: CPUID leaves, MSRs per CPU, files. */
#define NR_CPUS	4
struct leaf { uint32_t leaf, sub, r[4]; };
struct msr { uint32_t msr; uint64_t v; int err; };
struct file { const char *path; const char *text; int len; };

static struct machine {
	struct leaf leaves[32];
	unsigned int nr_leaves;
	struct msr msrs[NR_CPUS][32];
	unsigned int nr_msrs;		/* the same list on every CPU */
	int msr_dev_err;		/* open() of /dev/cpu/N/msr */
	int load_msr_err;		/* what modprobe msr does */
	bool load_msr_called;
	struct file files[16];
	unsigned int nr_files;
} m;

static void f_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	(void)ctx;
	for (unsigned int i = 0; i < m.nr_leaves; i++) {
		if (m.leaves[i].leaf == leaf && m.leaves[i].sub == sub) {
			memcpy(r, m.leaves[i].r, sizeof(m.leaves[i].r));
			return;
		}
	}
	memset(r, 0, 4 * sizeof(*r));
}

static int f_rdmsr(void *ctx, unsigned int cpu, uint32_t msr, uint64_t *val)
{
	(void)ctx;
	if (m.msr_dev_err)
		return m.msr_dev_err;
	if (cpu >= NR_CPUS)
		return -ENOENT;
	for (unsigned int i = 0; i < m.nr_msrs; i++) {
		if (m.msrs[cpu][i].msr == msr) {
			*val = m.msrs[cpu][i].v;
			return m.msrs[cpu][i].err;
		}
	}
	return -EIO;
}

static int f_read_file(void *ctx, const char *path, char *buf, size_t size)
{
	(void)ctx;
	for (unsigned int i = 0; i < m.nr_files; i++) {
		const struct file *f = &m.files[i];
		size_t n;

		if (strcmp(f->path, path) || !f->text)
			continue;
		n = f->len ? (size_t)f->len : strlen(f->text);
		if (n > size - 1)
			n = size - 1;
		memcpy(buf, f->text, n);
		buf[n] = '\0';
		return n;
	}
	return -ENOENT;
}

static int f_load_msr(void *ctx)
{
	(void)ctx;
	m.load_msr_called = true;
	if (!m.load_msr_err)
		m.msr_dev_err = 0;
	return m.load_msr_err;
}

static struct pf_ops ops = {
	.cpuid = f_cpuid, .rdmsr = f_rdmsr, .read_file = f_read_file,
	.load_msr = f_load_msr,
};

static void set_leaf(uint32_t leaf, uint32_t sub, uint32_t a, uint32_t b,
		     uint32_t c, uint32_t d)
{
	unsigned int i;

	for (i = 0; i < m.nr_leaves; i++)
		if (m.leaves[i].leaf == leaf && m.leaves[i].sub == sub)
			break;
	if (i == m.nr_leaves)
		m.nr_leaves++;
	m.leaves[i] = (struct leaf){ leaf, sub, { a, b, c, d } };
}

static struct leaf *leaf(uint32_t leaf, uint32_t sub)
{
	for (unsigned int i = 0; i < m.nr_leaves; i++)
		if (m.leaves[i].leaf == leaf && m.leaves[i].sub == sub)
			return &m.leaves[i];
	abort();
}

/* MSR @msr on CPU @cpu, or on every CPU for cpu < 0 (absent: -EIO). */
static void set_msr(int cpu, uint32_t msr, uint64_t v, int err)
{
	unsigned int i;

	for (i = 0; i < m.nr_msrs && m.msrs[0][i].msr != msr; i++)
		;
	if (i == m.nr_msrs) {
		for (int c = 0; c < NR_CPUS; c++)
			m.msrs[c][i] = (struct msr){ msr, 0, -EIO };
		m.nr_msrs++;
	}
	for (int c = 0; c < NR_CPUS; c++)
		if (cpu < 0 || c == cpu)
			m.msrs[c][i] = (struct msr){ msr, v, err };
}

static uint64_t get_msr(uint32_t msr)
{
	for (unsigned int i = 0; i < m.nr_msrs; i++)
		if (m.msrs[0][i].msr == msr)
			return m.msrs[0][i].v;
	abort();
}

static void set_file(const char *path, const char *text)
{
	unsigned int i;

	for (i = 0; i < m.nr_files && strcmp(m.files[i].path, path); i++)
		;
	if (i == m.nr_files)
		m.nr_files++;
	m.files[i] = (struct file){ path, text, 0 };
}

#define LO_HI(lo, hi)	(((uint64_t)(hi) << 32) | (lo))
#define EPT_GOOD	((1ULL << 6) | (1ULL << 14) | (1ULL << 16) | (1ULL << 17) | \
			 (1ULL << 20) | (1ULL << 25) | (1ULL << 26) | \
			 (1ULL << 32) | (1ULL << 41) | (1ULL << 42))

/*
 * A good box: a two-CPU Intel part with VMX, TRUE controls, every control
 * and capability the RootKernel needs, XSAVES (its control allowed), no
 * WAITPKG; root, msr loaded, Linux 6.1 with PTI, no lockdown.
 */
static void good_box(void)
{
	memset(&m, 0, sizeof(m));
	set_leaf(0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69);	/* GenuineIntel */
	set_leaf(1, 0, 0x306c3, 0, (1u << 5) | (1u << 26) | (1u << 27), 0);
	set_leaf(7, 0, 0, 0, 0, 0);
	set_leaf(0xd, 0, 0x7, 832, 832, 0);
	set_leaf(0xd, 1, 1u << 3, 0, 0, 0);
	set_leaf(0x80000000, 0, 0x80000008, 0, 0, 0);
	set_msr(-1, SB_MSR_FEATURE_CONTROL, 0x5, 0);
	set_msr(-1, SB_MSR_VMX_BASIC, (6ULL << 50) | (1ULL << 55) | (0x400ULL << 32) | 1, 0);
	set_msr(-1, SB_MSR_VMX_PINBASED_CTLS, LO_HI(0x16, 0x7f), 0);
	set_msr(-1, SB_MSR_VMX_TRUE_PINBASED_CTLS, LO_HI(0x16, 0x7f), 0);
	set_msr(-1, SB_MSR_VMX_PROCBASED_CTLS, LO_HI(0x0401e172, 0xfff9fffe), 0);
	set_msr(-1, SB_MSR_VMX_TRUE_PROCBASED_CTLS, LO_HI(0x04006172, 0xfff9fffe), 0);
	set_msr(-1, SB_MSR_VMX_PROCBASED_CTLS2, LO_HI(0, 0x0010302e), 0);
	set_msr(-1, SB_MSR_VMX_EXIT_CTLS, LO_HI(0x00036dff, 0x003fffff), 0);
	set_msr(-1, SB_MSR_VMX_TRUE_EXIT_CTLS, LO_HI(0x00036dfb, 0x003fffff), 0);
	set_msr(-1, SB_MSR_VMX_ENTRY_CTLS, LO_HI(0x000011ff, 0x0000ffff), 0);
	set_msr(-1, SB_MSR_VMX_TRUE_ENTRY_CTLS, LO_HI(0x000011fb, 0x0000ffff), 0);
	set_msr(-1, SB_MSR_VMX_EPT_VPID_CAP, EPT_GOOD, 0);
	set_msr(-1, SB_MSR_VMX_VMFUNC, 1, 0);
	set_file("/sys/devices/system/cpu/online", "0-1\n");
	set_file("/sys/devices/system/cpu/vulnerabilities/meltdown", "Mitigation: PTI\n");
	set_file("/proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\n"
		 "flags\t\t: fpu vme vmx pti user_shstk\n\nprocessor\t: 1\nflags\t\t: fpu ibt\n");
	set_file("/sys/kernel/security/lockdown", "[none] integrity confidentiality\n");
	set_file("/proc/sys/kernel/modules_disabled", "0\n");
	ops.release = "6.1.0-57-cloud-amd64";
	ops.root = true;
}

static char outbuf[1 << 16];

static int run(void)
{
	FILE *f = fmemopen(outbuf, sizeof(outbuf), "w");
	int rc;

	if (!f)
		abort();
	rc = sb_preflight(&ops, f);
	fclose(f);
	return rc;
}

/* Run the machine: exit @want_rc, and each of @lines (NULL-ended) printed. */
static void expect(const char *name, int want_rc, const char *const *lines)
{
	int rc = run();
	bool ok = rc == want_rc;
	const char *missing = NULL;

	for (; *lines; lines++) {
		if (!strstr(outbuf, *lines)) {
			ok = false;
			missing = *lines;
			break;
		}
	}
	tap_result(ok, name, "exit %d (want %d); missing \"%s\"; printed:\n%s", rc,
		   want_rc, missing ? missing : "-", outbuf);
}
#define EXPECT(name, rc, ...)	expect(name, rc, (const char *const[]){ __VA_ARGS__, NULL })

static unsigned int count(const char *what)
{
	unsigned int n = 0;

	for (const char *p = outbuf; (p = strstr(p, what)); p++)
		n++;
	return n;
}

/* Each requirement of one table, taken away from the allowed-1 half. */
struct req { const char *name; uint64_t bits; };
#define REQ(name, bits)	{ name, bits },

static void each_missing(const char *kind, const struct req *r, size_t n,
			 const uint32_t *msrs, size_t nr_msrs, bool high)
{
	char name[200], line[200];

	for (size_t i = 0; i < n; i++) {
		good_box();
		for (size_t k = 0; k < nr_msrs; k++)
			set_msr(-1, msrs[k], get_msr(msrs[k]) &
				~(high ? r[i].bits << 32 : r[i].bits), 0);
		snprintf(name, sizeof(name), "without the %s \"%s\": not ready, named",
			 kind, r[i].name);
		snprintf(line, sizeof(line), "FAIL  VMX %s \"%s\": not allowed", kind,
			 r[i].name);
		EXPECT(name, PF_NOT_READY, line, "verdict: not ready: 1 check failed");
	}
}

int main(void)
{
	static const struct req pin[] = { SB_VMX_REQ_PIN(REQ) };
	static const struct req proc[] = { SB_VMX_REQ_PROC(REQ) };
	static const struct req proc2[] = { SB_VMX_REQ_PROC2(REQ) };
	static const struct req exits[] = { SB_VMX_REQ_EXIT(REQ) };
	static const struct req entry[] = { SB_VMX_REQ_ENTRY(REQ) };
	static const struct req ept[] = { SB_VMX_REQ_EPT_VPID(REQ) };
	static const struct req vmfunc[] = { SB_VMX_REQ_VMFUNC(REQ) };
	static const uint32_t pin_m[] = { SB_MSR_VMX_PINBASED_CTLS, SB_MSR_VMX_TRUE_PINBASED_CTLS };
	static const uint32_t proc_m[] = { SB_MSR_VMX_PROCBASED_CTLS, SB_MSR_VMX_TRUE_PROCBASED_CTLS };
	static const uint32_t proc2_m[] = { SB_MSR_VMX_PROCBASED_CTLS2 };
	static const uint32_t exit_m[] = { SB_MSR_VMX_EXIT_CTLS, SB_MSR_VMX_TRUE_EXIT_CTLS };
	static const uint32_t entry_m[] = { SB_MSR_VMX_ENTRY_CTLS, SB_MSR_VMX_TRUE_ENTRY_CTLS };
	static const uint32_t ept_m[] = { SB_MSR_VMX_EPT_VPID_CAP };
	static const uint32_t vmfunc_m[] = { SB_MSR_VMX_VMFUNC };
	int rc;

#define N(a)	(sizeof(a) / sizeof((a)[0]))
	good_box();
	rc = run();
	tap_result(rc == PF_READY && !count("FAIL") && !count("SKIP") &&
		   strstr(outbuf, "verdict: ready, read the warnings (1 warning)") &&
		   strstr(outbuf, "WARN  user shadow stacks") &&
		   count("PASS  VMX ") == N(pin) + N(proc) + N(proc2) + N(exits) +
		   N(entry) + N(ept) + N(vmfunc) + 1 + 2 + 1,
		   "a good box: ready, every requirement PASS, one line each",
		   "exit %d, %u PASS VMX lines:\n%s", rc, count("PASS  VMX "), outbuf);
	EXPECT("a good box: the tables' names and where they were read", PF_READY,
	       "PASS  VMX pin-based control \"NMI exiting\": allowed (IA32_VMX_TRUE_PINBASED_CTLS[63:32])",
	       "PASS  VMX function \"VM function EPTP switching\": allowed (IA32_VMX_VMFUNC)",
	       "PASS  IA32_FEATURE_CONTROL: 0x5: locked, VMX outside SMX on",
	       "PASS  same VMX on every CPU: 2 online CPUs alike",
	       "PASS  kernel: 6.1.0-57-cloud-amd64 (the 6.1 series",
	       "PASS  PTI: on", "PASS  MSR access: /dev/cpu/N/msr\n",
	       "PASS  VMX secondary control \"enable XSAVES/XRSTORS\": allowed, and needed",
	       "PASS  VMX secondary control \"enable user wait and pause\": not needed");

	/* Every requirement of the shared table, one at a time. */
	each_missing("pin-based control", pin, N(pin), pin_m, N(pin_m), true);
	each_missing("processor-based control", proc, N(proc), proc_m, N(proc_m), true);
	each_missing("secondary control", proc2, N(proc2), proc2_m, N(proc2_m), true);
	each_missing("VM-exit control", exits, N(exits), exit_m, N(exit_m), true);
	each_missing("VM-entry control", entry, N(entry), entry_m, N(entry_m), true);
	each_missing("EPT/VPID capability", ept, N(ept), ept_m, N(ept_m), false);
	each_missing("function", vmfunc, N(vmfunc), vmfunc_m, N(vmfunc_m), false);

	good_box();
	set_msr(-1, SB_MSR_VMX_TRUE_PROCBASED_CTLS,
		get_msr(SB_MSR_VMX_TRUE_PROCBASED_CTLS) & ~((uint64_t)SB_VMX_PROC_NMI_WINDOW << 32), 0);
	EXPECT("no NMI-window exiting: not ready", PF_NOT_READY,
	       "FAIL  VMX processor-based control \"NMI-window exiting\": not allowed");
	good_box();
	set_msr(-1, SB_MSR_VMX_BASIC, get_msr(SB_MSR_VMX_BASIC) & ~(1ULL << 55), 0);
	EXPECT("no TRUE controls: the old MSRs, which force CR3 exiting: not ready",
	       PF_NOT_READY, "FAIL  VMX CR3-load/store exiting: cannot be turned off",
	       "allowed (IA32_VMX_PINBASED_CTLS[63:32])");
	good_box();
	set_msr(-1, SB_MSR_VMX_BASIC, get_msr(SB_MSR_VMX_BASIC) & ~(0xfULL << 50), 0);
	EXPECT("uncached VMCS memory: not ready", PF_NOT_READY,
	       "FAIL  VMCS memory type: 0, not write-back");
	good_box();
	set_msr(-1, SB_MSR_VMX_VMFUNC, 0, -EIO);
	EXPECT("no IA32_VMX_VMFUNC at all: not ready", PF_NOT_READY,
	       "FAIL  VMX function \"VM function EPTP switching\": not allowed");
	good_box();
	set_msr(-1, SB_MSR_VMX_EPT_VPID_CAP, EPT_GOOD & ~(1ULL << 17), 0);
	EXPECT("no 1 GiB EPT pages: ready, with a warning", PF_READY,
	       "WARN  EPT large pages: 2 MiB yes, 1 GiB no", "verdict: ready, read the warnings (2 warnings)");

	/* Instructions Linux uses, whose controls must then be on. */
	good_box();
	set_msr(-1, SB_MSR_VMX_PROCBASED_CTLS2, LO_HI(0, 0x0000302e), 0);
	EXPECT("XSAVES on the CPU, its control not allowed: not ready", PF_NOT_READY,
	       "FAIL  VMX secondary control \"enable XSAVES/XRSTORS\": not allowed, but the CPU has the instruction");
	good_box();
	set_leaf(0xd, 1, 0, 0, 0, 0);
	set_msr(-1, SB_MSR_VMX_PROCBASED_CTLS2, LO_HI(0, 0x0000302e), 0);
	EXPECT("no XSAVES on the CPU: its control is not needed", PF_READY,
	       "PASS  VMX secondary control \"enable XSAVES/XRSTORS\": not needed");
	good_box();
	leaf(7, 0)->r[2] |= 1u << 5;
	EXPECT("WAITPKG (TPAUSE) on the CPU, user wait not allowed: not ready", PF_NOT_READY,
	       "FAIL  VMX secondary control \"enable user wait and pause\": not allowed, but the CPU has the instruction");
	set_msr(-1, SB_MSR_VMX_PROCBASED_CTLS2, LO_HI(0, 0x0410302e), 0);
	EXPECT("WAITPKG on the CPU, user wait allowed: ready", PF_READY,
	       "PASS  VMX secondary control \"enable user wait and pause\": allowed, and needed");
	good_box();
	leaf(0, 0)->r[0] = 6;
	leaf(7, 0)->r[2] |= 1u << 5;
	EXPECT("a CPU whose highest leaf is below 7: WAITPKG not read from beyond it",
	       PF_READY, "PASS  VMX secondary control \"enable user wait and pause\": not needed");

	/* The CPU and what is below the kernel. */
	good_box();
	set_leaf(0, 0, 0x10, 0x68747541, 0x444d4163, 0x69746e65);	/* AuthenticAMD */
	leaf(1, 0)->r[2] &= ~(1u << 5);
	EXPECT("an AMD CPU: not ready, names the vendor and VMX", PF_NOT_READY,
	       "FAIL  CPU vendor: AuthenticAMD", "FAIL  VMX: CPUID.1:ECX[5] clear: the CPU has no VMX",
	       "SKIP  VMX capabilities: not read: no VMX", "verdict: not ready: 2 checks failed");
	good_box();
	leaf(1, 0)->r[2] = (leaf(1, 0)->r[2] & ~(1u << 5)) | (1u << 31);
	set_leaf(0x40000000, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d);	/* KVMKVMKVM */
	EXPECT("a KVM guest without nested VMX: not ready, names the hypervisor", PF_NOT_READY,
	       "WARN  hypervisor: running as a guest of \"KVMKVMKVM\"",
	       "FAIL  VMX: CPUID.1:ECX[5] clear: the hypervisor \"KVMKVMKVM\" does not offer VMX");
	set_leaf(0x40000000, 0, 0x40000001, 0x01020304, 0x7f7f7f7f, 0);
	EXPECT("a hypervisor signature that is not text: printed safely", PF_NOT_READY,
	       "guest of \"????????\"");
	good_box();
	leaf(1, 0)->r[2] = (leaf(1, 0)->r[2] & ~(1u << 5)) | (1u << 31);
	set_leaf(HV_CPUID_BASE, 0, HV_CPUID_MAX, HV_CPUID_SIG_EBX, HV_CPUID_SIG_ECX,
		 HV_CPUID_SIG_EDX);
	set_leaf(HV_CPUID_VERSION, 0, HV_VERSION, 0, 0, 0);
	set_file("/sys/module/kvm_intel/initstate", "live\n");
	rc = run();
	tap_result(rc == PF_READY && strstr(outbuf, "PASS  skybridge: the RootKernel 0.1 is running") &&
		   strstr(outbuf, "PASS  VMX: in use by the RootKernel") &&
		   !strstr(outbuf, "kvm_intel") && strstr(outbuf, "PASS  IA32_FEATURE_CONTROL"),
		   "skybridge already running: ready, says so, still reads the capabilities",
		   "exit %d:\n%s", rc, outbuf);

	/* The firmware's lock, on any CPU. */
	good_box();
	set_file("/sys/devices/system/cpu/online", "0,2-3\n");
	set_msr(3, SB_MSR_FEATURE_CONTROL, 0x1, 0);
	EXPECT("VMX locked off on CPU 3 of 0,2-3: not ready, names the CPU", PF_NOT_READY,
	       "FAIL  IA32_FEATURE_CONTROL: 0x1 on CPU 3: locked with VMX outside SMX off");
	good_box();
	set_msr(-1, SB_MSR_FEATURE_CONTROL, 0x0, 0);
	EXPECT("IA32_FEATURE_CONTROL unlocked: ready, the module locks it", PF_READY,
	       "WARN  IA32_FEATURE_CONTROL: 0x0: not locked by the firmware");
	good_box();
	set_file("/sys/devices/system/cpu/online", "garbage");
	EXPECT("an unreadable CPU list: CPU 0 alone", PF_READY,
	       "PASS  same VMX on every CPU: 1 online CPU alike");

	/* A hybrid part: the module programs every CPU from CPU 0's MSRs. */
	good_box();
	set_msr(1, SB_MSR_VMX_PROCBASED_CTLS2, LO_HI(0, 0x0000302e), 0);
	EXPECT("CPU 1's secondary controls differ: not ready, names the MSR", PF_NOT_READY,
	       "FAIL  same VMX on every CPU: CPU 1's MSR 0x48b is 0x302e00000000, CPU 0's 0x10302e00000000");

	/* No way to read MSRs: could not tell, and why. */
	good_box();
	ops.root = false;
	m.msr_dev_err = -ENOENT;
	EXPECT("not root, no msr module: could not tell, asks for root", PF_UNKNOWN,
	       "SKIP  MSR access: no /dev/cpu/N/msr (the msr module is not loaded): run skyctl check as root",
	       "verdict: could not tell: 2 checks could not run");
	tap_result(!m.load_msr_called, "not root: modprobe msr not tried", "it was");
	good_box();
	m.msr_dev_err = -EACCES;
	ops.root = false;
	EXPECT("not root, msr loaded: could not tell, permission denied", PF_UNKNOWN,
	       "SKIP  MSR access: permission denied (reading MSRs needs root)");
	good_box();
	m.msr_dev_err = -ENOENT;
	m.load_msr_err = -EIO;
	EXPECT("root, modprobe msr fails: could not tell, says so", PF_UNKNOWN,
	       "SKIP  MSR access: the msr module is not loaded and could not be (modprobe msr: ");
	good_box();
	m.msr_dev_err = -ENOENT;
	EXPECT("root, msr not loaded: loads it and goes on", PF_READY,
	       "PASS  MSR access: /dev/cpu/N/msr (loaded the msr module)",
	       "PASS  VMX function \"VM function EPTP switching\"");
	good_box();
	set_leaf(0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e68);	/* GenuhneIntel */
	m.msr_dev_err = -EACCES;
	ops.root = false;
	EXPECT("a failure and a skip: not ready wins", PF_NOT_READY, "FAIL  CPU vendor: GenuhneIntel",
	       "verdict: not ready: 1 check failed");

	/* XSAVE. */
	good_box();
	leaf(0xd, 0)->r[1] = 11008;
	EXPECT("11008 bytes of XSAVE state (AMX): not ready", PF_NOT_READY,
	       "FAIL  XSAVE: 11008 bytes of state");
	good_box();
	leaf(1, 0)->r[2] &= ~(1u << 26);
	EXPECT("no XSAVE: not ready", PF_NOT_READY, "FAIL  XSAVE: CPUID.1:ECX[26] clear");

	/* The kernel, and other users of VMX in it. */
	good_box();
	ops.release = "5.10.0-28-amd64";
	EXPECT("an untested kernel series: a warning", PF_READY,
	       "WARN  kernel: 5.10.0-28-amd64: not a series skybridge is tested on");
	ops.release = "6.12.118+deb12-cloud-amd64";
	EXPECT("6.12: tested", PF_READY, "PASS  kernel: 6.12.118+deb12-cloud-amd64 (the 6.12 series");
	ops.release = "";
	EXPECT("an empty release: a warning", PF_READY, "WARN  kernel: : not a series");
	good_box();
	set_file("/sys/module/kvm_intel/initstate", "live\n");
	EXPECT("kvm_intel loaded: a warning", PF_READY,
	       "WARN  other hypervisors: kvm_intel is loaded: insmod fails (EBUSY) while a KVM guest runs");
	set_file("/sys/module/kvm/parameters/enable_virt_at_load", "Y\n");
	EXPECT("kvm_intel holding VMX from load: not ready", PF_NOT_READY,
	       "FAIL  other hypervisors: kvm_intel is loaded and holds VMX on every CPU");
	set_file("/sys/module/kvm/parameters/enable_virt_at_load", "N\n");
	EXPECT("kvm_intel with enable_virt_at_load=N: a warning", PF_READY,
	       "WARN  other hypervisors: kvm_intel is loaded: insmod fails");
	good_box();
	set_file("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu ibt\n");
	EXPECT("kernel IBT: on, supported", PF_READY, "PASS  kernel IBT: on",
	       "PASS  user shadow stacks: not supported");
	set_file("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu xibt user_shstkx\n");
	EXPECT("flags are whole words", PF_READY, "PASS  kernel IBT: off",
	       "PASS  user shadow stacks: not supported");
	set_file("/proc/cpuinfo", "processor\t: 0\n");
	EXPECT("no flags line: could not tell", PF_UNKNOWN, "SKIP  CET: no flags line");

	/* Will the kernel take an unsigned module? */
	good_box();
	set_file("/sys/kernel/security/lockdown", "none [integrity] confidentiality\n");
	EXPECT("lockdown=integrity: a warning", PF_READY,
	       "WARN  lockdown: integrity: only signed modules load");
	good_box();
	set_file("/proc/sys/kernel/modules_disabled", "1\n");
	EXPECT("modules_disabled: not ready", PF_NOT_READY,
	       "FAIL  module loading: disabled until reboot");
	good_box();
	m.files[m.nr_files++] = (struct file){
		"/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
		"\x06\0\0\0\x01", 5 };
	set_file("/sys/module/module/parameters/sig_enforce", "Y\n");
	EXPECT("Secure Boot on, signatures enforced: warnings", PF_READY,
	       "WARN  Secure Boot: on", "WARN  module signatures: enforced");
	m.files[m.nr_files - 2].text = "\x06\0\0\0\x00";
	EXPECT("Secure Boot off", PF_READY, "PASS  Secure Boot: off");
	return tap_exit();
}

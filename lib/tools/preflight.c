// SPDX-License-Identifier: MIT
/*
 * preflight.c - "skyctl check": whether this box can run skybridge, before
 * anyone loads the module, one line per check.
 *
 * What the RootKernel needs of VMX is uapi/skybridge_vmxreq.h, the table
 * the module itself checks before it launches (hv/caps.c): the two read the
 * same lines and cannot disagree.  Beyond the module's own checks, this
 * one looks at what the module cannot see until it is too late or does not
 * check on every CPU: the firmware's IA32_FEATURE_CONTROL and the
 * capability MSRs on every online CPU (hybrid parts), a hypervisor below
 * us or KVM holding VMX, the kernel's series, and whether the kernel will
 * accept an unsigned module at all.
 *
 * The capability MSRs are read through /dev/cpu/N/msr (the msr module,
 * root only).  Without them the VMX lines are SKIP and the verdict is
 * "could not tell"; a FAIL anywhere makes it "not ready".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "preflight.h"
#include "uapi/skybridge_hv.h"
#include "uapi/skybridge_vmxreq.h"

enum pf_status { PF_PASS, PF_WARN, PF_FAIL, PF_SKIP };

struct pf {
	const struct pf_ops *ops;
	FILE *out;
	unsigned int counts[4];
	unsigned int cpus[1024];	/* online CPUs */
	unsigned int nr_cpus;
};

static const char *const status_names[] = { "PASS", "WARN", "FAIL", "SKIP" };

static void __attribute__((format(printf, 4, 5)))
say(struct pf *pf, enum pf_status st, const char *check, const char *fmt, ...)
{
	va_list ap;

	pf->counts[st]++;
	fprintf(pf->out, "%s  %s: ", status_names[st], check);
	va_start(ap, fmt);
	vfprintf(pf->out, fmt, ap);
	va_end(ap);
	fputc('\n', pf->out);
}

static void cpuid(struct pf *pf, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	pf->ops->cpuid(pf->ops->ctx, leaf, sub, r);
}

/* CPUID leaf @leaf if the CPU has it (basic or extended range), else 0s. */
static void cpuid_in_range(struct pf *pf, uint32_t leaf, uint32_t sub,
			   uint32_t r[4])
{
	uint32_t max[4];

	cpuid(pf, leaf & 0x80000000u, 0, max);
	if (max[0] >= leaf)
		cpuid(pf, leaf, sub, r);
	else
		memset(r, 0, 4 * sizeof(*r));
}

static int read_file(struct pf *pf, const char *path, char *buf, size_t size)
{
	int n = pf->ops->read_file(pf->ops->ctx, path, buf, size);

	if (n < 0)
		buf[0] = '\0';
	else
		buf[strcspn(buf, "\n")] = '\0';
	return n;
}

/* "0-3,6,8-9" (sysfs's cpu list) into pf->cpus; CPU 0 alone if unreadable. */
static void online_cpus(struct pf *pf)
{
	char buf[4096], *p = buf, *end;
	unsigned long a, b;

	pf->nr_cpus = 0;
	if (read_file(pf, "/sys/devices/system/cpu/online", buf, sizeof(buf)) > 0) {
		while (*p) {
			a = strtoul(p, &end, 10);
			if (end == p)
				break;
			b = a;
			if (*end == '-')
				b = strtoul(end + 1, &end, 10);
			for (; a <= b && pf->nr_cpus < 1024; a++)
				pf->cpus[pf->nr_cpus++] = a;
			p = *end == ',' ? end + 1 : end;
			if (*end != ',')
				break;
		}
	}
	if (!pf->nr_cpus)
		pf->cpus[pf->nr_cpus++] = 0;
}

static const char *msr_error(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENXIO:
		return "no /dev/cpu/N/msr (the msr module is not loaded)";
	case -EACCES:
	case -EPERM:
		return "permission denied (reading MSRs needs root)";
	case -EIO:
		return "the CPU has no such MSR";
	default:
		return strerror(-err);
	}
}

/* Vendor, signature, hypervisor: true if the RootKernel is running here. */
static bool check_cpu(struct pf *pf, bool *vmx)
{
	uint32_t r[4], h[4];
	char vendor[13], hv[13];
	bool ours;

	cpuid(pf, 0, 0, r);
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	vendor[12] = '\0';
	if (!strcmp(vendor, "GenuineIntel"))
		say(pf, PF_PASS, "CPU vendor", "%s", vendor);
	else
		say(pf, PF_FAIL, "CPU vendor", "%s: the RootKernel needs Intel VMX (with VMFUNC EPTP switching)",
		    vendor);

	cpuid(pf, 1, 0, r);
	cpuid(pf, HV_CPUID_BASE, 0, h);
	ours = (r[2] & (1u << 31)) && h[1] == HV_CPUID_SIG_EBX &&
	       h[2] == HV_CPUID_SIG_ECX && h[3] == HV_CPUID_SIG_EDX;
	memcpy(hv, &h[1], 12);
	hv[12] = '\0';
	for (int i = 0; i < 12; i++)
		if (hv[i] && (hv[i] < 0x20 || hv[i] > 0x7e))
			hv[i] = '?';
	*vmx = r[2] & (1u << 5);
	if (ours) {
		cpuid(pf, HV_CPUID_VERSION, 0, h);
		say(pf, PF_PASS, "skybridge", "the RootKernel %u.%u is running (module loaded): VMX is hidden from the guest, the capabilities below are read below it",
		    h[0] >> 16, h[0] & 0xffff);
	} else if (r[2] & (1u << 31)) {
		say(pf, PF_WARN, "hypervisor", "running as a guest of \"%s\" (CPUID.1:ECX[31]): skybridge under another hypervisor (nested VMX) is untested",
		    hv);
	} else {
		say(pf, PF_PASS, "hypervisor", "none (CPUID.1:ECX[31] clear)");
	}
	if (ours)
		say(pf, PF_PASS, "VMX", "in use by the RootKernel");
	else if (*vmx)
		say(pf, PF_PASS, "VMX", "CPUID.1:ECX[5] set");
	else if (r[2] & (1u << 31))
		say(pf, PF_FAIL, "VMX", "CPUID.1:ECX[5] clear: the hypervisor \"%s\" does not offer VMX to this guest",
		    hv);
	else
		say(pf, PF_FAIL, "VMX", "CPUID.1:ECX[5] clear: the CPU has no VMX");
	*vmx |= ours;
	return ours;
}

/* The module keeps the XSAVE state of each record in one page (hv/core.c). */
static void check_xsave(struct pf *pf)
{
	uint32_t r[4];

	cpuid(pf, 1, 0, r);
	if (!(r[2] & (1u << 26))) {
		say(pf, PF_FAIL, "XSAVE", "CPUID.1:ECX[26] clear: the RootKernel saves interrupted calls with XSAVE");
		return;
	}
	cpuid_in_range(pf, 0xd, 0, r);
	if (r[1] > 4096)
		say(pf, PF_FAIL, "XSAVE", "%u bytes of state for the features the kernel enabled (CPUID.(0DH,0):EBX), more than the 4096 the RootKernel keeps per record (AMX tile data?)",
		    r[1]);
	else
		say(pf, PF_PASS, "XSAVE", "%u bytes of state (at most 4096)", r[1]);
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

/* The running kernel: its series, PTI, IBT, user shadow stacks. */
static void check_kernel(struct pf *pf)
{
	static const struct { unsigned int major, minor; } tested[] = {
		{ 6, 1 }, { 6, 12 },
	};
	char buf[1 << 16], *flags;
	unsigned int major = 0, minor = 0;
	bool ok = false;

	if (sscanf(pf->ops->release, "%u.%u", &major, &minor) == 2)
		for (size_t i = 0; i < sizeof(tested) / sizeof(tested[0]); i++)
			ok |= major == tested[i].major && minor == tested[i].minor;
	if (ok)
		say(pf, PF_PASS, "kernel", "%s (the %u.%u series: built and tested)",
		    pf->ops->release, major, minor);
	else
		say(pf, PF_WARN, "kernel", "%s: not a series skybridge is tested on (6.1, 6.12); the module may not build, or refuses to load where its redirected functions differ",
		    pf->ops->release);

	if (read_file(pf, "/sys/devices/system/cpu/vulnerabilities/meltdown",
		      buf, sizeof(buf)) < 0)
		say(pf, PF_PASS, "PTI", "unknown (no vulnerabilities/meltdown): both are supported");
	else
		say(pf, PF_PASS, "PTI", "%s (\"%s\"): both are supported",
		    strstr(buf, "PTI") ? "on" : "off", buf);

	/* The first CPU's "flags" line. */
	flags = NULL;
	if (pf->ops->read_file(pf->ops->ctx, "/proc/cpuinfo", buf, sizeof(buf)) >= 0) {
		flags = strstr(buf, "\nflags");
		flags = flags ? strchr(flags, ':') : NULL;
		if (flags)
			flags[strcspn(flags, "\n")] = '\0';
	}
	if (!flags) {
		say(pf, PF_SKIP, "CET", "no flags line in /proc/cpuinfo");
		return;
	}
	say(pf, PF_PASS, "kernel IBT", "%s", has_word(flags, "ibt") ?
	    "on: supported (the lockdown's redirected entry points begin with ENDBR64)" :
	    "off");
	if (has_word(flags, "user_shstk"))
		say(pf, PF_WARN, "user shadow stacks", "the kernel supports them: a process that turns one on may not register or connect (run it with GLIBC_TUNABLES=glibc.cpu.x86_shstk=off)");
	else
		say(pf, PF_PASS, "user shadow stacks", "not supported by this kernel or CPU");
}

/* Another user of VMX in this kernel takes it first (VMXON fails: EBUSY). */
static void check_other_hypervisors(struct pf *pf)
{
	char buf[64];
	bool any = false;

	if (read_file(pf, "/sys/module/kvm_intel/initstate", buf, sizeof(buf)) >= 0) {
		any = true;
		if (read_file(pf, "/sys/module/kvm/parameters/enable_virt_at_load",
			      buf, sizeof(buf)) >= 0 && buf[0] == 'Y')
			say(pf, PF_FAIL, "other hypervisors", "kvm_intel is loaded and holds VMX on every CPU (kvm.enable_virt_at_load=Y): rmmod kvm_intel first");
		else
			say(pf, PF_WARN, "other hypervisors", "kvm_intel is loaded: insmod fails (EBUSY) while a KVM guest runs");
	}
	if (read_file(pf, "/sys/module/vboxdrv/initstate", buf, sizeof(buf)) >= 0) {
		any = true;
		say(pf, PF_WARN, "other hypervisors", "vboxdrv (VirtualBox) is loaded: insmod fails (EBUSY) while a VirtualBox guest runs");
	}
	if (!any)
		say(pf, PF_PASS, "other hypervisors", "no kvm_intel, no vboxdrv");
}

/* Will this kernel load a module it did not build? */
static void check_module_loading(struct pf *pf)
{
	char buf[256], *open, *close;
	int n;

	if (read_file(pf, "/proc/sys/kernel/modules_disabled", buf, sizeof(buf)) >= 0 &&
	    buf[0] == '1')
		say(pf, PF_FAIL, "module loading", "disabled until reboot (kernel.modules_disabled = 1)");
	else
		say(pf, PF_PASS, "module loading", "enabled");

	n = pf->ops->read_file(pf->ops->ctx,
			       "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
			       buf, sizeof(buf));
	/* An EFI variable: 4 bytes of attributes, then the value. */
	if (n >= 5 && buf[4] == 1)
		say(pf, PF_WARN, "Secure Boot", "on: the kernel loads only modules signed with a key it trusts (README, \"Secure Boot\": DKMS's MOK)");
	else
		say(pf, PF_PASS, "Secure Boot", n < 0 ? "not a UEFI boot, or no efivarfs" : "off");

	if (read_file(pf, "/sys/kernel/security/lockdown", buf, sizeof(buf)) < 0) {
		say(pf, PF_PASS, "lockdown", "no lockdown LSM");
	} else {
		open = strchr(buf, '[');
		close = open ? strchr(open, ']') : NULL;
		if (close)
			*close = '\0';
		if (!open || !strcmp(open + 1, "none"))
			say(pf, PF_PASS, "lockdown", "none");
		else
			say(pf, PF_WARN, "lockdown", "%s: only signed modules load (README, \"Secure Boot\")",
			    open + 1);
	}
	if (read_file(pf, "/sys/module/module/parameters/sig_enforce", buf, sizeof(buf)) >= 0 &&
	    buf[0] == 'Y')
		say(pf, PF_WARN, "module signatures", "enforced (module.sig_enforce): sign skybridge.ko with a key the kernel trusts");
}

/* The capability MSRs compared across CPUs, in this order. */
static const uint32_t cap_msrs[] = {
	SB_MSR_VMX_BASIC, SB_MSR_VMX_PINBASED_CTLS, SB_MSR_VMX_PROCBASED_CTLS,
	SB_MSR_VMX_EXIT_CTLS, SB_MSR_VMX_ENTRY_CTLS, SB_MSR_VMX_PROCBASED_CTLS2,
	SB_MSR_VMX_EPT_VPID_CAP, SB_MSR_VMX_TRUE_PINBASED_CTLS,
	SB_MSR_VMX_TRUE_PROCBASED_CTLS, SB_MSR_VMX_TRUE_EXIT_CTLS,
	SB_MSR_VMX_TRUE_ENTRY_CTLS, SB_MSR_VMX_VMFUNC,
};
#define NR_CAP_MSRS	(sizeof(cap_msrs) / sizeof(cap_msrs[0]))

struct caps {
	uint64_t v[NR_CAP_MSRS];
	int err[NR_CAP_MSRS];
};

static void read_caps(struct pf *pf, unsigned int cpu, struct caps *c)
{
	for (size_t i = 0; i < NR_CAP_MSRS; i++) {
		c->v[i] = 0;
		c->err[i] = pf->ops->rdmsr(pf->ops->ctx, cpu, cap_msrs[i], &c->v[i]);
	}
}

static uint64_t cap(const struct caps *c, uint32_t msr)
{
	for (size_t i = 0; i < NR_CAP_MSRS; i++)
		if (cap_msrs[i] == msr)
			return c->err[i] ? 0 : c->v[i];
	return 0;
}

struct want {
	const char *name;
	uint64_t bits;
};
#define WANT(name, bits)	{ name, bits },

/* One line per requirement of @kind: its bits in @have (an allowed-1 half). */
static void check_wants(struct pf *pf, const char *kind, const struct want *w,
			size_t n, uint64_t have, const char *where)
{
	char check[160];

	for (size_t i = 0; i < n; i++) {
		snprintf(check, sizeof(check), "VMX %s \"%s\"", kind, w[i].name);
		if ((have & w[i].bits) == w[i].bits)
			say(pf, PF_PASS, check, "allowed (%s)", where);
		else
			say(pf, PF_FAIL, check, "not allowed (%s = 0x%llx)", where,
			    (unsigned long long)have);
	}
}

static void check_controls(struct pf *pf, const struct caps *c)
{
	static const struct want pin[] = { SB_VMX_REQ_PIN(WANT) };
	static const struct want proc[] = { SB_VMX_REQ_PROC(WANT) };
	static const struct want proc2[] = { SB_VMX_REQ_PROC2(WANT) };
	static const struct want exits[] = { SB_VMX_REQ_EXIT(WANT) };
	static const struct want entry[] = { SB_VMX_REQ_ENTRY(WANT) };
	static const struct {
		const char *name;
		uint32_t bits, leaf, sub;
		uint8_t reg, bit;
	} if_cpu[] = {
#define WANT_IF_CPU(name, bits, leaf, sub, reg, bit) \
		{ name, bits, leaf, sub, reg, bit },
		SB_VMX_REQ_PROC2_IF_CPU(WANT_IF_CPU)
#undef WANT_IF_CPU
	};
	bool t = cap(c, SB_MSR_VMX_BASIC) & SB_VMX_BASIC_TRUE_CTLS;
	uint64_t pin_c = cap(c, t ? SB_MSR_VMX_TRUE_PINBASED_CTLS : SB_MSR_VMX_PINBASED_CTLS);
	uint64_t proc_c = cap(c, t ? SB_MSR_VMX_TRUE_PROCBASED_CTLS : SB_MSR_VMX_PROCBASED_CTLS);
	uint64_t exit_c = cap(c, t ? SB_MSR_VMX_TRUE_EXIT_CTLS : SB_MSR_VMX_EXIT_CTLS);
	uint64_t entry_c = cap(c, t ? SB_MSR_VMX_TRUE_ENTRY_CTLS : SB_MSR_VMX_ENTRY_CTLS);
	uint64_t proc2_c = cap(c, SB_MSR_VMX_PROCBASED_CTLS2);
	char where[64];
	uint32_t r[4];

	/* The TRUE_* MSRs when IA32_VMX_BASIC[55] says they exist (A.3). */
#define CHECK(kind, want, msr, name)						\
	do {									\
		snprintf(where, sizeof(where), "IA32_VMX_%s%s[63:32]",		\
			 t ? "TRUE_" : "", name);				\
		check_wants(pf, kind, want, sizeof(want) / sizeof(want[0]),	\
			    msr >> 32, where);					\
	} while (0)
	CHECK("pin-based control", pin, pin_c, "PINBASED_CTLS");
	CHECK("processor-based control", proc, proc_c, "PROCBASED_CTLS");
	CHECK("VM-exit control", exits, exit_c, "EXIT_CTLS");
	CHECK("VM-entry control", entry, entry_c, "ENTRY_CTLS");
#undef CHECK
	check_wants(pf, "secondary control", proc2, sizeof(proc2) / sizeof(proc2[0]),
		    proc2_c >> 32, "IA32_VMX_PROCBASED_CTLS2[63:32]");
	if (proc_c >> 32 & SB_VMX_PROC_NMI_WINDOW)
		say(pf, PF_PASS, "VMX processor-based control \"NMI-window exiting\"",
		    "allowed");
	else
		say(pf, PF_FAIL, "VMX processor-based control \"NMI-window exiting\"",
		    "not allowed (PROCBASED_CTLS = 0x%llx)",
		    (unsigned long long)proc_c);
	if ((uint32_t)proc_c & SB_VMX_PROC_CR3_EXITING)
		say(pf, PF_FAIL, "VMX CR3-load/store exiting", "cannot be turned off (PROCBASED_CTLS[31:0] = 0x%x): every context switch would exit",
		    (uint32_t)proc_c);
	else
		say(pf, PF_PASS, "VMX CR3-load/store exiting", "may be off");

	for (size_t i = 0; i < sizeof(if_cpu) / sizeof(if_cpu[0]); i++) {
		char check[160];

		snprintf(check, sizeof(check), "VMX secondary control \"%s\"",
			 if_cpu[i].name);
		cpuid_in_range(pf, if_cpu[i].leaf, if_cpu[i].sub, r);
		if (!(r[if_cpu[i].reg] & (1u << if_cpu[i].bit)))
			say(pf, PF_PASS, check, "not needed: the CPU lacks the instruction (CPUID.(EAX=%02XH,ECX=%u):E%cX[%u] clear)",
			    if_cpu[i].leaf, if_cpu[i].sub, "ABCD"[if_cpu[i].reg & 3],
			    if_cpu[i].bit);
		else if (proc2_c >> 32 & if_cpu[i].bits)
			say(pf, PF_PASS, check, "allowed, and needed: the CPU has the instruction");
		else
			say(pf, PF_FAIL, check, "not allowed, but the CPU has the instruction and Linux uses it: it would be #UD under the RootKernel");
	}
}

static void check_vmx_msrs(struct pf *pf)
{
	static const struct want ept[] = { SB_VMX_REQ_EPT_VPID(WANT) };
	static const struct want vmfunc[] = { SB_VMX_REQ_VMFUNC(WANT) };
	struct caps c0, c;
	uint64_t fc, fc0 = 0, basic;
	unsigned int bad_fc = 0, i;
	int err;

	err = pf->ops->rdmsr(pf->ops->ctx, pf->cpus[0], SB_MSR_FEATURE_CONTROL, &fc0);
	if (err == -ENOENT && pf->ops->root) {
		int lerr = pf->ops->load_msr(pf->ops->ctx);

		if (lerr)
			say(pf, PF_SKIP, "MSR access", "the msr module is not loaded and could not be (modprobe msr: %s)",
			    strerror(-lerr));
		else
			err = pf->ops->rdmsr(pf->ops->ctx, pf->cpus[0],
					     SB_MSR_FEATURE_CONTROL, &fc0);
		if (!lerr && !err)
			say(pf, PF_PASS, "MSR access", "/dev/cpu/N/msr (loaded the msr module)");
	} else if (!err) {
		say(pf, PF_PASS, "MSR access", "/dev/cpu/N/msr");
	}
	if (err) {
		if (err != -ENOENT || !pf->ops->root)
			say(pf, PF_SKIP, "MSR access", "%s%s", msr_error(err),
			    err == -ENOENT && !pf->ops->root ? ": run skyctl check as root" : "");
		say(pf, PF_SKIP, "VMX capabilities", "not read: IA32_FEATURE_CONTROL and the VMX capability MSRs need /dev/cpu/N/msr, as root");
		return;
	}

	/* SDM Vol. 3C, 23.7: VMXON needs bit 0 (lock) and bit 2 set. */
	for (i = 0; i < pf->nr_cpus; i++) {
		fc = fc0;
		if (i && pf->ops->rdmsr(pf->ops->ctx, pf->cpus[i], SB_MSR_FEATURE_CONTROL, &fc))
			fc = 0;
		if ((fc & SB_FEATURE_CONTROL_LOCKED) && !(fc & SB_FEATURE_CONTROL_VMX) &&
		    !bad_fc++)
			say(pf, PF_FAIL, "IA32_FEATURE_CONTROL", "0x%llx on CPU %u: locked with VMX outside SMX off: turn VT-x on in the firmware setup",
			    (unsigned long long)fc, pf->cpus[i]);
	}
	if (!bad_fc && (fc0 & SB_FEATURE_CONTROL_LOCKED))
		say(pf, PF_PASS, "IA32_FEATURE_CONTROL", "0x%llx: locked, VMX outside SMX on",
		    (unsigned long long)fc0);
	else if (!bad_fc)
		say(pf, PF_WARN, "IA32_FEATURE_CONTROL", "0x%llx: not locked by the firmware; the module turns VMX on and locks it",
		    (unsigned long long)fc0);

	read_caps(pf, pf->cpus[0], &c0);
	if (c0.err[0]) {
		say(pf, PF_FAIL, "IA32_VMX_BASIC", "unreadable: %s", msr_error(c0.err[0]));
		return;
	}
	basic = c0.v[0];
	if (SB_VMX_BASIC_MEMTYPE(basic) == SB_VMX_BASIC_MEMTYPE_WB)
		say(pf, PF_PASS, "VMCS memory type", "write-back (IA32_VMX_BASIC = 0x%llx)",
		    (unsigned long long)basic);
	else
		say(pf, PF_FAIL, "VMCS memory type", "%llu, not write-back (IA32_VMX_BASIC[53:50])",
		    (unsigned long long)SB_VMX_BASIC_MEMTYPE(basic));
	check_controls(pf, &c0);
	check_wants(pf, "EPT/VPID capability", ept, sizeof(ept) / sizeof(ept[0]),
		    cap(&c0, SB_MSR_VMX_EPT_VPID_CAP), "IA32_VMX_EPT_VPID_CAP");
	if (!(cap(&c0, SB_MSR_VMX_EPT_VPID_CAP) & SB_VMX_EPT_2M) ||
	    !(cap(&c0, SB_MSR_VMX_EPT_VPID_CAP) & SB_VMX_EPT_1G))
		say(pf, PF_WARN, "EPT large pages", "2 MiB %s, 1 GiB %s: the identity map takes more tables",
		    cap(&c0, SB_MSR_VMX_EPT_VPID_CAP) & SB_VMX_EPT_2M ? "yes" : "no",
		    cap(&c0, SB_MSR_VMX_EPT_VPID_CAP) & SB_VMX_EPT_1G ? "yes" : "no");
	else
		say(pf, PF_PASS, "EPT large pages", "2 MiB and 1 GiB");
	check_wants(pf, "function", vmfunc, sizeof(vmfunc) / sizeof(vmfunc[0]),
		    cap(&c0, SB_MSR_VMX_VMFUNC), "IA32_VMX_VMFUNC");

	/* The module probes one CPU and launches the same VMCS on all. */
	for (i = 1; i < pf->nr_cpus; i++) {
		read_caps(pf, pf->cpus[i], &c);
		for (size_t m = 0; m < NR_CAP_MSRS; m++) {
			if (c.err[m] == c0.err[m] && (c.err[m] || c.v[m] == c0.v[m]))
				continue;
			say(pf, PF_FAIL, "same VMX on every CPU", "CPU %u's MSR 0x%x is 0x%llx, CPU %u's 0x%llx (a hybrid part?): the module checks one CPU and programs all alike",
			    pf->cpus[i], cap_msrs[m], (unsigned long long)c.v[m],
			    pf->cpus[0], (unsigned long long)c0.v[m]);
			return;
		}
	}
	say(pf, PF_PASS, "same VMX on every CPU", "%u online CPU%s alike",
	    pf->nr_cpus, pf->nr_cpus == 1 ? "" : "s");
}

int sb_preflight(const struct pf_ops *ops, FILE *out)
{
	struct pf *pf = calloc(1, sizeof(*pf));
	bool vmx, running;
	int ret;

	if (!pf) {
		fprintf(out, "SKIP  everything: out of memory\n");
		return PF_UNKNOWN;
	}
	pf->ops = ops;
	pf->out = out;
	online_cpus(pf);
	running = check_cpu(pf, &vmx);
	check_xsave(pf);
	check_kernel(pf);
	if (!running)
		check_other_hypervisors(pf);
	check_module_loading(pf);
	if (vmx)
		check_vmx_msrs(pf);
	else
		say(pf, PF_SKIP, "VMX capabilities", "not read: no VMX");

	if (pf->counts[PF_FAIL]) {
		fprintf(out, "verdict: not ready: %u check%s failed\n",
			pf->counts[PF_FAIL], pf->counts[PF_FAIL] == 1 ? "" : "s");
		ret = PF_NOT_READY;
	} else if (pf->counts[PF_SKIP]) {
		fprintf(out, "verdict: could not tell: %u check%s could not run\n",
			pf->counts[PF_SKIP], pf->counts[PF_SKIP] == 1 ? "" : "s");
		ret = PF_UNKNOWN;
	} else {
		fprintf(out, "verdict: ready%s", running ? ": skybridge is running" : "");
		if (pf->counts[PF_WARN])
			fprintf(out, ", read the warnings (%u warning%s)",
				pf->counts[PF_WARN], pf->counts[PF_WARN] == 1 ? "" : "s");
		fputc('\n', out);
		ret = PF_READY;
	}
	free(pf);
	return ret;
}

# SPDX-License-Identifier: GPL-2.0
#
# skybridge top-level Makefile.
#
#   make              build skybridge.ko and the userspace parts
#   make deps         install everything a Debian 12 machine needs (as root)
#   make check        host tests, then the in-guest suite on 1 and 2 vCPUs
#   make demo         the main job: the benchmarks in the emulated machine
#                     (QUICK=1: a short run, a few minutes)
#   make fresh-check  the README's commands on a fresh Debian 12 root (as root)
#   make bench        the benchmarks on this host (kernel IPC + fallback, and
#                     the trampoline's path with its VMFUNCs as NOPs)
#   make C=1          build the module under sparse (C=2: every file)
#   make sparse       C=2 build that fails on any sparse warning
#   make lab          the lab's own module build, against the guest's headers
#   make vm-fuzz      the ioctl fuzzer in the emulated machine, long
#                     (FUZZ_CALLS=N, default 2000000)
#   make vm-churn     register/connect/handoff/kill cycles, long
#                     (CHURN_CYCLES=N, default 1000)
#   make install      library, headers, pkg-config file, man pages, skyctl,
#                     sb-rewrite, sb-exec, udev rule (PREFIX, DESTDIR);
#                     make uninstall removes them
#   make dkms-install the module through DKMS, for every kernel with headers
#                     (as root); make dkms-uninstall removes it
#
# The module is built against the running kernel's build tree when it has one,
# otherwise against the emulated machine's headers (override with KDIR=...).
# The lab never uses the host's tree: it builds its own copy under build/lab/.

SRC       := $(CURDIR)
BUILD     := $(SRC)/build
BIN       := $(BUILD)/bin

# The project's version: PACKAGE_VERSION in dkms.conf, its one place (not
# "VERSION", which the kernel's own Makefile uses).
SKYBRIDGE_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\([^"]*\)"$$/\1/p' $(SRC)/dkms.conf)
ifeq ($(SKYBRIDGE_VERSION),)
$(error no PACKAGE_VERSION="..." line in dkms.conf)
endif

GUEST_KVER := $(shell cat $(BUILD)/guest/kernel-version 2>/dev/null)
GUEST_KDIR := $(if $(GUEST_KVER),/usr/src/linux-headers-$(GUEST_KVER))
HOST_KDIR  := /lib/modules/$(shell uname -r)/build
KDIR       ?= $(if $(wildcard $(HOST_KDIR)/Makefile),$(HOST_KDIR),$(GUEST_KDIR))

CC        ?= cc
CFLAGS    ?= -O2 -g
CFLAGS    += -std=gnu11 -Wall -Wextra -Werror -I$(SRC)
CFLAGS    += -D_GNU_SOURCE

# Kernel-side sources: anything here changes the module.
KSRCS     := Kbuild $(wildcard kmod/*.[chS] hv/*.[chS] kmod/test/*.[ch] hv/test/*.[ch] uapi/*.h)

# Userspace programs that run inside the emulated machine (tests, tools).
# Component makefiles append to GUEST_PROGS (copied into the lab's /lab/bin),
# USER_TARGETS (built by "make"), and HOST_TESTS (programs that print
# "ok - ..."/"not ok - ..." lines; tests/host/run runs each one).
GUEST_PROGS := $(patsubst tests/vm/progs/%.c,$(BIN)/%,$(wildcard tests/vm/progs/*.c))
USER_TARGETS :=
HOST_TESTS :=

-include lib/lib.mk rewriter/rewriter.mk bench/bench.mk install.mk tests/host/btf/btf.mk

.PHONY: all module user deps check fresh-check host-check vm-check demo vm-bench vm-fuzz vm-churn bench lab sparse clean help \
	host-tests print-host-tests

all: module user

help:
	@sed -n '3,27p' Makefile | sed 's/^# \{0,1\}//'

define need_kdir
	@if [ -z "$(1)" ] || [ ! -f "$(1)/Makefile" ]; then \
		echo "skybridge: no kernel build tree (KDIR='$(1)'); run 'make deps' as root" >&2; \
		exit 1; \
	fi
endef

module:
	$(call need_kdir,$(KDIR))
	$(MAKE) -C $(KDIR) M=$(SRC) $(if $(C),C=$(C)) modules

# Sparse over every module file; any warning fails.  The log is kept for reading.
sparse:
	$(call need_kdir,$(KDIR))
	$(MAKE) -C $(KDIR) M=$(SRC) C=2 modules 2>&1 | tee $(BUILD)/sparse.log
	@! grep -E '(warning|error):' $(BUILD)/sparse.log

user: $(GUEST_PROGS) $(USER_TARGETS)

host-tests: $(HOST_TESTS)

print-host-tests:
	@for t in $(HOST_TESTS); do echo $$t; done

$(BIN)/%: tests/vm/progs/%.c tests/tap.h tests/vm/progs/testview.h tests/vm/progs/sbcall.h \
		tests/vm/progs/testserver.h tests/vm/progs/sysstats.h lib/sb_tramp.h $(wildcard uapi/*.h) | $(BIN)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) -lpthread

$(BIN):
	mkdir -p $@

# The lab's modules: private copies of the kernel sources, built against the
# emulated machine's headers only.  module/ is the production module, the one
# users load; test/ is the test build (SKYBRIDGE_TEST=1: test views and
# hooks); twin/ is a renamed copy for the second-hypervisor test.
# LAB_KERNEL picks the guest: 6.1 (build/guest/, headers installed on the
# host) or 6.12 (build/guest-6.12/, headers unpacked there).
LAB_KERNEL ?= 6.1
ifeq ($(LAB_KERNEL),6.12)
LAB_GUEST := $(BUILD)/guest-6.12
LAB_KVER  := $(shell cat $(LAB_GUEST)/kernel-version 2>/dev/null)
LAB_KDIR  := $(if $(LAB_KVER),$(LAB_GUEST)/root/usr/src/linux-headers-$(LAB_KVER))
LAB_DIR   := $(BUILD)/lab-6.12
else ifeq ($(LAB_KERNEL),6.1)
LAB_GUEST := $(BUILD)/guest
LAB_KVER  := $(GUEST_KVER)
LAB_KDIR  := $(GUEST_KDIR)
LAB_DIR   := $(BUILD)/lab
else
$(error LAB_KERNEL must be 6.1 or 6.12, not '$(LAB_KERNEL)')
endif
LAB_MOD := $(LAB_DIR)/module
LAB_TEST := $(LAB_DIR)/test
LAB_TWIN := $(LAB_DIR)/twin
LAB_INITRAMFS := $(LAB_DIR)/base.cpio
lab: $(LAB_INITRAMFS)

$(LAB_INITRAMFS): $(LAB_MOD)/skybridge.ko $(GUEST_PROGS) tests/vm/init tests/vm/lib.sh \
		scripts/mkinitramfs.sh $(LAB_GUEST)/kernel-version
	sh scripts/mkinitramfs.sh $@ $(LAB_MOD)/skybridge.ko $(BIN) $(LAB_GUEST)/root $(LAB_KVER)

$(LAB_MOD)/skybridge.ko: $(KSRCS) $(LAB_GUEST)/kernel-version
	$(call need_kdir,$(LAB_KDIR))
	@for d in $(LAB_MOD) $(LAB_TEST) $(LAB_TWIN); do \
		mkdir -p $$d && rm -rf $$d/kmod $$d/hv $$d/uapi && \
		cp -pR Kbuild kmod uapi hv $$d/ || exit 1; \
	done
	$(MAKE) -C $(LAB_KDIR) M=$(LAB_MOD) modules
	$(MAKE) -C $(LAB_KDIR) M=$(LAB_TEST) SKYBRIDGE_TEST=1 modules
	$(MAKE) -C $(LAB_KDIR) M=$(LAB_TWIN) SKYBRIDGE_NAME=skybridge_twin modules

deps:
	@sh scripts/install-deps.sh $(BUILD)

check: deps
	@sh scripts/check.sh

host-check: deps
	@bash tests/host/run

vm-check: deps
	@sh tests/vm/suite

demo: vm-bench

FUZZ_CALLS ?= 2000000
vm-fuzz: deps lab
	tests/vm/run --cpus 2 --timeout 5400 --add tests/vm/scenarios:/lab/scenarios \
		tests/vm/scenarios/run-all.sh "fuzz.sh $(FUZZ_CALLS)"

CHURN_CYCLES ?= 1000
vm-churn: deps lab
	tests/vm/run --cpus 1 --timeout 5400 --add tests/vm/scenarios:/lab/scenarios \
		tests/vm/scenarios/run-all.sh "churn.sh $(CHURN_CYCLES)"

vm-bench: deps
	@sh scripts/demo.sh $(if $(QUICK),--quick) $(BENCH_ARGS)

# The README's commands on a fresh Debian 12 root (mmdebstrap, chroot): root only.
fresh-check:
	@bash scripts/fresh-check.sh

bench: bench-run trampath-run

clean:
	-$(if $(wildcard $(KDIR)/Makefile),$(MAKE) -C $(KDIR) M=$(SRC) clean)
	rm -rf $(BUILD)/bin $(BUILD)/lab $(BUILD)/lab-6.12 $(BUILD)/vm $(BUILD)/sparse.log

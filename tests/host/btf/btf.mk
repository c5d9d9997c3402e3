# SPDX-License-Identifier: GPL-2.0
#
# tests/host/btf/btf.mk - the host test of kmod/btf.c against the BTF of
# both lab guest kernels.  Included from the top-level Makefile.

BTF_61     := $(BUILD)/guest/vmlinux.btf
BTF_612    := $(BUILD)/guest-6.12/vmlinux.btf
HOST_TESTS += $(BUILD)/host-tests/btf

$(BUILD)/guest/vmlinux.btf: $(BUILD)/guest/kernel-version scripts/extract-btf.sh
	sh scripts/extract-btf.sh $(BUILD)/guest/root/boot/vmlinuz-$$(cat $<) $@

$(BUILD)/guest-6.12/vmlinux.btf: $(BUILD)/guest-6.12/kernel-version scripts/extract-btf.sh
	sh scripts/extract-btf.sh $(BUILD)/guest-6.12/root/boot/vmlinuz-$$(cat $<) $@

$(BUILD)/host-tests/btf: tests/host/btf/test-btf.c kmod/btf.c kmod/btf.h \
		kmod/protos.h tests/tap.h $(BTF_61) $(BTF_612)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DSB_BTF_61='"$(BTF_61)"' -DSB_BTF_612='"$(BTF_612)"' \
		-o $@ tests/host/btf/test-btf.c kmod/btf.c

# SPDX-License-Identifier: GPL-2.0
#
# install.mk - installing skybridge on a real machine.  Included by the
# top-level Makefile (SRC, BUILD, BIN, SKYBRIDGE_VERSION and the library's
# SB_LIB_A/SB_LIB_SO come from there and lib/lib.mk).
#
#   make install        the userspace parts, under DESTDIR and PREFIX
#                       (default /usr/local); builds them first if needed,
#                       never the module, so no kernel headers are needed
#   make uninstall      remove exactly the files "make install" put there
#                       (same DESTDIR, PREFIX and directory variables)
#   make dkms-install   the module through DKMS (as root), for every kernel
#                       in /lib/modules that has its headers
#   make dkms-uninstall dkms remove, and the sources from /usr/src
#
# What goes where (the header names are part of the interface):
#   $(LIBDIR)      libskybridge.so.VERSION, the links libskybridge.so.0
#                  (the soname) and libskybridge.so, libskybridge.a,
#                  pkgconfig/libskybridge.pc
#   $(INCLUDEDIR)  libskybridge.h        the library's API: <libskybridge.h>
#                  linux/skybridge.h     the /dev/skybridge ioctl ABI
#                                        (uapi/skybridge.h): <linux/skybridge.h>
#   $(BINDIR)      sb-rewrite, sb-exec
#   $(SBINDIR)     skyctl
#   $(MANDIR)      man1/sb-rewrite.1 sb-exec.1, man3/libskybridge.3 and the
#                  sb_*(3) pages, man8/skyctl.8
#   $(UDEVRULESDIR) 60-skybridge.rules: /dev/skybridge root:skybridge 0660
#                  (udev reads /etc/udev/rules.d and /usr/lib/udev/rules.d,
#                  never /usr/local, so this does not follow PREFIX)
#
# With no DESTDIR (a real install, as root) install also creates the system
# group "skybridge" if it is missing, runs ldconfig and asks a running udev
# to reload its rules; uninstall runs ldconfig and leaves the group.

PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
SBINDIR      ?= $(PREFIX)/sbin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
MANDIR       ?= $(PREFIX)/share/man
UDEVRULESDIR ?= /etc/udev/rules.d
SB_GROUP     := skybridge

SB_SO_REAL   := libskybridge.so.$(SKYBRIDGE_VERSION)
SB_MAN1      := rewriter/man/sb-rewrite.1 rewriter/man/sb-exec.1
SB_MAN3      := $(wildcard lib/man/*.3)
SB_MAN8      := lib/man/skyctl.8
SB_UDEV_RULE := dist/60-skybridge.rules

# Every path "make install" creates (files and symlinks), without DESTDIR.
SB_INSTALLED := $(LIBDIR)/$(SB_SO_REAL) $(LIBDIR)/libskybridge.so.0 \
	$(LIBDIR)/libskybridge.so $(LIBDIR)/libskybridge.a \
	$(LIBDIR)/pkgconfig/libskybridge.pc \
	$(INCLUDEDIR)/libskybridge.h $(INCLUDEDIR)/linux/skybridge.h \
	$(BINDIR)/sb-rewrite $(BINDIR)/sb-exec $(SBINDIR)/skyctl \
	$(addprefix $(MANDIR)/man1/,$(notdir $(SB_MAN1))) \
	$(addprefix $(MANDIR)/man3/,$(notdir $(SB_MAN3))) \
	$(addprefix $(MANDIR)/man8/,$(notdir $(SB_MAN8))) \
	$(UDEVRULESDIR)/$(notdir $(SB_UDEV_RULE))

# A man page's .TH source field becomes "skybridge VERSION".
SB_MAN_SED := sed -e '/^\.TH /s/"skybridge[^"]*"/"skybridge $(SKYBRIDGE_VERSION)"/'

.PHONY: install uninstall print-installed print-version dkms-source dkms-install dkms-uninstall

install: $(SB_LIB_SO) $(SB_LIB_A) $(BIN)/skyctl $(BIN)/sb-rewrite $(BIN)/sb-exec \
		lib/libskybridge.pc.in $(SB_MAN1) $(SB_MAN3) $(SB_MAN8) $(SB_UDEV_RULE)
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/linux \
		$(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UDEVRULESDIR)
	install -m 755 $(SB_LIB_SO) $(DESTDIR)$(LIBDIR)/$(SB_SO_REAL)
	ln -sfn $(SB_SO_REAL) $(DESTDIR)$(LIBDIR)/libskybridge.so.0
	ln -sfn libskybridge.so.0 $(DESTDIR)$(LIBDIR)/libskybridge.so
	install -m 644 $(SB_LIB_A) $(DESTDIR)$(LIBDIR)/libskybridge.a
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(SKYBRIDGE_VERSION)|' \
		-e '/^# /d' \
		lib/libskybridge.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/libskybridge.pc
	chmod 644 $(DESTDIR)$(LIBDIR)/pkgconfig/libskybridge.pc
	install -m 644 lib/libskybridge.h $(DESTDIR)$(INCLUDEDIR)/libskybridge.h
	install -m 644 uapi/skybridge.h $(DESTDIR)$(INCLUDEDIR)/linux/skybridge.h
	install -m 755 $(BIN)/sb-rewrite $(BIN)/sb-exec $(DESTDIR)$(BINDIR)/
	install -m 755 $(BIN)/skyctl $(DESTDIR)$(SBINDIR)/
	@set -e; for m in $(SB_MAN1:=:man1) $(SB_MAN3:=:man3) $(SB_MAN8:=:man8); do \
		src=$${m%:*}; dst=$(DESTDIR)$(MANDIR)/$${m##*:}/$${src##*/}; \
		echo "man page $$src -> $$dst"; \
		$(SB_MAN_SED) $$src >$$dst; chmod 644 $$dst; \
	done
	install -m 644 $(SB_UDEV_RULE) $(DESTDIR)$(UDEVRULESDIR)/
ifeq ($(DESTDIR),)
	@if ! getent group $(SB_GROUP) >/dev/null; then \
		echo "groupadd --system $(SB_GROUP)"; groupadd --system $(SB_GROUP); \
	fi
	-ldconfig
	@if command -v udevadm >/dev/null && [ -S /run/udev/control ]; then \
		echo "udevadm control --reload-rules"; udevadm control --reload-rules; \
		if [ -e /dev/skybridge ]; then \
			echo "udevadm trigger --action=add --sysname-match=skybridge"; \
			udevadm trigger --action=add --sysname-match=skybridge; \
		fi; \
	fi
	@echo "make install: /dev/skybridge is for group $(SB_GROUP) (mode 0660) from the next time the module loads;"
	@echo "make install: add users with: usermod -aG $(SB_GROUP) USER (they must log in again)"
endif

uninstall:
	rm -f $(addprefix $(DESTDIR),$(SB_INSTALLED))
ifeq ($(DESTDIR),)
	-ldconfig
	@echo "make uninstall: the group $(SB_GROUP) stays (groupdel $(SB_GROUP) removes it)"
endif

# The list above, one path a line, for the host test.
print-installed:
	@for f in $(SB_INSTALLED); do echo $$f; done

# DKMS.  The staged source tree is what DKMS builds from: the module's
# sources only (Kbuild, kmod/, hv/, uapi/ with the lab's test sources, which
# the production build never compiles), dkms.conf and the licenses.
# DKMS_TREE, DKMS_INSTALL_TREE: passed to dkms only when set (a test's
# private trees); otherwise dkms uses its own (/var/lib/dkms, /lib/modules,
# or what /etc/dkms/framework.conf says).  DKMS_FLAGS: more options for
# every dkms call (the test's --no-depmod).
DKMS              ?= dkms
DKMS_TREE         ?=
DKMS_SOURCE_TREE  ?= /usr/src
DKMS_INSTALL_TREE ?=
DKMS_FLAGS        ?=
# Words KVER or KVER=KERNEL_BUILD_DIR; default: every kernel in
# /lib/modules (or DKMS_INSTALL_TREE) whose build/ link has the headers.
DKMS_KERNELS      ?=
SB_DKMS_FILES := dkms.conf LICENSE $(wildcard LICENSES/*) $(KSRCS)
SB_DKMS_DIR   := $(DKMS_SOURCE_TREE)/skybridge-$(SKYBRIDGE_VERSION)
SB_DKMS_ARGS  := $(strip $(if $(DKMS_TREE),--dkmstree $(DKMS_TREE)) --sourcetree $(DKMS_SOURCE_TREE) \
		 $(if $(DKMS_INSTALL_TREE),--installtree $(DKMS_INSTALL_TREE)) $(DKMS_FLAGS))
SB_DKMS_MV    := -m skybridge -v $(SKYBRIDGE_VERSION)

define sb_no_destdir
	@if [ -n "$(DESTDIR)" ]; then \
		echo "make $@: DESTDIR means nothing to DKMS (DKMS_SOURCE_TREE, DKMS_TREE and DKMS_INSTALL_TREE do)" >&2; \
		exit 2; \
	fi
endef

define sb_need_dkms
	@command -v $(DKMS) >/dev/null || { \
		echo "make $@: no dkms; install it: apt-get install --no-install-recommends dkms (make deps does)" >&2; \
		exit 1; }
endef

# Copy the module's sources to $(SB_DKMS_DIR), replacing an older copy.
dkms-source:
	$(sb_no_destdir)
	rm -rf $(SB_DKMS_DIR)
	@set -e; for f in $(SB_DKMS_FILES); do \
		install -D -m 644 $$f $(SB_DKMS_DIR)/$$f; \
	done
	@echo "make dkms-source: $(words $(SB_DKMS_FILES)) files in $(SB_DKMS_DIR)"

# A version already added is removed first (from every kernel), so that a
# second dkms-install rebuilds from the current sources.  A kernel whose
# build fails is named with the compiler's errors; the others still build.
dkms-install:
	$(sb_no_destdir)
	$(sb_need_dkms)
	@if $(DKMS) status $(SB_DKMS_ARGS) $(SB_DKMS_MV) 2>/dev/null | grep -q .; then \
		echo "$(DKMS) remove $(SB_DKMS_MV) --all"; \
		$(DKMS) remove $(SB_DKMS_ARGS) $(SB_DKMS_MV) --all || exit 1; \
	fi
	@$(MAKE) --no-print-directory dkms-source
	$(DKMS) add $(SB_DKMS_ARGS) $(SB_DKMS_MV)
	@kernels="$(DKMS_KERNELS)"; \
	if [ -z "$$kernels" ]; then \
		for d in $(or $(DKMS_INSTALL_TREE),/lib/modules)/*/; do \
			k=$$(basename "$$d"); \
			if [ -d "$$d/build/include" ]; then kernels="$$kernels $$k"; \
			else echo "make dkms-install: skipping $$k: no headers ($$d/build); apt-get install linux-headers-$$k"; fi; \
		done; \
	fi; \
	[ -n "$$kernels" ] || { echo "make dkms-install: no kernel with headers in $(or $(DKMS_INSTALL_TREE),/lib/modules)" >&2; exit 1; }; \
	failed=; \
	for w in $$kernels; do \
		k=$${w%%=*}; kdir=; [ "$$k" = "$$w" ] || kdir=$${w#*=}; \
		echo "$(DKMS) install $(SB_DKMS_MV) -k $$k$${kdir:+ --kernelsourcedir $$kdir}"; \
		if ! $(DKMS) install $(SB_DKMS_ARGS) $(SB_DKMS_MV) -k "$$k" $${kdir:+--kernelsourcedir "$$kdir"}; then \
			log=$(or $(DKMS_TREE),/var/lib/dkms)/skybridge/$(SKYBRIDGE_VERSION)/build/make.log; \
			echo "make dkms-install: the build for $$k failed; its errors ($$log):" >&2; \
			grep -E ': (error|fatal error):|^make.*Error' "$$log" 2>/dev/null | head -n 40 >&2; \
			failed="$$failed $$k"; \
		fi; \
	done; \
	[ -z "$$failed" ] || { echo "make dkms-install: failed for:$$failed" >&2; exit 1; }

dkms-uninstall:
	$(sb_no_destdir)
	$(sb_need_dkms)
	@if $(DKMS) status $(SB_DKMS_ARGS) $(SB_DKMS_MV) 2>/dev/null | grep -q .; then \
		echo "$(DKMS) remove $(SB_DKMS_MV) --all"; \
		$(DKMS) remove $(SB_DKMS_ARGS) $(SB_DKMS_MV) --all || exit 1; \
	fi
	rm -rf $(SB_DKMS_DIR)

# Host test: tests/host/install/run.sh, generated like the rewriter's.
SB_INSTALL_TEST := $(BUILD)/host-tests/install
HOST_TESTS      += $(SB_INSTALL_TEST)

$(SB_INSTALL_TEST): tests/host/install/run.sh install.mk
	@mkdir -p $(@D)
	sed -e 's|@SRC@|$(SRC)|g' $< >$@.tmp
	chmod 0755 $@.tmp
	mv $@.tmp $@

# "make build/host-tests/install" names the same file (see rewriter.mk).
$(patsubst $(SRC)/%,%,$(SB_INSTALL_TEST)): %: $(SRC)/%

print-version:
	@echo $(SKYBRIDGE_VERSION)

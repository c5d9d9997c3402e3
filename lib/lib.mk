# SPDX-License-Identifier: GPL-2.0
#
# lib/lib.mk - libskybridge: static and shared library, host tests.
# Included by the top-level Makefile (SRC, BUILD, BIN, CC, CFLAGS come from
# there).  "make install" (install.mk) installs the library with its
# header, pkg-config file and man pages.
#
#   make lib          $(BUILD)/lib/libskybridge.{a,so}

SB_LIBDIR    := $(BUILD)/lib
SB_LIB_A     := $(SB_LIBDIR)/libskybridge.a
SB_LIB_SO    := $(SB_LIBDIR)/libskybridge.so
SB_LIB_SRCS  := $(wildcard lib/*.c)
SB_LIB_OBJS  := $(patsubst lib/%.c,$(SB_LIBDIR)/%.o,$(SB_LIB_SRCS))
SB_LIB_HDRS  := $(wildcard lib/*.h) $(wildcard uapi/*.h)

# Programs link the library statically (liburcu too), so they run in the
# emulated guest and anywhere else with only glibc.
SB_CFLAGS    := $(CFLAGS) -I$(SRC)/lib
SB_URCU_LIBS := -lurcu-cds -lurcu-mb -lurcu-common
SB_LDLIBS    := $(SB_LIB_A) -Wl,-Bstatic $(SB_URCU_LIBS) -Wl,-Bdynamic -lpthread

USER_TARGETS += $(SB_LIB_A) $(SB_LIB_SO)

.PHONY: lib
lib: $(SB_LIB_A) $(SB_LIB_SO)

$(SB_LIBDIR)/%.o: lib/%.c $(SB_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(SB_CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(SB_LIB_A): $(SB_LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(SB_LIB_SO): $(SB_LIB_OBJS) lib/libskybridge.map
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libskybridge.so.0 \
		-Wl,--version-script=lib/libskybridge.map -Wl,-z,defs \
		-o $@ $(SB_LIB_OBJS) $(SB_URCU_LIBS) -lpthread
	ln -sf libskybridge.so $(SB_LIBDIR)/libskybridge.so.0

# Host tests: each tests/host/lib/NAME.c is one program.
SB_TEST_SRCS := $(wildcard tests/host/lib/test-*.c)
SB_TESTS     := $(patsubst tests/host/lib/%.c,$(BUILD)/host-tests/lib-%,$(SB_TEST_SRCS))
HOST_TESTS   += $(SB_TESTS)

$(BUILD)/host-tests/lib-%: tests/host/lib/%.c tests/tap.h $(SB_LIB_A) lib/libskybridge.h
	@mkdir -p $(@D)
	$(CC) $(SB_CFLAGS) -o $@ $< $(SB_LDLIBS)

# The preflight's canned machines include lib/tools/preflight.c itself.
$(BUILD)/host-tests/lib-test-preflight: lib/tools/preflight.c lib/tools/preflight.h \
	$(wildcard uapi/*.h)

# skyctl: servers, counters, objects, exits, pool and lockdown, from the
# module through SB_IOC_SYSSTATS (no debugfs).
SKYCTL := $(BIN)/skyctl
USER_TARGETS += $(SKYCTL)
GUEST_PROGS  += $(SKYCTL)

# "make skyctl": skyctl alone (a C compiler and linux-libc-dev), for
# "skyctl check" on a box before anything else is built or installed.
.PHONY: skyctl
skyctl: $(SKYCTL)

$(SKYCTL): lib/tools/skyctl.c lib/tools/preflight.c lib/tools/preflight.h $(wildcard uapi/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ lib/tools/skyctl.c lib/tools/preflight.c

# Host test of skyctl: its command line, and its output for a stand-in for
# the module (fake-sysstats.so, preloaded: it answers SB_IOC_SYSSTATS).
HOST_TESTS += $(BUILD)/host-tests/tool-skyctl

$(BUILD)/host-tests/fake-sysstats.so: tests/host/lib/fake-sysstats.c $(wildcard uapi/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -shared -fPIC -o $@ $< -ldl

$(BUILD)/host-tests/tool-skyctl: tests/host/lib/tool-skyctl.c tests/tap.h tests/host/lib/runcmd.h \
		$(SKYCTL) $(BUILD)/host-tests/fake-sysstats.so
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DSKYCTL='"$(SKYCTL)"' \
		-DFAKE_SO='"$(BUILD)/host-tests/fake-sysstats.so"' -o $@ $<

# Examples (examples/): echo and key-value servers and clients, linked
# statically against the library like every program that may run in the lab.
SB_EXAMPLES := $(BIN)/sb-echo-server $(BIN)/sb-echo-client \
	       $(BIN)/sb-kv-server $(BIN)/sb-kv-client $(BIN)/sb-relay-server
USER_TARGETS += $(SB_EXAMPLES)
GUEST_PROGS  += $(SB_EXAMPLES)

$(BIN)/sb-%: examples/%.c $(wildcard examples/*.h) $(SB_LIB_A) lib/libskybridge.h
	@mkdir -p $(@D)
	$(CC) $(SB_CFLAGS) -o $@ $< $(SB_LDLIBS)

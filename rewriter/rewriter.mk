# SPDX-License-Identifier: GPL-2.0
#
# rewriter/rewriter.mk - sb-rewrite (VMFUNC byte scanner/rewriter), sb-exec
# (run a program with VMFUNC-free libraries) and their host tests.
# Included from the top-level Makefile.

RW_OBJ     := $(BUILD)/rewriter
RW_LIBS    := -lelf -lZydis
RW_COMMON  := elffile scan decode classify x86enc patch emit output sha256
RW_COMMON_OBJS := $(patsubst %,$(RW_OBJ)/%.o,$(RW_COMMON))
RW_HDRS    := $(wildcard rewriter/*.h)

USER_TARGETS += $(BIN)/sb-rewrite $(BIN)/sb-exec
GUEST_PROGS  += $(BIN)/sb-rewrite $(BIN)/sb-exec
HOST_TESTS   += $(BUILD)/host-tests/rewriter

$(RW_OBJ)/%.o: rewriter/%.c $(RW_HDRS)
	@mkdir -p $(RW_OBJ)
	$(CC) $(CFLAGS) -c -o $@ $<

# sb-rewrite --version: the project's version (dkms.conf).
$(RW_OBJ)/main.o: CFLAGS += -DSKYBRIDGE_VERSION='"$(SKYBRIDGE_VERSION)"'
$(RW_OBJ)/main.o: dkms.conf

$(BIN)/sb-rewrite: $(RW_OBJ)/main.o $(RW_COMMON_OBJS)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(RW_LIBS)

$(BIN)/sb-exec: $(RW_OBJ)/exec.o $(RW_COMMON_OBJS)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(RW_LIBS)

# The host test is a shell script; it is generated so it knows where the
# binaries and the test sources are, and depends on everything it runs.
RW_TEST_SRCS := $(wildcard tests/host/rewriter/*.S tests/host/rewriter/*.c tests/host/rewriter/*.sh)

$(BUILD)/host-tests/rewriter: tests/host/rewriter/run.sh $(BIN)/sb-rewrite $(BIN)/sb-exec $(RW_TEST_SRCS)
	@mkdir -p $(BUILD)/host-tests
	sed -e 's|@SRC@|$(SRC)|g' -e 's|@BIN@|$(BIN)|g' -e 's|@BUILD@|$(BUILD)|g' $< >$@.tmp
	chmod 0755 $@.tmp
	mv $@.tmp $@

# The rules above name their targets by absolute path, which make never
# matches against a relative goal: give the relative names too, so that
# "make build/bin/sb-rewrite" (as docs and the survey's default path say)
# builds the same file.
RW_TARGETS := $(BIN)/sb-rewrite $(BIN)/sb-exec $(BUILD)/host-tests/rewriter
$(patsubst $(SRC)/%,%,$(RW_TARGETS)): %: $(SRC)/%

# SPDX-License-Identifier: GPL-2.0
#
# bench/bench.mk - skybench.  Included by the top-level Makefile.
#
#   make $(BIN)/skybench   build it (also part of plain "make")
#   make bench-run         run it on this machine: table on stdout, CSV and
#                          PNG under $(BUILD)/bench/ (BENCH_ARGS adds options)
#   make bench-quick       a short smoke run (1000 samples, no throughput)

SKYBENCH      := $(BIN)/skybench
SKYBENCH_SRCS := $(wildcard bench/*.c)
SKYBENCH_OBJS := $(patsubst bench/%.c,$(BUILD)/bench/%.o,$(SKYBENCH_SRCS))
BENCH_OUT     := $(BUILD)/bench
BENCH_ARGS    ?=

USER_TARGETS += $(SKYBENCH)
GUEST_PROGS  += $(SKYBENCH)

.PHONY: bench-run bench-quick

$(BUILD)/bench/%.o: bench/%.c bench/bench.h lib/libskybridge.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(SRC)/lib -c -o $@ $<

# -lrt: POSIX message queues (part of libc since glibc 2.34; harmless).
$(SKYBENCH): $(SKYBENCH_OBJS) $(SB_LIB_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(SKYBENCH_OBJS) $(SB_LDLIBS) -lrt

bench-run: $(SKYBENCH)
	@mkdir -p $(BENCH_OUT)
	$(SKYBENCH) --csv $(BENCH_OUT)/skybench.csv --plot $(BENCH_OUT)/skybench.png \
		$(BENCH_ARGS) | tee $(BENCH_OUT)/skybench.txt

bench-quick: $(SKYBENCH)
	$(SKYBENCH) -n 1000 -w 100 --no-throughput -q $(BENCH_ARGS)

# Host test of skybench's command line and a tiny run (tests/host/run).
HOST_TESTS += $(BUILD)/host-tests/bench-skybench

$(BUILD)/host-tests/bench-skybench: tests/host/lib/bench-skybench.c tests/tap.h tests/host/lib/runcmd.h $(SKYBENCH)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DSKYBENCH='"$(SKYBENCH)"' -o $@ $<

# kvbench: the key-value macro benchmark (bench/kv/), with skybench's
# measurement helpers.
KVBENCH := $(BIN)/kvbench
USER_TARGETS += $(KVBENCH)
GUEST_PROGS  += $(KVBENCH)

$(BUILD)/bench/kv/%.o: bench/kv/%.c bench/bench.h lib/libskybridge.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(SRC)/lib -c -o $@ $<

$(KVBENCH): $(BUILD)/bench/kv/kvbench.o $(BUILD)/bench/measure.o $(SB_LIB_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(BUILD)/bench/kv/kvbench.o $(BUILD)/bench/measure.o $(SB_LDLIBS)

.PHONY: kvbench-run
kvbench-run: $(KVBENCH)
	@mkdir -p $(BENCH_OUT)
	$(KVBENCH) $(KVBENCH_ARGS) | tee $(BENCH_OUT)/kvbench.txt

HOST_TESTS += $(BUILD)/host-tests/bench-kvbench

$(BUILD)/host-tests/bench-kvbench: tests/host/lib/bench-kvbench.c tests/tap.h tests/host/lib/runcmd.h $(KVBENCH)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DKVBENCH='"$(KVBENCH)"' -o $@ $<

# trampath: the trampoline's own path on this host, each VMFUNC replaced by
# a NOP (bench/trampath/trampath.c), and its refusals checked (-s).
TRAMPATH := $(BIN)/trampath
USER_TARGETS += $(TRAMPATH)

$(BUILD)/bench/trampath/tramp_host.o: bench/trampath/tramp_host.S kmod/tramp.S $(wildcard uapi/*.h)
	@mkdir -p $(@D)
	$(CC) -D__ASSEMBLY__ -I$(SRC) -c -o $@ $<

$(BUILD)/bench/trampath/trampath.o: bench/trampath/trampath.c bench/bench.h lib/sb_tramp.h kmod/tramp.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(SRC)/lib -I$(SRC)/bench -c -o $@ $<

$(TRAMPATH): $(BUILD)/bench/trampath/trampath.o $(BUILD)/bench/trampath/tramp_host.o $(BUILD)/bench/measure.o
	$(CC) $(CFLAGS) -o $@ $^

.PHONY: trampath-run
trampath-run: $(TRAMPATH)
	@mkdir -p $(BENCH_OUT)
	$(TRAMPATH) $(TRAMPATH_ARGS) | tee $(BENCH_OUT)/trampath.txt

HOST_TESTS += $(BUILD)/host-tests/bench-trampath

$(BUILD)/host-tests/bench-trampath: tests/host/lib/bench-trampath.sh $(TRAMPATH)
	@mkdir -p $(@D)
	sed 's|@TRAMPATH@|$(TRAMPATH)|' $< >$@
	chmod +x $@

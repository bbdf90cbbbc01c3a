# conctrace — build, test, run.  `make V=1` shows the commands.
# Every output lands under $(OUT); the only file outside it is ./conctrace (a copy of the binary).

OUT        ?= build
PREFIX     ?= /usr/local
ARCH       := x86
CC         ?= gcc
CLANG      ?= clang
BPFTOOL    ?= bpftool
PYTHON     ?= /usr/bin/python3

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:

WARN       := -Wall -Wextra -Werror
CFLAGS     ?= -O2 -g -fno-omit-frame-pointer
CFLAGS     += $(WARN) -std=gnu11 -D_GNU_SOURCE -I$(OUT) -I. -Iuserspace
LIBS       := -lbpf -lelf -lz -ljansson -lmicrohttpd -lcurl -luring -lpthread -lm
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror -Ivmlinux/$(ARCH) -Ibpf

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRCS))
SKELS      := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
GEN        := $(OUT)/syscall_names.c
# user space, one folder per layer (userspace/README.md): base < model < trace, analyze < render <
# matrix < cli. tests/layers.sh checks that includes only point down and that units form no cycle.
LAYERS     := base model trace analyze render matrix cli
USER_SRCS  := $(foreach l,$(LAYERS),$(wildcard userspace/$(l)/*.c))
USER_HDRS  := $(foreach l,$(LAYERS),$(wildcard userspace/$(l)/*.h))
USER_OBJS  := $(patsubst userspace/%.c,$(OUT)/user/%.o,$(USER_SRCS)) $(OUT)/user/syscall_names.o
LIB_OBJS   := $(filter-out $(OUT)/user/cli/main.o,$(USER_OBJS))
UNIT_SRCS  := $(foreach l,$(LAYERS),$(wildcard tests/unit/$(l)/*.c))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(OUT)/tests/unit/%,$(UNIT_SRCS))
INTEG_SRCS := $(wildcard tests/integration/*.c)
INTEG_BINS := $(patsubst tests/integration/%.c,$(OUT)/tests/integration/%,$(INTEG_SRCS))
PROG_SRCS  := $(wildcard tests/progs/*.c)
PROG_BINS  := $(patsubst tests/progs/%.c,$(OUT)/progs/%,$(PROG_SRCS))
WORK_SRCS  := $(wildcard workloads/c/*.c)
WORK_OBJS  := $(patsubst workloads/c/%.c,$(OUT)/workloads/%.o,$(WORK_SRCS))
WORK_BINS  := $(OUT)/workloads/cwork
TOOL_SRCS  := $(wildcard tests/tools/*.c)
TOOL_BINS  := $(patsubst tests/tools/%.c,$(OUT)/tests/%,$(TOOL_SRCS))
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(patsubst bench/%.c,$(OUT)/bench/%,$(BENCH_SRCS))

.PHONY: all deps run test unit integration bench install vmlinux clean tracefs screenshot asan fuzz
all: conctrace $(PROG_BINS) $(WORK_BINS) $(BENCH_BINS)

# Debian packages the project needs; `make deps` is idempotent and installs only what is missing.
DEBS := clang bpftool libbpf-dev libelf-dev zlib1g-dev libjansson-dev libmicrohttpd-dev \
        libcurl4-openssl-dev liburing-dev libcriterion-dev pkg-config make gcc util-linux \
        python3 python3-aiofiles python3-aiohttp python3-requests python3-jsonschema \
        chromium libclang-rt-14-dev linux-perf
deps:
	$(Q)missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	    | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "  APT      $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# Kernel side: CO-RE objects and their skeletons.
$(OUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) vmlinux/$(ARCH)/vmlinux.h | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# Syscall names come from the installed kernel headers, not from a hand-written list.
$(GEN): /usr/include/x86_64-linux-gnu/asm/unistd_64.h userspace/model/gen_syscalls.sh | $(OUT)
	$(call msg,GEN,$@)
	$(Q)sh userspace/model/gen_syscalls.sh $< > $@

$(OUT)/user/syscall_names.o: $(GEN) | $(OUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/user/%.o: userspace/%.c $(USER_HDRS) $(wildcard bpf/*.h) $(SKELS) | $(OUT)/user
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# The layering of userspace/ is part of the build: an include that points up, or a cycle, fails it.
$(OUT)/layers.ok: tests/layers.sh $(USER_SRCS) $(USER_HDRS) $(WORK_SRCS) $(wildcard workloads/c/*.h) | $(OUT)
	$(call msg,CHECK,layers)
	$(Q)sh tests/layers.sh && touch $@

$(OUT)/conctrace: $(USER_OBJS) $(OUT)/layers.ok
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(USER_OBJS) $(LIBS) -o $@

conctrace: $(OUT)/conctrace
	$(Q)cp $< $@

$(OUT)/tests/unit/%: tests/unit/%.c $(LIB_OBJS) $(wildcard tests/*.h) | $(OUT)/tests/unit
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests $< $(LIB_OBJS) $(LIBS) -lcriterion -o $@

$(OUT)/tests/integration/%: tests/integration/%.c $(LIB_OBJS) $(wildcard tests/*.h) | $(OUT)/tests/integration
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests $< $(LIB_OBJS) $(LIBS) -lcriterion -o $@

# Tools the tests run (png_ink: how much of a page's screenshot is drawn).
$(OUT)/tests/%: tests/tools/%.c | $(OUT)/tests/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -lz -o $@

$(OUT)/progs/%: tests/progs/%.c $(wildcard tests/progs/*.h) | $(OUT)/progs
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -lpthread -lm -o $@

# cwork: one unit per job (work_*.c) and the runner of the models (cwork.c), sharing job.h.
$(OUT)/workloads/%.o: workloads/c/%.c $(wildcard workloads/c/*.h) | $(OUT)/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iworkloads/c -c $< -o $@

$(OUT)/workloads/cwork: $(WORK_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -o $@

$(OUT)/bench/%: bench/%.c | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -lpthread -lm -o $@

$(OUT) $(OUT)/user $(OUT)/tests/unit $(OUT)/tests/integration $(OUT)/progs $(OUT)/workloads $(OUT)/bench:
	$(Q)mkdir -p $@

# Some tests read tracepoint formats; mount tracefs where a fresh machine has not.
tracefs:
	$(Q)mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true

unit: $(UNIT_BINS)
	$(Q)for t in $(UNIT_BINS); do $$t --jobs 2 || exit 1; done

integration: all $(INTEG_BINS) $(TOOL_BINS) tracefs
	$(Q)for t in $(INTEG_BINS); do CONCTRACE=$(CURDIR)/conctrace PROGS=$(CURDIR)/$(OUT)/progs \
	    PYPROGS=$(CURDIR)/tests/progs WORKLOADS=$(CURDIR)/workloads PYTHON=$(PYTHON) \
	    PNG_INK=$(CURDIR)/$(OUT)/tests/png_ink $$t --jobs 1 || exit 1; done

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory integration
	$(Q)$(MAKE) --no-print-directory asan
	$(Q)$(MAKE) --no-print-directory fuzz

# ASan+UBSan: the unit tests, a few recordings and the report commands (tests/asan.sh), built
# apart in $(ASAN_OUT); any error or leak fails. CFLAGS go through the environment so that the
# sub-make's `+=` still adds the warnings and include paths.
ASAN_OUT     := $(OUT)/asan
ASAN_CFLAGS  := -O2 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
SAN_OPTIONS  := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0 \
                UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# The sub-makes of those builds use every CPU, unless this make was given -j (they share its jobs).
SUB_MAKE      = $(MAKE) $(if $(Q),-s) $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc)) --no-print-directory
asan: tracefs
	$(Q)CFLAGS='$(ASAN_CFLAGS)' $(SUB_MAKE) OUT=$(ASAN_OUT) $(ASAN_OUT)/conctrace \
	    $(patsubst $(OUT)/%,$(ASAN_OUT)/%,$(PROG_BINS) $(UNIT_BINS))
	$(Q)$(SAN_OPTIONS) sh tests/asan.sh $(ASAN_OUT)/conctrace $(ASAN_OUT)/progs \
	    $(patsubst $(OUT)/%,$(ASAN_OUT)/%,$(UNIT_BINS))

# libFuzzer (clang) harnesses tests/fuzz/NAME.c, built apart in $(FUZZ_OUT) and run FUZZ_SECONDS
# each, at once, from the seed corpus tests/fuzz/NAME/ (tests/fuzz/run.sh).
FUZZ_OUT     := $(OUT)/fuzz
FUZZ_CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=all
FUZZ_SECONDS ?= 25
FUZZERS      := $(patsubst tests/fuzz/%.c,$(OUT)/fuzzers/%,$(wildcard tests/fuzz/*.c))
# the layers a report and a folded file go through: no tracer, matrix or commands
FUZZ_OBJS    := $(filter $(foreach l,base model analyze render,$(OUT)/user/$(l)/%),$(USER_OBJS)) \
                $(OUT)/user/syscall_names.o

$(OUT)/fuzzers/%: tests/fuzz/%.c $(FUZZ_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -fsanitize=fuzzer $< $(FUZZ_OBJS) $(LIBS) -o $@

fuzz:
	$(Q)CFLAGS='$(FUZZ_CFLAGS)' $(SUB_MAKE) OUT=$(FUZZ_OUT) CC=$(CLANG) \
	    $(patsubst $(OUT)/%,$(FUZZ_OUT)/%,$(FUZZERS))
	$(Q)$(SAN_OPTIONS) sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_OUT) $(patsubst $(OUT)/%,$(FUZZ_OUT)/%,$(FUZZERS))

# Installs, then runs the default matrix (about two minutes); options go in RUN_ARGS, e.g.
# `make run RUN_ARGS='--size quick'`. The binary is named by its path: PATH may hold another.
run: deps
	$(Q)$(MAKE) --no-print-directory install
	$(Q)$(PREFIX)/bin/conctrace run $(RUN_ARGS)

# Records a small threaded Python program with its timeline and runs the quick matrix, then renders
# the record's report.html and the run's index.html in headless Chromium, each checked by
# tests/html_check.sh; the pictures are $(OUT)/screenshot/report.png and index.png. Needs root.
# The run's directory is under /tmp: its workloads run as another user, who must reach it.
SCREENSHOT_RUN := /tmp/conctrace-screenshot-run
screenshot: conctrace $(OUT)/tests/png_ink
	$(Q)rm -rf $(OUT)/screenshot $(OUT)/screenshot-record $(SCREENSHOT_RUN)
	$(Q)./conctrace record -q --timeline -o $(OUT)/screenshot-record -- \
	    $(PYTHON) -c 'import threading,time; t=threading.Thread(target=time.sleep,args=(0.2,)); \
	    t.start(); sum(range(3000000)); t.join()'
	$(Q)PNG_INK=$(OUT)/tests/png_ink sh tests/html_check.sh $(OUT)/screenshot-record/report.html $(OUT)/screenshot
	$(Q)./conctrace run --size quick -o $(SCREENSHOT_RUN) >/dev/null 2>&1
	$(Q)PNG_INK=$(OUT)/tests/png_ink sh tests/html_check.sh $(SCREENSHOT_RUN)/index.html $(OUT)/screenshot 5

bench: all
	$(Q)sh bench/overhead.sh
	$(Q)sh bench/flamegraph.sh
	$(Q)sh bench/serve_soak.sh
	$(Q)sh bench/postprocess.sh

install: all
	$(call msg,INSTALL,$(PREFIX)/bin/conctrace)
	$(Q)install -D -m 0755 $(OUT)/conctrace $(PREFIX)/bin/conctrace
	$(call msg,INSTALL,$(PREFIX)/share/conctrace/workloads)
	$(Q)install -d $(PREFIX)/share/conctrace/workloads && cp -R workloads/. $(PREFIX)/share/conctrace/workloads/
	$(call msg,INSTALL,$(PREFIX)/lib/conctrace/cwork)
	$(Q)install -D -m 0755 $(OUT)/workloads/cwork $(PREFIX)/lib/conctrace/cwork

vmlinux:
	$(call msg,GEN,vmlinux/$(ARCH)/vmlinux.h)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/$(ARCH)/vmlinux.h

clean:
	$(Q)rm -rf $(OUT) conctrace

# Symbolizer test fixtures: one program built as a PIE (-g), as a stripped non-PIE (-rdynamic:
# .dynsym only), and as a stripped PIE whose symbols live in a separate debug file (debuglink);
# and its shared library, with and without .symtab.
FIXTURE_DIR    := $(OUT)/fixtures
FIXTURES       := $(addprefix $(FIXTURE_DIR)/,libsymfix.so libsymfix-stripped.so symprog-pie \
                  symprog-nopie symprog-debuglink)
FIXTURE_CFLAGS := -O2 $(WARN) -std=gnu11 -Itests/fixtures
FIXTURE_LIBS   := -L$(FIXTURE_DIR) -Wl,-rpath,'$$ORIGIN'

$(FIXTURE_DIR)/libsymfix.so: tests/fixtures/symlib.c tests/fixtures/symlib.h | $(FIXTURE_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -g -shared -fPIC $< -o $@

$(FIXTURE_DIR)/libsymfix-stripped.so: tests/fixtures/symlib.c tests/fixtures/symlib.h | $(FIXTURE_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -s -shared -fPIC $< -o $@

$(FIXTURE_DIR)/symprog-pie: tests/fixtures/symprog.c $(FIXTURE_DIR)/libsymfix.so
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -g -fPIE -pie $< -lsymfix $(FIXTURE_LIBS) -o $@

$(FIXTURE_DIR)/symprog-nopie: tests/fixtures/symprog.c $(FIXTURE_DIR)/libsymfix-stripped.so
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -s -fno-pie -no-pie -rdynamic $< -lsymfix-stripped $(FIXTURE_LIBS) \
	    -o $@

$(FIXTURE_DIR)/symprog-debuglink: tests/fixtures/symprog.c $(FIXTURE_DIR)/libsymfix.so
	$(call msg,CC,$@)
	$(Q)mkdir -p $(FIXTURE_DIR)/.debug
	$(Q)$(CC) $(FIXTURE_CFLAGS) -g -fPIE -pie $< -lsymfix $(FIXTURE_LIBS) -o $@.full
	$(Q)objcopy --only-keep-debug $@.full $(FIXTURE_DIR)/.debug/symprog-debuglink.debug
	$(Q)objcopy --strip-all --add-gnu-debuglink=$(FIXTURE_DIR)/.debug/symprog-debuglink.debug \
	    $@.full $@
	$(Q)rm -f $@.full

$(FIXTURE_DIR):
	$(Q)mkdir -p $@

$(OUT)/tests/unit/model/test_symbolize: $(FIXTURES)

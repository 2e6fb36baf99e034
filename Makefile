# bpflab: one binary over libbpf, ncurses, Lua 5.4 and libyaml (Debian 12 packages).
# `make` builds, `make test` runs every test layer, `make run` starts the main job.
# V=1 prints full commands.

.DELETE_ON_ERROR:
.SECONDARY:
.SUFFIXES:

BUILD      ?= build
CLANG      ?= clang
BPFTOOL    ?= bpftool
CC         ?= gcc
PKG_CONFIG ?= pkg-config
ARCH       := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

PKGS      := lua5.4 ncursesw yaml-0.1 json-c libbpf libnl-route-3.0 libvirt
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

WARN      := -Wall -Wextra -Werror
CFLAGS    ?= -O2 -g
CFLAGS    += -std=gnu11 $(WARN) -D_GNU_SOURCE -I$(BUILD) -I. -Ibpf $(PKG_CFLAGS)
LDLIBS    += $(PKG_LIBS) -lbpf -lelf -lz -lm
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARN) \
	-Wno-unused-parameter -Wno-missing-field-initializers -I$(BUILD) -I. -Ibpf

# Every *.bpf.c under bpf/ and lab/ becomes an object and a skeleton named after it.
BPF_SRCS  := $(wildcard bpf/*/*.bpf.c lab/*/*.bpf.c)
BPF_OBJS  := $(patsubst %.bpf.c,$(BUILD)/bpf/%.bpf.o,$(notdir $(BPF_SRCS)))
SKELS     := $(patsubst %.bpf.c,$(BUILD)/skel/%.skel.h,$(notdir $(BPF_SRCS)))
vpath %.bpf.c $(sort $(dir $(BPF_SRCS)))

# lab/tools/*.c are small static programs the sandboxes run (attack and
# service helpers a busybox rootfs lacks): $(BUILD)/tools/NAME, one each.
TOOL_SRCS := $(wildcard lab/tools/*.c)
TOOLS     := $(patsubst lab/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRCS))

# Every other *.c under bpf/, lab/ and console/ goes into the binary.
USER_SRCS := $(filter-out %.bpf.c $(TOOL_SRCS),$(wildcard bpf/*/*.c lab/*.c lab/*/*.c console/*.c console/*/*.c))
USER_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(USER_SRCS))
MAIN_OBJ  := $(BUILD)/obj/console/main.o
LIB       := $(BUILD)/libbpflab.a
# Verbs, modules and journal kinds register through linker sections, so every
# object must be linked even when no symbol in it is referenced.
WHOLE_LIB := -Wl,--whole-archive $(LIB) -Wl,--no-whole-archive

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))

BIN       := $(BUILD)/bpflab

# The vm sandbox's guest agent (agent/): a static program over libbpf.a with
# the BPF-LSM skeleton and the wire protocol, nothing else from the tree.
AGENT_SRCS := $(wildcard agent/*.c) lab/sandbox/vm_wire.c
AGENT      := $(BUILD)/bpflab-agent

.PHONY: all deps run test test-unit test-all bench fuzz format tidy lint clean install
all: $(BIN) $(TOOLS) $(AGENT)

$(BUILD)/vmlinux.h:
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(BUILD)/bpf/%.bpf.o: %.bpf.c $(BUILD)/vmlinux.h $(wildcard bpf/*/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/skel/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(BUILD)/obj/%.o: %.c $(SKELS) | $(BUILD)/vmlinux.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(filter-out $(MAIN_OBJ),$(USER_OBJS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(MAIN_OBJ) $(WHOLE_LIB) -o $@ $(LDLIBS)

$(BUILD)/tools/%: lab/tools/%.c
	$(call msg,TOOL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -std=gnu11 $(WARN) -D_GNU_SOURCE -static $< -o $@

$(AGENT): $(AGENT_SRCS) $(wildcard agent/*.h) lab/sandbox/vm_wire.h bpf/lsm/lsm_abi.h $(BUILD)/skel/lsm.skel.h
	$(call msg,AGENT,$@)
	$(Q)$(CC) -O2 -std=gnu11 $(WARN) -D_GNU_SOURCE -I$(BUILD) -I. -Ibpf -static $(AGENT_SRCS) -o $@ -lbpf -lelf -lz -lzstd

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< -o $@ $(WHOLE_LIB) $(LDLIBS) -lcmocka

# libFuzzer targets need clang; they link the same library.
$(BUILD)/fuzz/%: tests/fuzz/%.c $(USER_SRCS) $(SKELS)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE -I$(BUILD) -I. -Ibpf \
		$(PKG_CFLAGS) $< $(filter-out console/main.c,$(USER_SRCS)) -o $@ $(LDLIBS)

deps:
	./scripts/install-deps.sh

run: deps all
	./scripts/run-main.sh

test: all $(UNIT_BINS) $(FUZZ_BINS)
	BUILD=$(BUILD) ./tests/run.sh

test-all: all $(UNIT_BINS) $(FUZZ_BINS)
	BUILD=$(BUILD) BPFLAB_TEST_ALL=1 ./tests/run.sh

test-unit: $(UNIT_BINS)
	BUILD=$(BUILD) ./tests/run.sh unit

fuzz: $(FUZZ_BINS)

bench: all
	./scripts/bench.sh

format:
	clang-format -i $(filter-out $(wildcard build/*),$(shell git ls-files '*.c' '*.h'))

lint: $(SKELS)
	BUILD=$(BUILD) ./scripts/lint.sh

tidy: $(SKELS)
	BUILD=$(BUILD) ./scripts/lint.sh tidy

install: all
	install -D -m 0755 $(BIN) /usr/local/sbin/bpflab
	install -D -m 0644 docs/bpflab.8 /usr/local/share/man/man8/bpflab.8

clean:
	rm -rf $(BUILD)

-include $(USER_OBJS:.o=.d)

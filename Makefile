# svmtool - one Makefile, no recursion.  `make V=1` shows full command lines;
# `make B=build` builds out of tree; PREFIX and DESTDIR are honoured.
# CC, CPPFLAGS, CFLAGS, LDFLAGS and LDLIBS are the user's, as the GNU coding
# standards say: the flags the build needs are added to them, never replaced
# by them.  Warnings are errors only when asked: `make WERROR=1` (CI does).

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PCDIR ?= $(LIBDIR)/pkgconfig
B ?= .

VERSION := 1.0.0
SOMAJOR := 1

CC ?= cc
CFLAGS ?= -O2 -g
WARNFLAGS := -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion \
	-Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla
ifeq ($(WERROR),1)
WARNFLAGS += -Werror
endif
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(CPPFLAGS) $(WARNFLAGS) -pthread \
	$(CFLAGS) $(EXTRA_CFLAGS)
ALL_LDFLAGS := -pthread $(LDFLAGS) $(EXTRA_LDFLAGS)

ifeq ($(V),1)
Q :=
say = @:
else
Q := @
say = @printf '  %-7s %s\n'
endif

# ------------------------------------------------------------------ library
LIB_SRCS := $(sort $(wildcard lib/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
SONAME := libsvmtool.so.$(SOMAJOR)
LIB_SO := $(B)/lib/$(SONAME)
LIB_DEVLINK := $(B)/lib/libsvmtool.so
LIB_A := $(B)/lib/libsvmtool.a
LIB_PC := $(B)/lib/libsvmtool.pc

# ------------------------------------------------------------------ command
CMD_SRCS := $(sort $(wildcard cmd/*.c))
CMD_OBJS := $(CMD_SRCS:%.c=$(B)/%.o)
CMD_BIN := $(B)/cmd/svmtool
# pkg-config modules the command builds with: test/deps.sh keeps them with
# their headers and Debian packages.
CMD_MODULES := $(shell test/deps.sh modules build)
CMD_CFLAGS := $(shell pkg-config --cflags-only-I $(CMD_MODULES) 2>/dev/null)
# readline is not linked: only the interactive shell loads it (cmd/readline.c).
CMD_LIBS := $(shell pkg-config --libs $(filter-out readline,$(CMD_MODULES)) \
	2>/dev/null || echo -largtable2 -lsmartcols)

# ------------------------------------------------------------------ tests
UNIT_SRCS := $(sort $(wildcard test/unit/test-*.c))
UNIT_BINS := $(UNIT_SRCS:%.c=$(B)/%)
HELPER_SRCS := $(sort $(wildcard test/helpers/*.c))
HELPER_BINS := $(HELPER_SRCS:%.c=$(B)/%)
BENCH_SRCS := $(sort $(wildcard test/bench/bench-*.c))
# The crash-point harness: the library built again with its crash points.
TORTURE_BIN := $(B)/test/torture/torture
BENCH_BINS := $(BENCH_SRCS:%.c=$(B)/%)

DEPS := $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d) $(UNIT_BINS:=.d) $(HELPER_BINS:=.d) \
	$(BENCH_BINS:=.d) $(TORTURE_BIN:=.d)

.PHONY: all lib cmd tests check check-unit check-cli check-pkg check-abi check-man \
	check-asan check-valgrind deps build-deps test-deps abi-baseline demo bench \
	bench-quick fuzz torture install uninstall clean deb check-deb
all: lib cmd

lib: $(LIB_SO) $(LIB_DEVLINK) $(LIB_A) $(LIB_PC)
ifneq ($(CMD_SRCS),)
cmd: $(CMD_BIN)
else
cmd:
endif
tests: $(UNIT_BINS) $(HELPER_BINS) $(TORTURE_BIN)

$(B)/lib/%.o: lib/%.c Makefile | build-deps
	@mkdir -p $(@D)
	$(say) CC $@
	$(Q)$(CC) -Ilib $(ALL_CFLAGS) -fPIC -fvisibility=hidden -MMD -MP -c -o $@ $<

$(LIB_SO): $(LIB_OBJS) lib/libsvmtool.map
	$(say) LD $@
	$(Q)$(CC) $(CFLAGS) $(ALL_LDFLAGS) -shared -Wl,-soname,$(SONAME) \
		-Wl,--version-script=lib/libsvmtool.map -Wl,--no-undefined-version \
		-Wl,--no-undefined -o $@ $(LIB_OBJS)

$(LIB_DEVLINK): $(LIB_SO)
	$(Q)ln -sf $(SONAME) $@

$(LIB_A): $(LIB_OBJS)
	$(say) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $(LIB_OBJS)

$(LIB_PC): lib/libsvmtool.pc.in Makefile
	$(say) GEN $@
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCDIR@|$(INCDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

$(B)/cmd/%.o: cmd/%.c Makefile | build-deps
	@mkdir -p $(@D)
	$(say) CC $@
	$(Q)$(CC) -Ilib $(ALL_CFLAGS) $(CMD_CFLAGS) -MMD -MP -c -o $@ $<

# The command links the static library: one self-contained binary.
$(CMD_BIN): $(CMD_OBJS) $(LIB_A)
	@mkdir -p $(@D)
	$(say) LD $@
	$(Q)$(CC) $(CFLAGS) $(ALL_LDFLAGS) -o $@ $(CMD_OBJS) $(LIB_A) $(CMD_LIBS) $(LDLIBS)

# Unit tests link the static archive so they can reach internals.
$(B)/test/unit/%: test/unit/%.c $(LIB_A) Makefile | test-deps
	@mkdir -p $(@D)
	$(say) CC $@
	$(Q)$(CC) -Ilib -Itest/unit $(ALL_CFLAGS) -Wno-conversion -Wno-sign-conversion \
		-MMD -MP -o $@ $< $(LIB_A) -lcmocka $(ALL_LDFLAGS)

$(B)/test/helpers/%: test/helpers/%.c $(LIB_A) Makefile
	@mkdir -p $(@D)
	$(say) CC $@
	$(Q)$(CC) -Ilib $(ALL_CFLAGS) -MMD -MP -o $@ $< $(LIB_A) $(ALL_LDFLAGS)

# Crash points exist only here (-DSVMT_CRASH_POINTS): never in the library.
$(TORTURE_BIN): test/torture/torture.c $(LIB_SRCS) Makefile | build-deps
	@mkdir -p $(@D)
	$(say) CC $@
	$(Q)$(CC) -Ilib $(ALL_CFLAGS) -DSVMT_CRASH_POINTS -MMD -MP -o $@ \
		test/torture/torture.c $(LIB_SRCS) $(ALL_LDFLAGS)

# A no-op with the command's libraries (bench-cli's B10 floor).
$(B)/test/bench/nop-linked: test/bench/nop-linked.c Makefile
	@mkdir -p $(@D)
	$(say) CC $@
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< -Wl,--no-as-needed \
		$(CMD_LIBS)

$(B)/test/bench/%: test/bench/%.c $(LIB_A) Makefile
	@mkdir -p $(@D)
	$(say) CC $@
	$(Q)$(CC) -Ilib $(ALL_CFLAGS) -MMD -MP -o $@ $< $(LIB_A) $(ALL_LDFLAGS)

-include $(DEPS)

# ------------------------------------------------------------------ checks
# The Debian packages the build and the tests need are the Build-Depends of
# debian/control (test/deps.sh list); `make deps` installs the missing ones
# as root and prints the apt-get line otherwise.  Before compiling, the
# pkg-config modules and headers are checked and a missing one named with
# its package.
deps:
	$(Q)test/deps.sh install

build-deps:
	$(Q)CC='$(CC)' CPPFLAGS='$(CPPFLAGS)' test/deps.sh check build

test-deps:
	$(Q)CC='$(CC)' CPPFLAGS='$(CPPFLAGS)' test/deps.sh check test

check: deps
	$(Q)$(MAKE) --no-print-directory all tests
	$(Q)B=$(B) test/run-tests.sh

check-unit check-cli check-pkg check-abi check-man: deps
	$(Q)$(MAKE) --no-print-directory all tests
	$(Q)B=$(B) test/run-tests.sh $(@:check-%=%)

# The ABI baseline lib/libsvmtool.abi (libabigail XML) that `make check`
# compares the library with (abidiff; lib/libsvmtool.abignore leaves out the
# types svmtool.h does not declare).  Until the first release, an intended
# change is recorded by refreshing it with this target and committing it with
# the change; once released, a change that breaks it needs a new soname.
abi-baseline: lib
	$(Q)readelf -S $(LIB_SO) | grep -q '\.debug_info' || \
		{ echo "abi-baseline: $(LIB_SO) has no debug information: build it with -g" >&2; exit 1; }
	$(say) ABIDW lib/libsvmtool.abi
	$(Q)abidw --no-corpus-path --no-comp-dir-path --out-file lib/libsvmtool.abi $(LIB_SO)

# Unit and command-line tests under ASan and UBSan, in their own build tree.
check-asan: deps
	$(Q)$(MAKE) --no-print-directory B=build-asan CC=gcc \
		EXTRA_CFLAGS='-O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -DSVMT_DEFAULT_BASE=0x500000000000ULL' \
		EXTRA_LDFLAGS='-fsanitize=address,undefined' all tests
	$(Q)B=build-asan test/run-tests.sh unit cli

# Unit tests under valgrind: no invalid access, no leak.
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --child-silent-after-fork=yes
check-valgrind: deps
	$(Q)test/deps.sh install valgrind
	$(Q)$(MAKE) --no-print-directory all tests
	$(Q)B=$(B) RUNNER="$(VALGRIND)" test/run-tests.sh unit

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)B=$(B) test/demo.sh

# Coverage-guided fuzzing of object validation (clang's libFuzzer).
FUZZ_SECONDS ?= 60
fuzz: cmd
	$(Q)test/deps.sh install clang libclang-rt-14-dev
	@mkdir -p $(B)/test/fuzz/corpus
	$(say) FUZZ $(B)/test/fuzz/fuzz-objects
	$(Q)clang -std=c11 -D_GNU_SOURCE -g -O1 -Ilib \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-DSVMT_DEFAULT_BASE=0x500000000000ULL \
		-o $(B)/test/fuzz/fuzz-objects test/fuzz/fuzz-objects.c $(LIB_SRCS) -pthread
	$(Q)test/fuzz/seed.sh $(B)/test/fuzz/corpus $(CMD_BIN)
	$(Q)$(B)/test/fuzz/fuzz-objects -max_total_time=$(FUZZ_SECONDS) \
		-max_len=200000 $(B)/test/fuzz/corpus; rc=$$?; \
		rm -rf /dev/shm/svmt-fuzz.*; exit $$rc
	$(say) FUZZ $(B)/test/fuzz/fuzz-lock
	$(Q)clang -std=c11 -D_GNU_SOURCE -g -O1 -Ilib \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $(B)/test/fuzz/fuzz-lock test/fuzz/fuzz-lock.c $(LIB_SRCS) -pthread
	$(Q)$(B)/test/fuzz/fuzz-lock -max_total_time=$(FUZZ_SECONDS) -max_len=128
	$(say) FUZZ $(B)/test/fuzz/fuzz-parse
	$(Q)clang -std=c11 -D_GNU_SOURCE -g -O1 -Ilib -Icmd \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $(B)/test/fuzz/fuzz-parse test/fuzz/fuzz-parse.c $(LIB_SRCS) \
		$(filter-out cmd/main.c,$(CMD_SRCS)) -pthread $(CMD_LIBS)
	$(Q)$(B)/test/fuzz/fuzz-parse -max_total_time=$(FUZZ_SECONDS) -max_len=64 \
		2>$(B)/test/fuzz/fuzz-parse.log; rc=$$?; \
		grep -v '^svmtool: \|^see ' $(B)/test/fuzz/fuzz-parse.log | tail -5; exit $$rc

# Benchmarks: svmtool against a baseline doing the same work, interleaved
# (test/bench/bench.h).  They print ratios and judge nothing.
bench: all $(BENCH_BINS) $(B)/test/bench/nop-linked
	$(Q)for b in $(BENCH_BINS); do SVMTOOL=$(B)/cmd/svmtool $$b || exit 1; done
	$(Q)SVMTOOL=$(B)/cmd/svmtool test/bench/bench-mappers.sh

bench-quick: all $(BENCH_BINS) $(B)/test/bench/nop-linked
	$(Q)for b in $(BENCH_BINS); do SVMT_BENCH_QUICK=1 SVMTOOL=$(B)/cmd/svmtool $$b || exit 1; done
	$(Q)SVMT_BENCH_QUICK=1 SVMTOOL=$(B)/cmd/svmtool test/bench/bench-mappers.sh

# Kill at every crash point, then a long seeded random run (make check runs
# a short one).  TORTURE_SECONDS, TORTURE_SEED, TORTURE_WORKERS change it.
TORTURE_SECONDS ?= 60
TORTURE_WORKERS ?= 4
TORTURE_SEED ?= $(shell date +%s)
torture: $(TORTURE_BIN)
	$(Q)$(TORTURE_BIN) points
	$(Q)$(TORTURE_BIN) random -s $(TORTURE_SEED) -t $(TORTURE_SECONDS) \
		-w $(TORTURE_WORKERS)

# ------------------------------------------------------------------ install
# Completions go where each shell looks for this PREFIX: bash-completion's
# and fish's own directories (their pkg-config variables) when PREFIX is
# theirs, else PREFIX/share/bash-completion/completions (read through
# XDG_DATA_DIRS) and PREFIX/share/fish/vendor_completions.d (fish reads it
# when XDG_DATA_DIRS names PREFIX/share); zsh's Debian vendor-completions
# for /usr, else PREFIX/share/zsh/site-functions.  Each can be overridden.
pc_dir_if_ours = $(shell [ "$$(pkg-config --variable=prefix $(1) 2>/dev/null)" = "$(PREFIX)" ] && \
	pkg-config --variable=completionsdir $(1) 2>/dev/null)
BASHCOMPDIR ?= $(or $(call pc_dir_if_ours,bash-completion),$(PREFIX)/share/bash-completion/completions)
FISHCOMPDIR ?= $(or $(call pc_dir_if_ours,fish),$(PREFIX)/share/fish/vendor_completions.d)
ZSHCOMPDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/share/zsh/vendor-completions,$(PREFIX)/share/zsh/site-functions)

# Every exported function has a man page: a .so link into libsvmtool(3).
MAN_FUNCS := $(shell sed -n 's/^ \(svmt_[a-z0-9_]*\)@.*/\1/p' debian/libsvmtool1.symbols)

# The dynamic linker's cache is refreshed when installing to the live
# system as root (no DESTDIR); LDCONFIG= skips it.
LDCONFIG ?= $(if $(DESTDIR),,$(shell [ "$$(id -u)" -eq 0 ] && command -v ldconfig))

INSTALLED := $(BINDIR)/svmtool $(LIBDIR)/$(SONAME) $(LIBDIR)/libsvmtool.so \
	$(LIBDIR)/libsvmtool.a $(INCDIR)/svmtool.h $(PCDIR)/libsvmtool.pc \
	$(BASHCOMPDIR)/svmtool $(FISHCOMPDIR)/svmtool.fish $(ZSHCOMPDIR)/_svmtool \
	$(addprefix $(MANDIR)/man1/,$(notdir $(wildcard man/*.1))) \
	$(addprefix $(MANDIR)/man3/,$(notdir $(wildcard man/*.3)) $(MAN_FUNCS:=.3))

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) \
		$(DESTDIR)$(PCDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(CMD_BIN) $(DESTDIR)$(BINDIR)/svmtool
	install -m 644 $(LIB_SO) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libsvmtool.so
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/libsvmtool.a
	install -m 644 lib/svmtool.h $(DESTDIR)$(INCDIR)/svmtool.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCDIR@|$(INCDIR)|' -e 's|@VERSION@|$(VERSION)|' \
		lib/libsvmtool.pc.in > $(DESTDIR)$(PCDIR)/libsvmtool.pc
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/*.3 $(DESTDIR)$(MANDIR)/man3/
	for f in $(MAN_FUNCS); do \
		echo '.so man3/libsvmtool.3' > $(DESTDIR)$(MANDIR)/man3/$$f.3 || exit 1; done
	install -m 644 completions/svmtool.bash $(DESTDIR)$(BASHCOMPDIR)/svmtool
	install -m 644 completions/svmtool.fish $(DESTDIR)$(FISHCOMPDIR)/svmtool.fish
	install -m 644 completions/_svmtool $(DESTDIR)$(ZSHCOMPDIR)/_svmtool
	$(if $(LDCONFIG),$(LDCONFIG))

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	$(if $(LDCONFIG),$(LDCONFIG))

# The packages are built in a copy of the sources under $(B)/deb, where the
# .deb files land: the work tree stays as it was.
DEB_DIR := $(B)/deb
DEB_SRC := $(DEB_DIR)/svmtool-$(VERSION)
deb:
	$(Q)test/deps.sh install --deb dpkg-dev
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_SRC)
	cp -r Makefile README.md cmd completions debian lib man test $(DEB_SRC)/
	$(MAKE) --no-print-directory -C $(DEB_SRC) B=. clean
	cd $(DEB_SRC) && dpkg-buildpackage -us -uc -b
	@ls $(DEB_DIR)/*.deb

# The packages built, checked by lintian (no error, no warning) and by their
# autopkgtests (debian/tests) with autopkgtest's null runner: it installs
# the packages on this machine, so this is for CI and throwaway machines.
check-deb: deb
	$(Q)test/deps.sh install lintian autopkgtest
	lintian --fail-on error,warning $(DEB_DIR)/*.changes
	autopkgtest $$(ls $(DEB_DIR)/*.deb | grep -v -- -dbgsym_) $(DEB_SRC)/ -- null

clean:
	rm -f $(LIB_OBJS) $(LIB_SO) $(LIB_DEVLINK) $(LIB_A) $(LIB_PC) $(CMD_OBJS) \
		$(CMD_BIN) $(UNIT_BINS) $(HELPER_BINS) $(BENCH_BINS) $(TORTURE_BIN) \
		$(B)/test/bench/nop-linked \
		$(DEPS)
	rm -rf build-asan $(B)/test/fuzz/fuzz-objects $(B)/test/fuzz/fuzz-lock \
		$(B)/test/fuzz/fuzz-parse $(B)/test/fuzz/fuzz-parse.log \
		$(B)/test/fuzz/corpus $(B)/test-results $(B)/deb

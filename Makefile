# libgmap: `make` builds, `make demo` runs the main job, `make check` compiles a
# release build (-O3, warnings are errors: `check-release`), then runs every test
# under AddressSanitizer + UndefinedBehaviorSanitizer and again (all but the
# benchmark smoke tests) under ThreadSanitizer, `make bench` runs the benchmarks,
# `make install [PREFIX=/usr/local] [DESTDIR=]` installs.
# `make fuzz` runs each libFuzzer target for FUZZ_SECONDS (clang, ASan + UBSan) and
# `make fuzz-coverage` reports the line and branch coverage of src/ its corpora reach.
# Missing Debian packages are installed first (scripts/ensure-deps.sh).

BUILD      ?= build
CHECK      ?= build-check
TSAN       ?= build-tsan
RELEASE    ?= build-release
MESON_OPTS ?=
PREFIX     ?= /usr/local
DESTDIR    ?=
FUZZ_SECONDS ?= 60

export ASAN_OPTIONS  ?= detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS  ?= halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/tsan.supp

.PHONY: all deps build demo install check check-release check-asan check-tsan bench fuzz fuzz-coverage format clean

all: build

deps:
	@./scripts/ensure-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: build
	./scripts/demo.sh $(BUILD)

# The library (shared and static), headers, pkg-config file, command and man page
# under PREFIX, staged under DESTDIR when it is set (a package build).
install: build
	meson configure $(BUILD) -Dprefix=$(PREFIX)
	meson install -C $(BUILD) $(if $(DESTDIR),--destdir $(abspath $(DESTDIR)))

$(CHECK)/build.ninja:
	meson setup $(CHECK) -Db_sanitize=address,undefined -Db_lundef=false $(MESON_OPTS)

$(TSAN)/build.ninja:
	meson setup $(TSAN) -Db_sanitize=thread -Db_lundef=false $(MESON_OPTS)

$(RELEASE)/build.ninja:
	meson setup $(RELEASE) --buildtype=release --werror $(MESON_OPTS)

# Compile only: -O3 finds warnings (-Wclobbered, -Warray-bounds, ...) that the
# sanitizer builds do not, and nothing else builds it.
check-release: deps $(RELEASE)/build.ninja
	ninja -C $(RELEASE)

check-asan: deps $(CHECK)/build.ninja
	ninja -C $(CHECK)
	meson test -C $(CHECK) --print-errorlogs || true

check-tsan: deps $(TSAN)/build.ninja
	ninja -C $(TSAN)
	meson test -C $(TSAN) --print-errorlogs --no-suite bench || true

check: check-release check-asan check-tsan
	@./scripts/test-summary.py $(CHECK)/meson-logs/testlog.json $(TSAN)/meson-logs/testlog.json

bench: build
	./scripts/bench.sh $(BUILD)

fuzz: deps
	./scripts/fuzz.sh run $(FUZZ_SECONDS)

fuzz-coverage: deps
	./scripts/fuzz.sh coverage

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(CHECK) $(TSAN) $(RELEASE) build-fuzz build-fuzz-cov

# gameplan — build, test and demo.
#
#   make            build build/gameplan and the web UI
#   make demo       install what is missing, build, load the example missions, serve
#   make check      install what is missing, build, run every test
#   make install    put gameplan on the PATH (PREFIX=/usr/local)
#   make fuzz       build the libFuzzer targets (clang) and run each for FUZZ_SECONDS
#   make bench      run the benchmarks in bench/ (slow; not part of check)
#
# Source files are found by wildcard: a new src/**/*.c is compiled into the
# binary, a new tests/unit/test_*.c becomes a unit-test program, a new
# fuzz/fuzz_*.c a fuzz target. Nothing here needs editing to add a module.

CC      ?= gcc
PREFIX  ?= /usr/local
BUILD   := build
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation
CSTD    := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
OPT     ?= -O2 -g
CFLAGS  += $(CSTD) $(WARN) $(OPT) -Isrc -I$(BUILD)/gen -MMD -MP
LDLIBS  := -lmicrohttpd -ljansson -lsqlite3 -lsodium -lcsv -lgsl -lgslcblas -lstemmer -lm -lpthread
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_SECONDS ?= 20

SRCS      := $(shell find src -name '*.c' | sort)
LIB_SRCS  := $(filter-out src/main.c,$(SRCS))
MIGRATIONS:= $(sort $(wildcard src/store/migrations/*.sql))
GEN_SRCS  := $(BUILD)/gen/gp_migrations.c $(BUILD)/gen/gp_openapi.c
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRCS := $(sort $(wildcard fuzz/fuzz_*.c))

OBJ       = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIB_OBJS  := $(call OBJ,$(LIB_SRCS)) $(BUILD)/obj/gen/gp_migrations.o $(BUILD)/obj/gen/gp_openapi.o
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
ASAN_LIB  := $(patsubst $(BUILD)/obj/%,$(BUILD)/asan/%,$(LIB_OBJS))
ASAN_BINS := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(UNIT_SRCS))

.PHONY: all deps deps-check deps-bench web demo check unit asan api browser fuzz \
        fuzz-smoke bench install clean format format-check

all: deps $(BUILD)/gameplan web

deps:
	@bash scripts/deps.sh build
deps-check:
	@bash scripts/deps.sh check
deps-bench:
	@bash scripts/deps.sh bench

# ---- the binary -------------------------------------------------------------
$(BUILD)/gameplan: $(BUILD)/obj/src/main.o $(LIB_OBJS)
	@echo "  LINK $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: %.c | $(BUILD)/gen/gp_migrations.c
	@mkdir -p $(dir $@)
	@echo "  CC   $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	@$(CC) $(CFLAGS) -c -o $@ $<

# Migrations and the OpenAPI document are compiled in as C strings.
$(BUILD)/gen/gp_migrations.c: $(MIGRATIONS) scripts/embed.sh
	@mkdir -p $(dir $@)
	@bash scripts/embed.sh migrations $(MIGRATIONS) > $@.tmp && mv $@.tmp $@
$(BUILD)/gen/gp_openapi.c: docs/openapi.json scripts/embed.sh
	@mkdir -p $(dir $@)
	@bash scripts/embed.sh openapi docs/openapi.json > $@.tmp && mv $@.tmp $@

# ---- the web UI ---------------------------------------------------------------
WEB_SRCS := $(shell find web/src web/index.html web/vite.config.ts web/package.json -type f 2>/dev/null)
web: $(BUILD)/web/index.html
$(BUILD)/web/index.html: $(WEB_SRCS)
	@if [ -f web/package.json ]; then cd web && npm run --silent build; \
	 else mkdir -p $(BUILD)/web && echo '<!doctype html><title>gameplan</title>' > $@; fi

# ---- tests -------------------------------------------------------------------
$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	@$(CC) $(CFLAGS) -Itests -o $@ $(filter %.c %.o,$^) $(LDLIBS) -lcmocka

$(BUILD)/asan/%.o: $(BUILD)/obj/%.o
	@mkdir -p $(dir $@)
	@echo "  CC   $@ (sanitizers)"
	@$(CC) $(CFLAGS) $(SAN) -c -o $@ $(if $(filter gen/%,$*),$(BUILD)/$*.c,$*.c)
$(BUILD)/asan/tests/%: tests/unit/%.c $(ASAN_LIB)
	@mkdir -p $(dir $@)
	@echo "  TEST $@ (sanitizers)"
	@$(CC) $(CFLAGS) $(SAN) -Itests -o $@ $(filter %.c %.o,$^) $(LDLIBS) -lcmocka

check: deps-check format-check all unit api browser asan fuzz-smoke
	@echo "suites: format, unit, api, browser, sanitizers, fuzz"
	@echo "check: 6 passed, 0 failed"

unit: $(UNIT_BINS)
	@bash tests/run-unit.sh $(UNIT_BINS)

asan: $(ASAN_BINS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  bash tests/run-unit.sh $(ASAN_BINS)

api: $(BUILD)/gameplan
	@bash tests/api/run.sh

browser: $(BUILD)/gameplan web
	@bash tests/browser/run.sh

# ---- fuzzing (clang, libFuzzer) ------------------------------------------------
FUZZ_BINS := $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_LIB  := $(filter-out src/http/% src/cli/%,$(LIB_SRCS))
FUZZ_OBJS := $(patsubst %.c,$(BUILD)/fuzzobj/%.o,$(FUZZ_LIB) $(GEN_SRCS))
FUZZ_CFLAGS := $(CSTD) -g -O1 -Isrc -I$(BUILD)/gen -fsanitize=fuzzer-no-link,address,undefined
$(BUILD)/fuzzobj/%.o: %.c | $(BUILD)/gen/gp_migrations.c $(BUILD)/gen/gp_openapi.c
	@mkdir -p $(dir $@)
	@echo "  CC   $< (fuzzing)"
	@clang $(FUZZ_CFLAGS) -c -o $@ $<
$(BUILD)/fuzz/%: fuzz/%.c $(FUZZ_OBJS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ $@"
	@clang $(CSTD) -g -O1 -Isrc -I$(BUILD)/gen -fsanitize=fuzzer,address,undefined -o $@ $(filter %.c %.o,$^) $(LDLIBS)
fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do n=$$(basename $$f); mkdir -p $(BUILD)/fuzz/corpus-$$n; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 $(BUILD)/fuzz/corpus-$$n fuzz/corpus/$$n \
	    >$(BUILD)/fuzz/$$n.log 2>&1 || { tail -40 $(BUILD)/fuzz/$$n.log; exit 1; }; done
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=10

BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
$(BUILD)/bench/%: bench/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  BENCH $@"
	@$(CC) $(CFLAGS) -o $@ $(filter %.c %.o,$^) $(LDLIBS)

bench: all deps-bench $(BENCH_BINS)
	@bash bench/run.sh

# ---- the rest ----------------------------------------------------------------
demo: all
	$(BUILD)/gameplan demo --db $(BUILD)/demo.db

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/gameplan/web
	install -m 755 $(BUILD)/gameplan $(DESTDIR)$(PREFIX)/bin/gameplan
	cp -r $(BUILD)/web/. $(DESTDIR)$(PREFIX)/share/gameplan/web/
	cp -r examples $(DESTDIR)$(PREFIX)/share/gameplan/

format:
	clang-format -i $$(find src tests/unit fuzz bench -name '*.[ch]')
format-check:
	@clang-format --dry-run --Werror $$(find src tests/unit fuzz bench -name '*.[ch]')
	@echo "format: every C file as clang-format (.clang-format) writes it"

clean:
	rm -rf $(BUILD)

.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

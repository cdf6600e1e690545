# Makefile -- builds taawund, its unit tests, fuzz targets and benchmarks.
#
#   make run        install missing deps (root) or print them, build, start taawund
#   make test       deps, build, unit + integration + browser tests; ends with "N passed, N failed, N skipped"
#   make e2e        the web console's tests in headless Chromium (tests/e2e)
#   make bench      throughput/latency against a bare libmicrohttpd floor (wrk, 127.0.0.1)
#   make bench SIZE=national   the same and staff reads on 1 M members, 10 M messages
#   make check      clang-format --dry-run, cppcheck, mandoc -T lint on the man pages, and
#                   the layers of src/ (src/LAYERS: no include up a layer, no include cycle)
#   make check-size files <= 800 lines, functions <= 80 (also part of make check)
#   make install    DESTDIR=, PREFIX= (/usr/local); creates the taawun user unless DESTDIR
#   make deb        a Debian package (contrib/debian/) in $(BUILD)/deb/
#   make man        the manual pages in $(BUILD)/man/
#   make fuzz       build libFuzzer targets (clang) and run each briefly
#   make SANITIZE=address,undefined unit   unit tests under sanitizers
#   make WERROR=1   treat warnings as errors (CI)

CC      ?= cc
PREFIX  ?= /usr/local
PYTHON  ?= /usr/bin/python3
PKGS     = libmicrohttpd libcurl sqlite3 libconfig jansson libcrypto libutf8proc xlsxwriter libpq

# ThreadSanitizer cannot share objects with ASan: its own build directory.
ifneq ($(findstring thread,$(SANITIZE)),)
BUILD   ?= build-tsan
SANFLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
else ifneq ($(SANITIZE),)
BUILD   ?= build-san
SANFLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD   ?= build
SANFLAGS =
endif

WARN     = -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wformat=2 \
           -Wvla -Wpointer-arith -Wno-unused-parameter
ifneq ($(WERROR),)
WARN    += -Werror
endif

# Recursively expanded on purpose: pkg-config runs only when a recipe needs it,
# after contrib/deps.sh has had the chance to install what is missing.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -lcsv -lpthread -lm
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(SANFLAGS) \
             $(CPPFLAGS) $(CFLAGS) -Isrc -I$(BUILD)/gen $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

VERSION := $(shell cat src/VERSION 2>/dev/null || echo 0.0.0)

LIB_SRC  = $(sort $(wildcard src/core/*.c src/sys/*.c src/store/*.c src/channels/*.c \
                             src/app/*.c src/config/*.c src/runtime/*.c \
                             src/http/*.c src/hooks/*.c src/api/*.c src/console/*.c src/cmd/*.c \
                             src/sender/*.c))
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/web_assets.o $(BUILD)/gen/openapi_doc.o
# The web console (src/web/) is embedded at build time: no Node.js needed.
WEB_SRC  = $(sort $(wildcard src/web/*.html src/web/*.css src/web/*.js src/web/*.svg \
                             src/web/i18n/*.json))
LIB      = $(BUILD)/libtaawun.a
DAEMON   = $(BUILD)/taawund
# taawunctl: the admin API's command-line client (libcurl + jansson only).
CTL_SRC  = $(sort $(wildcard src/ctl/*.c))
CTL_OBJ  = $(CTL_SRC:%.c=$(BUILD)/%.o)
CTL      = $(BUILD)/taawunctl
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY = $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/tests/replay_%)
BENCH_FLOOR = $(BUILD)/tests/bench_floor
BENCH_FOLD  = $(BUILD)/tests/bench_fold
BENCH_SLOW_FSYNC = $(BUILD)/tests/slow_fsync.so
# An LD_PRELOAD shim for tests/integration/test_inbound_crash.py: fsyncs held.
TEST_FSYNC_HOLD = $(BUILD)/tests/fsync_hold.so
SIZE ?= demo
# taawund-test: the daemon with test hooks compiled in (-DTAAWUN_TEST_HOOKS:
# the scheduler's clock read from TAAWUN_TEST_NOW_FILE, the expander's chunk
# span and pause from TAAWUN_TEST_EXPAND_*). Only the tests that need them
# run it; it is never installed.
TEST_HOOK_SRC = src/app/scheduler.c src/app/expander.c
TEST_HOOK_OBJ = $(TEST_HOOK_SRC:%.c=$(BUILD)/test-hooks/%.o)
TEST_DAEMON   = $(BUILD)/taawund-test
# Manual pages (contrib/man/*.in); the settings of taawun.conf(5) are written
# from the config schema by schema2man, so the page cannot drift from the parser.
MAN_GEN  = $(BUILD)/schema2man
MAN_PAGES = $(BUILD)/man/taawund.8 $(BUILD)/man/taawunctl.1 $(BUILD)/man/taawun.conf.5

.PHONY: all run test unit integration e2e bench check check-layers check-size fuzz install deb \
        man clean deps build-tests

all: $(DAEMON) $(CTL)

deps:
	@contrib/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p var
	exec $(DAEMON) -d -c conf/taawun.conf

test: deps
	@$(MAKE) --no-print-directory build-tests
	@contrib/run-tests.sh $(BUILD)

build-tests: $(DAEMON) $(TEST_DAEMON) $(CTL) $(UNIT_BIN) $(FUZZ_REPLAY) $(BENCH_FLOOR) $(BENCH_FOLD) \
             $(TEST_FSYNC_HOLD)

unit: $(UNIT_BIN) $(FUZZ_REPLAY)
	@contrib/run-tests.sh $(BUILD) unit

integration: $(DAEMON) $(TEST_DAEMON) $(CTL) $(TEST_FSYNC_HOLD)
	@contrib/run-tests.sh $(BUILD) integration

e2e: $(DAEMON)
	@contrib/run-tests.sh $(BUILD) e2e

bench: deps
	@$(MAKE) --no-print-directory $(DAEMON) $(BENCH_FLOOR) $(BENCH_FOLD) $(BENCH_SLOW_FSYNC)
	@$(PYTHON) tests/bench/bench.py --daemon $(DAEMON) --floor $(BENCH_FLOOR) --fold $(BENCH_FOLD) --size $(SIZE)

fuzz:
	@contrib/fuzz.sh $(FUZZ_SRC)

check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	    --inline-suppr -Isrc --suppress=missingIncludeSystem src tests/unit
	@$(MAKE) --no-print-directory man
	mandoc -T lint -W warning $(MAN_PAGES)
	contrib/check-layers.sh src
	contrib/check-size.sh

check-layers:
	contrib/check-layers.sh src

check-size:
	contrib/check-size.sh

# The taawun user and group are created unless DESTDIR is set (a package
# creates them in its postinst); see contrib/install.sh for modes and owners.
install: $(DAEMON) $(CTL) $(MAN_PAGES)
	DESTDIR='$(DESTDIR)' PREFIX='$(PREFIX)' contrib/install.sh $(BUILD)

deb:
	contrib/debian/make-deb.sh $(BUILD)/deb

man: $(MAN_PAGES)

clean:
	rm -rf build build-san build-tsan

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DTAAWUN_VERSION='"$(VERSION)"' -c $< -o $@

$(BUILD)/gen/web_assets.c: $(WEB_SRC) contrib/embed-web.sh
	@mkdir -p $(dir $@)
	contrib/embed-web.sh src/web $@ $(WEB_SRC)

$(BUILD)/gen/web_assets.o: $(BUILD)/gen/web_assets.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The admin API's OpenAPI document, served at GET /api/v1/openapi.json.
$(BUILD)/gen/openapi_doc.c: src/api/openapi.json src/api/openapi_doc.h contrib/embed-file.sh
	@mkdir -p $(dir $@)
	contrib/embed-file.sh api_openapi_doc api/openapi_doc.h src/api/openapi.json $@

$(BUILD)/gen/openapi_doc.o: $(BUILD)/gen/openapi_doc.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(DAEMON): $(BUILD)/src/main.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The test-hook objects come before the library, so the linker takes them
# and never pulls the library's production copies of the same modules.
$(BUILD)/test-hooks/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DTAAWUN_TEST_HOOKS -c $< -o $@

$(TEST_DAEMON): $(BUILD)/src/main.o $(TEST_HOOK_OBJ) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(CTL): $(CTL_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(shell pkg-config --libs libcurl jansson)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) $(shell pkg-config --libs cmocka)

# Fuzz targets built with the compiler at hand and a main() that replays the
# saved corpus (tests/fuzz/corpus/NAME/), so make test exercises every input.
$(BUILD)/tests/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< tests/fuzz/replay.c $(LIB) $(PKG_LIBS)

$(MAN_GEN): contrib/man/schema2man.c $(LIB)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

$(BUILD)/man/taawun.conf.5: contrib/man/taawun.conf.5.in $(MAN_GEN) src/VERSION
	@mkdir -p $(dir $@)
	$(MAN_GEN) $< $(VERSION) > $@.tmp && mv $@.tmp $@

$(BUILD)/man/%: contrib/man/%.in src/VERSION
	@mkdir -p $(dir $@)
	sed 's/@VERSION@/$(VERSION)/g' $< > $@

$(BENCH_FLOOR): tests/bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(PKG_LIBS)

# An LD_PRELOAD shim for the bench only (section sms_in): slow fsyncs.
$(BENCH_SLOW_FSYNC): tests/bench/slow_fsync.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -shared -o $@ $< -ldl

# Preloaded into a sanitized taawund too: built without sanitizers.
$(TEST_FSYNC_HOLD): tests/integration/fsync_hold.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) -O2 -fPIC -shared -o $@ $< -ldl

$(BENCH_FOLD): tests/bench/fold.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

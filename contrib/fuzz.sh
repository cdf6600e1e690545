#!/usr/bin/env bash
# fuzz.sh -- build each libFuzzer target with clang (address + undefined
# sanitizers) against the pure core and run it for a bounded time on a copy
# of its saved corpus; new inputs and crashes land in tests/fuzz/out/NAME/.
# Usage: contrib/fuzz.sh [tests/fuzz/fuzz_NAME.c ...]   (default: all targets)
# Environment: FUZZ_SECONDS (default 60) per target, CLANG (default clang).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2

seconds=${FUZZ_SECONDS:-60}
clang=${CLANG:-clang}
out=tests/fuzz/out
apt_line='apt-get install -y clang libclang-rt-14-dev'
# shellcheck disable=SC2054 # the commas belong to -fsanitize=
cflags=(-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
        -fno-omit-frame-pointer -Isrc)

case $seconds in
  '' | *[!0-9]*) echo "fuzz.sh: FUZZ_SECONDS must be a whole number, got '$seconds'" >&2; exit 2 ;;
esac

if [ "$#" -eq 0 ]; then
  set -- tests/fuzz/fuzz_*.c
fi

# clang and its libFuzzer runtime: try to link an empty target.
mkdir -p "$out/bin"
probe="$out/bin/probe.c"
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
  'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
  'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
  > "$probe"
if ! command -v "$clang" > /dev/null 2>&1 ||
   ! "$clang" -fsanitize=fuzzer,address,undefined "$probe" -o "$out/bin/probe" > /dev/null 2>&1; then
  echo "fuzz.sh: clang with libFuzzer is missing; install it with:" >&2
  echo "  $apt_line" >&2
  rm -f "$probe" "$out/bin/probe"
  exit 1
fi
rm -f "$probe" "$out/bin/probe"

# Targets link the pure modules they exercise: core always; the channel
# adapters (pure too, with jansson and libcrypto) for fuzz_inbound; the json
# log reader (jansson) for fuzz_log_json.
core_src=(src/core/*.c)
channel_src=(src/channels/*.c src/sys/secret.c)
failed=()
for target in "$@"; do
  if [ ! -f "$target" ]; then
    echo "fuzz.sh: no such target: $target" >&2
    failed+=("$target")
    continue
  fi
  base=$(basename "$target" .c)
  name=${base#fuzz_}
  bin="$out/bin/$base"
  work="$out/$name"
  echo "== $name: building $bin"
  srcs=("${core_src[@]}")
  libs=(-lutf8proc) # core/fold
  if grep -q '#include "channels/' "$target"; then
    srcs+=("${channel_src[@]}")
    libs+=(-ljansson -lcrypto)
  fi
  if grep -q '#include "sys/log_json.h"' "$target"; then
    srcs+=(src/sys/log_json.c)
    libs+=(-ljansson)
  fi
  if ! "$clang" "${cflags[@]}" -o "$bin" "$target" "${srcs[@]}" "${libs[@]}"; then
    echo "FAIL $name: build" >&2
    failed+=("$name")
    continue
  fi

  # Work on a copy: the saved corpus changes only when someone copies a
  # finding back on purpose.
  mkdir -p "$work/corpus" "$work/artifacts"
  if [ -d "tests/fuzz/corpus/$name" ]; then
    cp -pR "tests/fuzz/corpus/$name"/. "$work/corpus/"
  else
    echo "fuzz.sh: warning: no saved corpus tests/fuzz/corpus/$name" >&2
  fi

  echo "== $name: fuzzing for ${seconds}s (corpus $work/corpus, findings $work/artifacts/)"
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
         -artifact_prefix="$work/artifacts/" "$work/corpus" > "$work/fuzz.log" 2>&1
  rc=$?
  if [ "$rc" -ne 0 ]; then
    tail -n 40 "$work/fuzz.log" >&2
    echo "FAIL $name: libFuzzer exit $rc; reproducer(s) in $work/artifacts/, log $work/fuzz.log" >&2
    failed+=("$name")
  else
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -n1)
    echo "ok   $name (${runs:-?} runs; log $work/fuzz.log)"
  fi
done

if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzz.sh: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: all $# target(s) ran ${seconds}s without a crash"

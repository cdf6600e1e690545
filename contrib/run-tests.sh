#!/usr/bin/env bash
# run-tests.sh -- run unit tests (cmocka), fuzz corpus replays and integration
# tests (pytest) and the web console's browser tests (tests/e2e, Chromium),
# then print one closing line "N passed, N failed".
# Usage: contrib/run-tests.sh BUILD_DIR [unit|integration|e2e|all]
set -u
build=${1:?build dir}
what=${2:-all}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
passed=0
failed=0
python=${PYTHON:-/usr/bin/python3}

if [ "$what" = all ] || [ "$what" = unit ]; then
  for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    out=$("$t" 2>&1); rc=$?
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
    p=${p:-0}; f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ]; then printf '%s\n' "$out"; echo "FAIL $(basename "$t")"; else echo "ok   $(basename "$t") ($p)"; fi
  done
  for r in "$build"/tests/replay_*; do
    [ -x "$r" ] || continue
    name=${r##*/replay_}
    if out=$("$r" "tests/fuzz/corpus/$name" 2>&1); then
      passed=$((passed + 1)); echo "ok   fuzz replay $name ($out)"
    else
      failed=$((failed + 1)); printf '%s\n' "$out"; echo "FAIL fuzz replay $name"
    fi
  done
fi

if [ "$what" = all ] || [ "$what" = integration ]; then
  log=$(mktemp)
  TAAWUND="$top/$build/taawund" "$python" -m pytest -q -p no:cacheprovider tests/integration 2>&1 | tee "$log"
  line=$(grep -E '^(=+ )?[0-9]+ (passed|failed)|(passed|failed).* in [0-9.]+s' "$log" | tail -n1)
  p=$(printf '%s' "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+'); p=${p:-0}
  f=$(printf '%s' "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+'); f=${f:-0}
  e=$(printf '%s' "$line" | grep -oE '[0-9]+ error' | grep -oE '[0-9]+'); e=${e:-0}
  if [ -z "$line" ]; then f=$((f + 1)); fi
  passed=$((passed + p)); failed=$((failed + f + e))
  rm -f "$log"
fi

# Browser tests of the web console (tests/e2e): node modules from the
# committed package-lock.json; skipped only when node or Chromium is absent.
if [ "$what" = all ] || [ "$what" = e2e ]; then
  chromium=${CHROMIUM:-/usr/bin/chromium}
  if ! command -v node >/dev/null 2>&1 || [ ! -x "$chromium" ]; then
    echo "skip e2e: node or $chromium is missing (contrib/deps.sh installs them)"
  else
    if [ ! -f tests/e2e/node_modules/playwright-core/package.json ]; then
      (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error) || echo "FAIL e2e: npm ci"
    fi
    if [ -f tests/e2e/node_modules/playwright-core/package.json ]; then
      log=$(mktemp)
      E2E_OUT="$top/$build/e2e-out" CHROMIUM="$chromium" \
        node tests/e2e/console.test.mjs "$top/$build/taawund" 2>&1 | tee "$log"
      line=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
      p=$(printf '%s' "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+'); p=${p:-0}
      f=$(printf '%s' "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+'); f=${f:-0}
      if [ -z "$line" ]; then f=$((f + 1)); fi
      passed=$((passed + p)); failed=$((failed + f))
      rm -f "$log"
    else
      failed=$((failed + 1))
    fi
  fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

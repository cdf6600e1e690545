#!/usr/bin/env bash
# run-tests.sh -- run unit tests (cmocka), fuzz corpus replays, integration
# tests (pytest), the web console's browser tests (tests/e2e, Chromium) and
# the validation of the API's OpenAPI document (tests/openapi, Node.js), then
# print one closing line, alone and last: "N passed, N failed, N skipped".
# Every skip is counted: cmocka's, pytest's, the browser tests' and a whole
# suite skipped for a missing program. With CI=true a skip caused by a
# component that .ci/run installs (through contrib/deps.sh: Kannel,
# LibreOffice, Node.js, Chromium, promtool and PostgreSQL) counts as a
# failure, and says why.
# The parts that run unit or integration tests get one throw-away
# PostgreSQL cluster for the run (contrib/pg-test-cluster.sh, in a private
# folder, on a Unix socket only), its libpq conninfo in TAAWUN_TEST_PG; it
# is stopped and removed when the script ends, Ctrl-C included. A
# TAAWUN_TEST_PG already set is used as it is, and no cluster is started.
#
# Usage: contrib/run-tests.sh BUILD_DIR [PART ...]
#   PART: unit | integration | e2e | openapi | concurrency | integration-pg
#         | all (= unit integration integration-pg e2e openapi)
#   integration-pg: the integration tests again with every daemon on
#   PostgreSQL (TAAWUN_TEST_ENGINE=postgresql: a new database of the run's
#   cluster per test), but those marked sqlite_only (SQLite's own file, WAL,
#   backup API), which the integration part runs; how many is printed.
#   The statements the server refused are in BUILD_DIR/pg-server.log,
#   the cluster's log of that part (its lines name the client: taawund, or
#   taawun-tests for the tests' own SQL).
#   concurrency: the tests that drive the daemon's threads hard (the race for
#   the last seats, concurrent inbound SMS sharing group commits, the sender,
#   SIGTERM under traffic) and the unit tests of the outbox; .ci/run runs
#   them against the ThreadSanitizer build.
set -u
build=${1:?build dir}
shift
[ "$#" -gt 0 ] || set -- all
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
passed=0
failed=0
skipped=0
deselected=0 # of the last run_pytest: the tests its conftest left out
python=${PYTHON:-/usr/bin/python3}

# Skip reasons that name a component .ci/run installs.
# A cmocka test that skips prints its reason first, on a line of its own
# starting with the component: "PostgreSQL: TAAWUN_TEST_PG not set".
ci_components='Kannel|LibreOffice|Chromium|Node\.js|promtool|PostgreSQL'
concurrency_pytest=(
  "tests/integration/test_ussd_services.py::test_race_for_the_last_seats"
  "tests/integration/test_inbound.py"
  "tests/integration/test_outbox.py"
  "tests/integration/test_lifecycle.py::test_sigterm_during_traffic"
)
concurrency_unit=(test_outbox)

# count_skip N WHY COMPONENT: N tests skipped for WHY; COMPONENT=yes when
# the cause is a component CI installs (a failure under CI=true).
count_skip() {
  if [ "$3" = yes ] && [ "${CI:-}" = true ]; then
    failed=$((failed + $1))
    echo "FAIL (CI) $1 skipped: $2 -- .ci/run installs this (contrib/deps.sh), so in CI a skip is a failure"
  else
    skipped=$((skipped + $1))
    echo "skip $1: $2"
  fi
}

# number_of WORD LINE: the N of "N WORD" in LINE, else 0.
number_of() {
  local n
  n=$(printf '%s' "$2" | grep -oE "[0-9]+ $1" | head -n1 | grep -oE '^[0-9]+')
  echo "${n:-0}"
}

run_unit_binary() {
  local t=$1 out rc p f s ci_n
  out=$("$t" 2>&1); rc=$?
  p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
  f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
  s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | head -n1)
  p=${p:-0}; f=${f:-0}; s=${s:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$f" -ne 0 ]; then
    printf '%s\n' "$out"; echo "FAIL $(basename "$t")"
  else
    echo "ok   $(basename "$t") ($p)"
  fi
  if [ "$s" -ne 0 ]; then
    # The skips whose printed reason names a component CI installs, then
    # the others, by test name.
    ci_n=$(printf '%s\n' "$out" | grep -cE "^($ci_components): ")
    [ "$ci_n" -le "$s" ] || ci_n=$s
    if [ "$ci_n" -ne 0 ]; then
      count_skip "$ci_n" "$(basename "$t"): $(printf '%s\n' "$out" |
        grep -E "^($ci_components): " | sort -u | paste -sd';')" yes
    fi
    if [ "$s" -gt "$ci_n" ]; then
      count_skip $((s - ci_n)) "$(basename "$t"): $(printf '%s\n' "$out" |
        sed -n 's/^\[  SKIPPED \] \([a-z_].*\)/\1/p' | sort -u | paste -sd' ')" no
    fi
  fi
}

run_unit() {
  local t r name out
  for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    run_unit_binary "$t"
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
}

# run_pytest ARGS...: pytest against $build/taawund (and taawund-test for the
# tests that move the clock); counts its closing line and its skips (-rs),
# and names each failed test (-rfE: "FAILED file::test - reason").
run_pytest() {
  local log line p f e s n why counted=0
  log=$(mktemp)
  TAAWUND="$top/$build/taawund" TAAWUND_TEST="$top/$build/taawund-test" \
    "$python" -m pytest -q -rfEs -p no:cacheprovider "$@" 2>&1 | tee "$log"
  line=$(grep -E '^(=+ )?[0-9]+ (passed|failed|skipped|error)|(passed|failed|skipped|error).* in [0-9.]+s' "$log" | tail -n1)
  p=$(number_of passed "$line"); f=$(number_of failed "$line")
  e=$(number_of error "$line"); s=$(number_of skipped "$line")
  deselected=$(number_of deselected "$line")
  if [ -z "$line" ]; then
    f=$((f + 1)); echo "FAIL pytest: no closing line"
  fi
  passed=$((passed + p)); failed=$((failed + f + e))
  # "SKIPPED [N] file:line: reason", one per distinct reason.
  while IFS= read -r skip_line; do
    n=$(printf '%s' "$skip_line" | sed -n 's/^SKIPPED \[\([0-9]*\)\].*/\1/p')
    why=$(printf '%s' "$skip_line" | sed 's/^SKIPPED \[[0-9]*\] //')
    [ -n "$n" ] || continue
    if printf '%s' "$why" | grep -qE "$ci_components"; then
      count_skip "$n" "$why" yes
    else
      count_skip "$n" "$why" no
    fi
    counted=$((counted + n))
  done < <(grep -E '^SKIPPED \[[0-9]+\]' "$log")
  if [ "$s" -gt "$counted" ]; then
    count_skip $((s - counted)) "pytest (reasons not listed)" no
  fi
  rm -f "$log"
}

# Browser tests of the web console (tests/e2e): node modules from the
# committed package-lock.json; skipped only when node or Chromium is absent.
run_e2e() {
  local chromium log line p f s file
  chromium=${CHROMIUM:-/usr/bin/chromium}
  if ! command -v node >/dev/null 2>&1 || [ ! -x "$chromium" ]; then
    count_skip 1 "e2e: node or Chromium ($chromium) missing (contrib/deps.sh installs them)" yes
    return
  fi
  if [ ! -f tests/e2e/node_modules/playwright-core/package.json ]; then
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error) || echo "FAIL e2e: npm ci"
  fi
  if [ ! -f tests/e2e/node_modules/playwright-core/package.json ]; then
    failed=$((failed + 1))
    return
  fi
  # One daemon and one browser per file; screenshots of all in one folder.
  for file in tests/e2e/*.test.mjs; do
    log=$(mktemp)
    E2E_OUT="$top/$build/e2e-out" CHROMIUM="$chromium" \
      node "$file" "$top/$build/taawund" 2>&1 | tee "$log"
    line=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
    p=$(number_of passed "$line"); f=$(number_of failed "$line"); s=$(number_of skipped "$line")
    if [ -z "$line" ]; then
      f=$((f + 1)); echo "FAIL e2e $file: no closing line"
    fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$s" -ne 0 ]; then
      count_skip "$s" "e2e: $(sed -n 's/^skip    //p' "$log" | paste -sd';')" no
    fi
    rm -f "$log"
  done
}

# The admin API's OpenAPI document (src/api/openapi.json) checked by a
# maintained validator from npm (tests/openapi, committed package-lock.json);
# skipped only when node is absent. That it lists exactly the router's routes
# is tests/integration/test_openapi.py.
run_openapi() {
  local log line p f
  if ! command -v node >/dev/null 2>&1; then
    count_skip 1 "openapi: Node.js missing (contrib/deps.sh installs it)" yes
    return
  fi
  if [ ! -f tests/openapi/node_modules/@seriousme/openapi-schema-validator/package.json ]; then
    (cd tests/openapi && npm ci --no-audit --no-fund --loglevel=error) || echo "FAIL openapi: npm ci"
  fi
  if [ ! -f tests/openapi/node_modules/@seriousme/openapi-schema-validator/package.json ]; then
    failed=$((failed + 1))
    return
  fi
  log=$(mktemp)
  node tests/openapi/validate.mjs src/api/openapi.json 2>&1 | tee "$log"
  line=$(grep -E '^openapi: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
  p=$(number_of passed "$line"); f=$(number_of failed "$line")
  if [ -z "$line" ]; then
    f=$((f + 1)); echo "FAIL openapi: no closing line"
  fi
  passed=$((passed + p)); failed=$((failed + f))
  rm -f "$log"
}

run_concurrency() {
  local u
  for u in "${concurrency_unit[@]}"; do
    if [ -x "$build/tests/$u" ]; then
      run_unit_binary "$build/tests/$u"
    else
      failed=$((failed + 1)); echo "FAIL $build/tests/$u is not built"
    fi
  done
  run_pytest "${concurrency_pytest[@]}"
}

# The integration tests on PostgreSQL. On the run's own cluster, its log
# lines name the client and the database (log_line_prefix, set for the part),
# and the part's share of the log is kept as $build/pg-server.log.
run_integration_pg() {
  local log="" from=0 errors
  if [ -z "${TAAWUN_TEST_PG:-}" ]; then
    count_skip 1 "integration-pg: PostgreSQL: TAAWUN_TEST_PG not set (no cluster)" yes
    return
  fi
  if [ -n "$pg_dir" ]; then
    log="$pg_dir/server.log"
    if ! psql -X -q -v ON_ERROR_STOP=1 -d "$TAAWUN_TEST_PG" \
      -c "ALTER SYSTEM SET log_line_prefix = '%m [%p] %a %d '" \
      -c "SELECT pg_reload_conf()" >/dev/null; then
      failed=$((failed + 1)); echo "FAIL integration-pg: the cluster's log_line_prefix not set"
    fi
    from=$(($(stat -c %s "$log") + 1))
  fi
  TAAWUN_TEST_ENGINE=postgresql run_pytest tests/integration
  # Not skipped: the integration part runs them, on SQLite (conftest.py).
  echo "integration-pg: $deselected tests deselected as SQLite's own (marked sqlite_only: its file," \
    "WAL, fsync, backup API); the integration part runs them on SQLite"
  if [ -n "$log" ]; then
    tail -c +"$from" "$log" >"$build/pg-server.log"
    errors=$(grep -c ' ERROR: ' "$build/pg-server.log")
    echo "integration-pg: the server's log of the part: $build/pg-server.log ($errors ERROR lines)"
  fi
}

# The run's PostgreSQL cluster: started by start_pg_cluster, stopped by
# stop_pg_cluster before the closing line, or on any other exit.
pg_dir=""

stop_pg_cluster() {
  [ -n "$pg_dir" ] || return 0
  if contrib/pg-test-cluster.sh stop "$pg_dir"; then
    echo "PostgreSQL test cluster: stopped, $pg_dir removed"
  else
    failed=$((failed + 1))
    echo "FAIL PostgreSQL test cluster: did not stop ($pg_dir)"
  fi
  pg_dir=""
}

# Exports TAAWUN_TEST_PG; without PostgreSQL, says why and leaves it unset
# (the tests that need it skip, a failure under CI=true); a cluster that
# does not start is a failure.
start_pg_cluster() {
  local why conninfo t0 ms
  if [ -n "${TAAWUN_TEST_PG:-}" ]; then
    echo "PostgreSQL: TAAWUN_TEST_PG from the environment: $TAAWUN_TEST_PG"
    return
  fi
  if ! why=$(contrib/pg-test-cluster.sh bindir 2>&1 >/dev/null); then
    echo "PostgreSQL: not installed, TAAWUN_TEST_PG left unset (${why#pg-test-cluster: })"
    return
  fi
  pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/taawun-pg.XXXXXX") || exit 2
  t0=$(date +%s%N)
  if conninfo=$(contrib/pg-test-cluster.sh start "$pg_dir"); then
    ms=$((($(date +%s%N) - t0) / 1000000))
    export TAAWUN_TEST_PG=$conninfo
    echo "PostgreSQL test cluster: started in $ms ms: $conninfo"
  else
    failed=$((failed + 1))
    echo "FAIL PostgreSQL test cluster: did not start in $pg_dir (above)"
    stop_pg_cluster
  fi
}

trap stop_pg_cluster EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
for part in "$@"; do
  case $part in
    all | unit | integration | concurrency | integration-pg) start_pg_cluster; break ;;
  esac
done

for part in "$@"; do
  case $part in
    all) run_unit; run_pytest tests/integration; run_integration_pg; run_e2e; run_openapi ;;
    unit) run_unit ;;
    integration) run_pytest tests/integration ;;
    e2e) run_e2e ;;
    openapi) run_openapi ;;
    concurrency) run_concurrency ;;
    integration-pg) run_integration_pg ;;
    *) echo "run-tests.sh: unknown part '$part'" >&2; exit 2 ;;
  esac
done

stop_pg_cluster
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

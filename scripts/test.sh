#!/usr/bin/env bash
# The project's whole test run: install, type-check, lint, start the real test servers
# (Kafka KRaft from Maven Central, PostgreSQL 15 and MariaDB from Debian), run every test with
# node --test, stop the servers. Needs only Node >= 20 + npm, Java 17 + Maven, and apt for
# PostgreSQL and MariaDB.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
node=$(scripts/node24.sh)
export SLUICE_NODE="$node"
echo "== node $("$node" --version) at $node"

# Dependencies: a clean install when the lock file changed since the last one (always in CI).
stamp=node_modules/.sluice-installed
if [ -n "${CI:-}" ] || ! [ -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "== npm install"
  # npm ci: exactly the lock, never rewritten (it fails when package.json and the lock disagree).
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

echo "== type-check (tsc)"
"$node" node_modules/typescript/bin/tsc -p tsconfig.json
echo "== lint (biome)"
"$node" node_modules/@biomejs/biome/bin/biome ci --reporter=summary .

echo "== test servers"
mkdir -p .cache
env_file=.cache/test-servers.env
stop_servers() { scripts/run-node.sh packages/testing/bin/test-servers.ts stop || true; }
trap stop_servers EXIT
scripts/run-node.sh packages/testing/bin/test-servers.ts start > "$env_file"
cat "$env_file"
set -a; . "$env_file"; set +a

# The files are those of packages/testing/src/test-tiers.ts (packages/*/test/**/*.test.ts,
# packages/connectors/*/test/**, test/**, benchmarks/*/test/**, examples/*/test/**), in its two
# tiers: the unit files in one Node process (--test-isolation=none: no start-up of a process per
# file, a minute and more of a run on 2 cores), then the integration files, a process each.
# SLUICE_TEST_CONCURRENCY: how many integration files run at once (node's default here: cores - 1).
mapfile -t unit_files < <(scripts/run-node.sh packages/testing/bin/test-tiers.ts list unit)
mapfile -t integration_files < <(scripts/run-node.sh packages/testing/bin/test-tiers.ts list integration)
concurrency=()
if [ -n "${SLUICE_TEST_CONCURRENCY:-}" ]; then concurrency=(--test-concurrency="$SLUICE_TEST_CONCURRENCY"); fi
status=0
echo "== unit tests (${#unit_files[@]} files, one process)"
scripts/run-node.sh --test --test-isolation=none --test-reporter=spec --test-timeout=600000 \
  "${unit_files[@]}" || status=$?
echo "== integration tests (${#integration_files[@]} files)"
scripts/run-node.sh --test "${concurrency[@]}" --test-reporter=spec --test-timeout=600000 \
  "${integration_files[@]}" || status=$?
if [ "$status" -ne 0 ]; then exit "$status"; fi

echo "== build (tsc -b: the JavaScript and .d.ts that get published)"
"$node" node_modules/typescript/bin/tsc -b packages/cli packages/testing packages/connectors/file
rm -rf packages/*/dist packages/connectors/*/dist

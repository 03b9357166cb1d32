#!/usr/bin/env bash
# The main job (README): a file → topic → file pipeline on a standalone worker with the embedded
# log, exactly as Kafka's quick start runs connect-standalone.sh with the FileStream connectors.
# Lines appended to sluice-demo/input.txt appear in sluice-demo/output.txt; the REST API is on
# http://127.0.0.1:8083. Ctrl-C stops the worker gracefully.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
SLUICE_NODE=$(scripts/node24.sh)
export SLUICE_NODE
stamp=node_modules/.sluice-installed
if ! [ -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  # npm install, not npm ci: this registry mirror does not serve other platforms' optional
  # packages (e.g. @biomejs/cli-android-*), so npm ci finds the lock "out of sync"; install still follows it.
  npm install --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
mkdir -p sluice-demo
if ! [ -s sluice-demo/input.txt ]; then
  { echo 'hello from sluice'; printf 'line %s\n' 2 3 4 5; } > sluice-demo/input.txt
fi
echo "Pipeline: sluice-demo/input.txt -> topic connect-test (embedded log in sluice-data/) -> sluice-demo/output.txt"
echo "Try: curl -s 'http://127.0.0.1:8083/connectors?expand=status'   and   tail -f sluice-demo/output.txt"
exec node packages/cli/bin/sluice.mjs standalone config/connect-standalone.properties \
  config/connect-file-source.properties config/connect-file-sink.properties

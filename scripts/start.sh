#!/usr/bin/env bash
# The main job (README): a file → topic → file pipeline on a standalone worker with the embedded
# log, exactly as Kafka's quick start runs connect-standalone.sh with the FileStream connectors.
# Lines appended to sluice-demo/input.txt appear in sluice-demo/output.txt; the REST API is on
# http://127.0.0.1:8083 (SLUICE_PORT=8084 npm start picks another port). Ctrl-C stops the worker
# gracefully and exits 0.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
SLUICE_NODE=$(scripts/node24.sh)
export SLUICE_NODE
stamp=node_modules/.sluice-installed
if ! [ -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  # npm ci: installs exactly the lock and never rewrites it, so a fresh clone stays clean.
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
mkdir -p sluice-demo
if ! [ -s sluice-demo/input.txt ]; then
  { echo 'hello from sluice'; printf 'line %s\n' 2 3 4 5; } > sluice-demo/input.txt
fi
echo "Pipeline: sluice-demo/input.txt -> topic connect-test (embedded log in sluice-data/) -> sluice-demo/output.txt"
echo "Try: curl -s 'http://127.0.0.1:${SLUICE_PORT:-8083}/connectors?expand=status'   and   tail -f sluice-demo/output.txt"
worker=config/connect-standalone.properties
if [ -n "${SLUICE_PORT:-}" ]; then
  # The same worker on another port: a copy under the ignored sluice-demo/.
  sed "s#^listeners=.*#listeners=http://127.0.0.1:${SLUICE_PORT}#" "$worker" > sluice-demo/connect-standalone.properties
  worker=sluice-demo/connect-standalone.properties
fi
exec node packages/cli/bin/sluice.mjs standalone "$worker" \
  config/connect-file-source.properties config/connect-file-sink.properties

#!/usr/bin/env bash
# The main job (README): installs what is missing and runs the sluice command.
# Until the standalone worker lands it prints the version and the plugin list.
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
node packages/cli/bin/sluice.mjs --version
node packages/cli/bin/sluice.mjs plugins

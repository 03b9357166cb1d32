#!/usr/bin/env bash
# Prints the path of a Node.js binary that is at least 22.22, installing Node 24 from the npm
# registry under .cache/node24 when the node on PATH is older. One implementation for the
# scripts and the `sluice` command: packages/cli/bin/ensure-node.mjs (runs on Node >= 20).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SLUICE_NODE_CACHE="${SLUICE_NODE_CACHE:-$root/.cache/node24}" exec node "$root/packages/cli/bin/ensure-node.mjs"

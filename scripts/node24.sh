#!/usr/bin/env bash
# Prints the path of a Node.js binary that is at least 22.22, installing Node 24 from the npm
# registry when the node on PATH is older. One implementation and one per-user cache
# ($XDG_CACHE_HOME/sluice/node24, else ~/.cache/sluice/node24, or $SLUICE_NODE_CACHE) for these
# scripts and the `sluice` command: packages/cli/bin/ensure-node.mjs (runs on Node >= 20).
# `scripts/node24.sh --cache-dir` prints the cache folder.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
exec node "$root/packages/cli/bin/ensure-node.mjs" "$@"

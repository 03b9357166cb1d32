#!/usr/bin/env bash
# Runs Node.js >= 22.22 (installing Node 24 when needed) with the source condition, so the
# workspaces' TypeScript sources are loaded directly.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
node=$("$root/scripts/node24.sh")
exec "$node" --conditions=sluice-source "$@"

#!/usr/bin/env bash
# Prints the path of a Node.js binary that is at least 22.22. When the node on PATH is older
# (these machines ship Node 20), Node 24 is installed once from the npm registry
# (package node-<os>-<arch>) under .cache/node24 in the repository and that binary is printed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

new_enough() { # $1 = a node binary
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=22)?0:1)' 2>/dev/null
}

if [ -n "${SLUICE_NODE:-}" ] && new_enough "$SLUICE_NODE"; then echo "$SLUICE_NODE"; exit 0; fi
if command -v node >/dev/null 2>&1 && new_enough "$(command -v node)"; then command -v node; exit 0; fi

dir="$root/.cache/node24"
case "$(uname -m)" in x86_64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) echo "unsupported CPU $(uname -m)" >&2; exit 1 ;; esac
case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) echo "unsupported OS $(uname -s)" >&2; exit 1 ;; esac
bin="$dir/node_modules/node-$os-$arch/bin/node"
if ! [ -x "$bin" ] || ! new_enough "$bin"; then
  echo "sluice: Node $(node --version 2>/dev/null || echo none) is older than 22.22; installing Node 24 from the npm registry into $dir" >&2
  mkdir -p "$dir"
  npm install --silent --no-save --no-audit --no-fund --no-package-lock --prefix "$dir" "node-$os-$arch@24" >&2
fi
echo "$bin"

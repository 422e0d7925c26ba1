#!/usr/bin/env bash
# Node 24 (the LTS line the image uses) from the npm registry's `node` package, kept outside the
# project; then the compiled server under it (scripts/check-built-server.sh) and the test suite
# under it (tap, tsx and every test process on Node 24): about two minutes here.
# Usage: scripts/check-node24.sh [test files...]   (default: the whole suite; NODE24_DIR overrides
# where Node 24 is installed, SKIP_BUILD=1 reuses dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
NODE24_DIR=${NODE24_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/featuregate/node24}
NODE24="$NODE24_DIR/node_modules/node/bin/node"
if ! [ -x "$NODE24" ] || ! "$NODE24" --version | grep -q '^v24\.'; then
  mkdir -p "$NODE24_DIR"
  flock /tmp/npm.lock npm install --prefix "$NODE24_DIR" --no-save --no-audit --no-fund --loglevel=error node@24
fi
version=$("$NODE24" --version)
case "$version" in v24.*) ;; *) echo "check-node24: expected Node 24, got $version"; exit 1 ;; esac

SKIP_BUILD=${SKIP_BUILD:-} scripts/check-built-server.sh "$NODE24"
# tap, tsx and the tests themselves all run on the node first in PATH.
PATH="$(dirname "$NODE24"):$PATH" npx tap --disable-coverage "$@"
echo "check-node24: ok ($version)"

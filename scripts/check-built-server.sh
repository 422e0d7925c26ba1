#!/usr/bin/env bash
# Proves what the Docker image runs: `npm run build` compiles src/ with tsc into dist/, and the
# compiled server starts on plain node (no tsx), answers /readyz on the HTTP and metrics ports,
# serves /metrics, passes the image's HEALTHCHECK, and exits 0 on SIGTERM after draining.
# Usage: scripts/check-built-server.sh [path-to-node]   (SKIP_BUILD=1 reuses dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
NODE_BIN=${1:-node}
echo "check-built-server: $("$NODE_BIN" --version) ($NODE_BIN)"
if [ "${SKIP_BUILD:-}" != 1 ]; then npm run build --silent; fi
test -f dist/src/server.js && test -f dist/src/healthcheck.js

# Three free loopback ports, chosen by the OS.
read -r HTTP GRPC METRICS < <("$NODE_BIN" -e '
const net = require("node:net")
const servers = [0, 1, 2].map(() => net.createServer().listen(0, "127.0.0.1"))
Promise.all(servers.map((s) => new Promise((r) => s.once("listening", r)))).then(() => {
  console.log(servers.map((s) => s.address().port).join(" ")); servers.forEach((s) => s.close())
})')
log=$(mktemp)
cleanup () { [ -n "${pid:-}" ] && kill -9 "$pid" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT

# The image's own CMD (its node flags and script), on this node. A plain assignment, so `set -e` stops
# here if the CMD cannot be read (a process substitution's failure would go unnoticed).
server_args=$("$NODE_BIN" -e '
const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(require("node:fs").readFileSync("Dockerfile", "utf8"))[1])
if (cmd[0] !== "node") throw new Error("the Dockerfile CMD does not start node: " + cmd.join(" "))
console.log(cmd.slice(1).join(" "))')
read -r -a SERVER_ARGS <<< "$server_args"
echo "check-built-server: running the image's CMD: node ${SERVER_ARGS[*]}"
env -i PATH="$PATH" HOST=127.0.0.1 HTTP_PORT="$HTTP" GRPC_PORT="$GRPC" METRICS_PORT="$METRICS" \
  DEMO_USERS=50 REGISTRY_RELOAD_MS=0 SHUTDOWN_DELAY_MS=200 LOG_LEVEL=info \
  "$NODE_BIN" "${SERVER_ARGS[@]}" >"$log" 2>&1 &
pid=$!

# fetch with Node itself: the slim image and CI have node, not necessarily curl.
get () { "$NODE_BIN" -e 'fetch(process.argv[1]).then(async (r) => { process.stdout.write(await r.text()); process.exit(r.status === 200 ? 0 : 1) }, () => process.exit(2))' "$1"; }

ready=0
for _ in $(seq 1 120); do
  if get "http://127.0.0.1:$HTTP/readyz" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
if [ "$ready" != 1 ]; then echo "check-built-server: the compiled server never became ready"; cat "$log"; exit 1; fi
get "http://127.0.0.1:$METRICS/readyz" >/dev/null
get "http://127.0.0.1:$METRICS/metrics" | grep -q '^featuregate_row_cache_hits_total ' || { echo "check-built-server: /metrics lacks the cache series"; exit 1; }
env -i PATH="$PATH" HOST=0.0.0.0 METRICS_PORT="$METRICS" "$NODE_BIN" dist/src/healthcheck.js || { echo "check-built-server: HEALTHCHECK failed"; exit 1; }
grep -q 'gRPC server listening' "$log" || { echo "check-built-server: the gRPC server did not start"; cat "$log"; exit 1; }

kill -TERM "$pid"
set +e
wait "$pid"
status=$?
set -e
pid=
if [ "$status" != 0 ]; then echo "check-built-server: exit $status after SIGTERM (expected 0)"; cat "$log"; exit 1; fi
grep -q '"msg":"Drained and closed"' "$log" || { echo "check-built-server: no drain on SIGTERM"; cat "$log"; exit 1; }
echo "check-built-server: ok (ready on HTTP and metrics ports, metrics served, healthcheck passed, SIGTERM -> drained, exit 0)"

#!/usr/bin/env bash
# Runs what the Docker images contain, without Docker: for the API and the worker, the same
# `pnpm deploy --prod` node_modules and tsup dist/ that infra/docker/*.Dockerfile copy into the runtime stage,
# started the way the runtime stage and Kubernetes start them:
#   - as uid 1000 with a READ-ONLY root filesystem and a writable /tmp only (bubblewrap; like
#     readOnlyRootFilesystem + the /tmp emptyDir), NODE_ENV=production, an environment holding nothing but
#     the app's variables (no dev defaults, no PATH tricks);
#   - against Redis (127.0.0.1:6379) and a MongoDB stand-in (jongodb).
# Checks /health, /health/deep and /metrics of both, registers a user through the API (argon2's native module
# from the production layout), then SIGTERMs both and checks they drain and exit 0 within SHUTDOWN_GRACE_MS.
# Catches a runtime import that is only a devDependency, a native module missing from the prod layout, or a
# write to the filesystem. Usage: bash infra/scripts/smoke-prod-bundle.sh   (~20 s; run by validate.sh --smoke)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
TSX="$ROOT/node_modules/.bin/tsx"
# Not under /tmp: the sandbox mounts an empty tmpfs there.
WORK=$(mktemp -d -p /var/tmp simple-shop-smoke.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
say() { printf '[smoke] %s\n' "$*"; }
fail() {
  say "FAILED: $*"
  for log in "$WORK"/*.log; do [ -f "$log" ] && { echo "--- $log"; tail -20 "$log"; }; done
  exit 1
}

redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG) 2>/dev/null; }
redis_up || fail "Redis does not answer on 127.0.0.1:6379"

# --- the images' contents -----------------------------------------------------------------------------
# --prefer-offline as in the Dockerfiles: the legacy deploy needs registry metadata a frozen install never cached.
for app in api worker; do
  started=$(date +%s.%N)
  pnpm --filter "@simple-shop/$app" deploy --prod --legacy --prefer-offline "$WORK/deploy-$app" >"$WORK/deploy-$app.log" 2>&1 ||
    fail "pnpm deploy --prod of $app"
  (cd "apps/$app" && "$ROOT/node_modules/.bin/tsup" --out-dir "$WORK/$app/dist" >"$WORK/build-$app.log" 2>&1) ||
    fail "tsup build of $app"
  # Exactly what the runtime stage copies: node_modules, package.json, dist/.
  mv "$WORK/deploy-$app/node_modules" "$WORK/$app/node_modules"
  cp "$WORK/deploy-$app/package.json" "$WORK/$app/package.json"
  rm -rf "$WORK/deploy-$app"
  say "$app: production layout $(du -sh "$WORK/$app" | cut -f1) ($(du -sh "$WORK/$app/node_modules" | cut -f1) node_modules) in $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
done
chmod -R a+rX,go-w "$WORK"

# --- dependencies ------------------------------------------------------------------------------------------
JONGODB=$("$TSX" -e "import('$ROOT/packages/dev-services/src/index.ts').then((m) => console.log(m.jongodbBinaryPath()))")
"$JONGODB" --host=127.0.0.1 --port=0 --topology-profile=singleNodeReplicaSet --replica-set-name=rs0 >"$WORK/jongodb.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q 'JONGODB_URI=' "$WORK/jongodb.log" && break; sleep 0.1; done
MONGODB_URI=$(sed -n 's/.*JONGODB_URI=\(mongodb:\/\/[^/ ]*\).*/\1\/?replicaSet=rs0/p' "$WORK/jongodb.log" | head -1)
[ -n "$MONGODB_URI" ] || fail "jongodb did not start"

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
API_PORT=$(free_port)
WORKER_PORT=$(free_port)
APP_ENV=(
  NODE_ENV=production LOG_LEVEL=info HOST=127.0.0.1 PORT="$API_PORT" WORKER_PORT="$WORKER_PORT"
  MONGODB_URI="$MONGODB_URI" MONGODB_DB="smoke_$RANDOM" REDIS_URL=redis://127.0.0.1:6379
  REDIS_KEY_PREFIX="smoke$RANDOM" JWT_SECRET="$(head -c 48 /dev/urandom | base64 | tr -d "\n")"
  SHUTDOWN_GRACE_MS=5000 NODE_OPTIONS=--enable-source-maps
)

# --- run as the containers do ---------------------------------------------------------------------------------
NODE_BIN=$(command -v node)
if command -v bwrap >/dev/null 2>&1 && bwrap --ro-bind / / --unshare-user --uid 1000 --gid 1000 true 2>/dev/null; then
  SANDBOX=(bwrap --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp --unshare-user --uid 1000 --gid 1000 --die-with-parent)
  say "sandbox: uid 1000, read-only root filesystem, tmpfs /tmp (bubblewrap)"
else
  SANDBOX=(setpriv --reuid=1000 --regid=1000 --clear-groups)
  say "sandbox: uid 1000 (setpriv; bubblewrap unavailable, so the root filesystem is not read-only)"
fi
start() { # start <app> <entry>
  (cd "$WORK/$1" && exec "${SANDBOX[@]}" --chdir "$WORK/$1" /usr/bin/env -i "${APP_ENV[@]}" "$NODE_BIN" "$2") >"$WORK/$1.log" 2>&1 &
  PIDS+=($!)
}
if [ "${SANDBOX[0]}" = setpriv ]; then
  start() { (cd "$WORK/$1" && exec "${SANDBOX[@]}" /usr/bin/env -i "${APP_ENV[@]}" "$NODE_BIN" "$2") >"$WORK/$1.log" 2>&1 & PIDS+=($!); }
fi
start api dist/server.js
API_PID=${PIDS[-1]}
start worker dist/main.js
WORKER_PID=${PIDS[-1]}
wait_for() { # wait_for <file> <pattern>
  for _ in $(seq 1 150); do grep -q "$2" "$1" && return 0; sleep 0.1; done
  return 1
}
wait_for "$WORK/api.log" 'Server listening' || fail "the API did not start"
wait_for "$WORK/worker.log" 'worker http listening' || fail "the worker did not start"

API=http://127.0.0.1:$API_PORT
WRK=http://127.0.0.1:$WORKER_PORT
get() { curl -s -o "$WORK/body" -w '%{http_code}' "$1"; }
[ "$(get "$API/health")" = 200 ] || fail "API /health"
[ "$(get "$API/health/deep")" = 200 ] && grep -q '"status":"healthy"' "$WORK/body" || fail "API /health/deep: $(cat "$WORK/body")"
[ "$(get "$WRK/health")" = 200 ] || fail "worker /health"
[ "$(get "$WRK/health/deep")" = 200 ] && grep -q '"status":"healthy"' "$WORK/body" || fail "worker /health/deep: $(cat "$WORK/body")"
code=$(curl -s -o "$WORK/body" -w '%{http_code}' -H 'content-type: application/json' \
  -d "{\"email\":\"smoke-$RANDOM@example.com\",\"password\":\"correct horse battery\",\"name\":\"Smoke\"}" "$API/api/auth/register")
[ "$code" = 201 ] || fail "register (argon2 in the production layout): $code $(cat "$WORK/body")"
say "API: /health 200, /health/deep healthy, POST /api/auth/register 201 (argon2id native module loads)"
say "worker: /health 200, /health/deep healthy"
[ "$(get "$API/metrics")" = 200 ] && grep -q 'http_request_total{.*service="api"' "$WORK/body" || fail "API /metrics"
api_rss=$(awk '/^process_resident_memory_bytes/ {printf "%.0f", $2/1048576}' "$WORK/body")
[ "$(get "$WRK/metrics")" = 200 ] && grep -q 'queue_depth{.*service="worker"' "$WORK/body" || fail "worker /metrics"
worker_rss=$(awk '/^process_resident_memory_bytes/ {printf "%.0f", $2/1048576}' "$WORK/body")
say "resident memory after start-up: API ${api_rss} MiB, worker ${worker_rss} MiB"
if grep -qiE 'EROFS|EACCES|read-only file system' "$WORK/api.log" "$WORK/worker.log"; then fail "a process tried to write to the filesystem"; fi

# --- graceful shutdown ------------------------------------------------------------------------------------------
for pair in "api:$API_PID" "worker:$WORKER_PID"; do
  app=${pair%%:*}
  pid=${pair#*:}
  # The node process itself (every log line carries its pid): the sandbox wrapper does not forward signals.
  node_pid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$WORK/$app.log" | head -1)
  [ -n "$node_pid" ] || fail "no pid in the $app log"
  started=$(date +%s%N)
  kill -TERM "$node_pid"
  code=0
  wait "$pid" || code=$?
  ms=$((($(date +%s%N) - started) / 1000000))
  [ "$code" = 0 ] || fail "$app exited with $code after SIGTERM"
  [ "$ms" -lt 5000 ] || fail "$app took ${ms} ms to stop (SHUTDOWN_GRACE_MS=5000)"
  say "$app: SIGTERM -> exit 0 in ${ms} ms"
done
grep -q 'worker stopped cleanly' "$WORK/worker.log" || fail "the worker did not log a clean stop"
say "ok"

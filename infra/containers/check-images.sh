#!/usr/bin/env bash
# Checks the runtime images built by build-app-images.sh, without the compose stack:
#   contents  no dev dependencies, no TypeScript sources, no workspace package (they are bundled into dist/), no
#             Stripe simulator (its files or its sources in the bundle), no secrets (.env files, keys, npmrc, the
#             build's CA mount, Stripe-key-shaped values, secret variables in the image config), USER 1000:1000, a
#             HEALTHCHECK. (The bundle does hold the dev secrets' literals on purpose: config's deny-list of
#             them, production-secrets.ts.)
#   running   each image started like Kubernetes does (uid 1000, read-only root, a tmpfs /tmp, no capabilities) on
#             the host network against this machine's Redis (own key prefix) and a jongodb stand-in: its image
#             HEALTHCHECK passes, /health/deep answers 200, and SIGTERM stops it with exit code 0.
#   storefront  nginx and the static build only (no Node, no secrets), config.json for the same origin; run read-only
#             as uid 1000: HEALTHCHECK, the page and an asset with their caching and security headers, the
#             router's fallback to index.html, 404 for a missing asset, a clean stop.
# Prints the image sizes. Usage: bash infra/containers/check-images.sh     (~40 s)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

WORK=$(mktemp -d -p /var/tmp simple-shop-check.XXXXXX)
STARTED=()
cleanup() {
  [ ${#STARTED[@]} -gt 0 ] && podman rm -f -t 0 "${STARTED[@]}" >/dev/null 2>&1
  [ -n "${JONGODB_PID:-}" ] && kill "$JONGODB_PID" 2>/dev/null
  [ -n "${REDIS_PID:-}" ] && kill "$REDIS_PID" 2>/dev/null
  rm -rf "$WORK"
  return 0
}
trap cleanup EXIT
failures=0
fail() {
  say "FAILED: $*"
  failures=$((failures + 1))
}

# --- contents -------------------------------------------------------------------------------------------------
# Dev-only packages of the workspace (root and apps' devDependencies, the test and build tools).
# (@types/* are not listed: mongodb's URL parser and stripe's optional peer pull a few in at run time.)
DEV_ONLY='^(vitest|@vitest\+|tsx|tsup|esbuild|eslint|@eslint\+|typescript-eslint|@typescript-eslint\+|prettier|autocannon|maildev|pino-pretty|stripe-mock|@simple-shop\+)'
for image in "$API_IMAGE" "$WORKER_IMAGE"; do
  podman image exists "$image" || die "$image is missing: run build-app-images.sh first"
  size=$(podman image inspect --format '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1e6 }')
  user=$(podman image inspect --format '{{.Config.User}}' "$image")
  [ "$user" = 1000:1000 ] || fail "$image: USER is '$user', not 1000:1000"
  healthcheck=$(podman image inspect --format '{{json .Config.Healthcheck}}' "$image")
  [[ $healthcheck == *'"Test":["CMD'* ]] || fail "$image: no HEALTHCHECK"
  secret_env=$(podman image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$image" |
    grep -E '^(JWT_SECRET|STRIPE_SECRET_KEY|STRIPE_WEBHOOK_SECRET|MONGODB_URI|REDIS_URL|SMTP_URL|NODE_EXTRA_CA_CERTS)=' || true)
  [ -z "$secret_env" ] || fail "$image: the image config sets $secret_env"
  podman run --rm --network none --read-only --entrypoint sh "$image" -c '
    echo "## ts"; find /app -path /app/node_modules -prune -o -type f -name "*.ts" ! -name "*.d.ts" -print
    echo "## workspace"; find /app/node_modules -maxdepth 2 -path "*@simple-shop*"
    echo "## packages"; ls /app/node_modules/.pnpm
    echo "## simulator"; grep -rl "stripe-simulator/src" /app/dist; find / -xdev -path "*stripe-simulator*" ! -path "/proc/*" 2>/dev/null
    true
    echo "## secret files"; find / -xdev \( -name ".env" -o -name ".env.*" -o -name "*.pem" -o -name "*.key" \
      -o -name "id_rsa*" -o -name ".npmrc" -o -path "/run/host-ca*" \) ! -path "/proc/*" ! -path "/etc/ssl/*" \
      ! -path "*/node_modules/*" ! -path "/usr/*" 2>/dev/null
    echo "## secret values"; grep -rlE "whsec_[A-Za-z0-9]{16}|sk_(live|test)_[A-Za-z0-9]{16}|BEGIN [A-Z ]*PRIVATE KEY" /app/dist || true
    echo "## end"' >"$WORK/contents.txt" 2>&1 || { cat "$WORK/contents.txt"; fail "$image: could not list its contents"; continue; }
  section() { awk -v s="## $1" '$0 == s { on = 1; next } /^## / { on = 0 } on' "$WORK/contents.txt"; }
  [ -z "$(section ts)" ] || fail "$image holds TypeScript sources: $(section ts | head -3 | tr '\n' ' ')"
  [ -z "$(section workspace)" ] || fail "$image holds workspace packages in node_modules: $(section workspace | tr '\n' ' ')"
  dev=$(section packages | grep -E "$DEV_ONLY" || true)
  [ -z "$dev" ] || fail "$image holds dev dependencies: $(echo "$dev" | head -5 | tr '\n' ' ')"
  # typescript is no devDependency of the apps: @bull-board/api pulls it in as an (auto-installed) optional peer.
  ts_note=$(section packages | grep -E '^typescript@' | tr '\n' ' ' || true)
  [ -z "$(section simulator)" ] || fail "$image holds the Stripe simulator: $(section simulator | tr '\n' ' ')"
  [ -z "$(section 'secret files')" ] || fail "$image holds secret-like files: $(section 'secret files' | tr '\n' ' ')"
  [ -z "$(section 'secret values')" ] || fail "$image holds secret-like values in: $(section 'secret values' | tr '\n' ' ')"
  [ -n "$ts_note" ] && ts_note=" (with ${ts_note}as an optional peer of @bull-board/api)"
  say "$image: $size, USER $user, $(section packages | wc -l) packages$ts_note"
done

# --- running --------------------------------------------------------------------------------------------------
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
redis_up() { (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG) 2>/dev/null; }
# This machine's Redis (own key prefix), or a throw-away redis-server when none answers on 6379.
REDIS_PORT=6379
if ! redis_up "$REDIS_PORT"; then
  command -v redis-server >/dev/null 2>&1 || die "no Redis on 127.0.0.1:6379 and no redis-server (apt-get install redis-server)"
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --maxmemory-policy noeviction \
    >"$WORK/redis.log" 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 1 50); do redis_up "$REDIS_PORT" && break; sleep 0.1; done
  redis_up "$REDIS_PORT" || die "the throw-away redis-server did not start"
fi
JONGODB=$(find node_modules/.pnpm -path "*memory-server-bin-linux-x64-gnu@$JONGODB_VERSION/*/bin/jongodb" | head -1)
[ -x "$JONGODB" ] || die "jongodb $JONGODB_VERSION not found in node_modules: run pnpm install"
mongo_port=$(free_port)
"$JONGODB" --host=127.0.0.1 --port="$mongo_port" --topology-profile=singleNodeReplicaSet --replica-set-name=rs0 \
  >"$WORK/jongodb.log" 2>&1 &
JONGODB_PID=$!
prefix="image-check-$$-$(date +%s)"
common_env=(
  -e NODE_ENV=production -e LOG_LEVEL=info -e HOST=127.0.0.1
  -e "MONGODB_URI=mongodb://127.0.0.1:$mongo_port/?replicaSet=rs0" -e "MONGODB_DB=$prefix"
  -e "REDIS_URL=redis://127.0.0.1:$REDIS_PORT" -e "REDIS_KEY_PREFIX=$prefix"
  -e "JWT_SECRET=$(openssl rand -base64 48)" -e SHUTDOWN_GRACE_MS=5000
)
wait_healthy() { # wait_healthy <container> <image> <seconds>: until its HEALTHCHECK passes; fails if it stops or times out
  local name=$1 image=$2 deadline=$((SECONDS + $3))
  until podman healthcheck run "$name" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ] || [ "$(podman inspect --format '{{.State.Running}}' "$name")" != true ]; then
      podman logs --tail 20 "$name"
      fail "$image: HEALTHCHECK did not pass"
      return 1
    fi
    sleep 1
  done
}

check_running() { # check_running <image> <port variable>
  local image=$1 port_var=$2 port name
  port=$(free_port)
  name="simple-shop-image-check-$port_var-$$"
  STARTED+=("$name")
  # The hardening of docker-compose.yml and the Kubernetes manifests.
  podman run -d --name "$name" --network host --read-only --tmpfs /tmp:size=64m --cap-drop ALL \
    --security-opt no-new-privileges "${common_env[@]}" -e PORT="$(free_port)" -e WORKER_PORT="$(free_port)" \
    -e "$port_var=$port" "$image" >/dev/null 2>"$WORK/run.err" || { cat "$WORK/run.err"; fail "$image did not start"; return; }
  wait_healthy "$name" "$image" 90 || return
  local deep
  deep=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/deep")
  [ "$deep" = 200 ] || fail "$image: /health/deep answered $deep"
  podman stop -t 20 "$name" >/dev/null 2>&1
  local code
  code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
  [ "$code" = 0 ] || { podman logs --tail 20 "$name"; fail "$image: exit code $code after SIGTERM"; }
  say "$image: HEALTHCHECK passes, /health/deep $deep, SIGTERM -> exit $code (uid $(podman inspect --format '{{.Config.User}}' "$name"), read-only root)"
}
check_running "$API_IMAGE" PORT
check_running "$WORKER_IMAGE" WORKER_PORT

# --- the storefront image ---------------------------------------------------------------------------------------
# nginx and the static build only: no Node, no node_modules, no sources, no secrets; config.json names the API on
# the same origin. Run like in Kubernetes, it answers its HEALTHCHECK, serves the page with the caching and
# security headers of infra/nginx/storefront.conf, falls back to index.html for the router's paths (never for a
# missing asset), and stops cleanly.
check_storefront() {
  local image=$STOREFRONT_IMAGE port name
  podman image exists "$image" || die "$image is missing: run build-app-images.sh first"
  local user size healthcheck
  user=$(podman image inspect --format '{{.Config.User}}' "$image")
  size=$(podman image inspect --format '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1e6 }')
  [ "$user" = 1000:1000 ] || fail "$image: USER is '$user', not 1000:1000"
  healthcheck=$(podman image inspect --format '{{json .Config.Healthcheck}}' "$image")
  [[ $healthcheck == *'"Test":["CMD'* ]] || fail "$image: no HEALTHCHECK"
  podman run --rm --network none --read-only --entrypoint sh "$image" -c '
    echo "## node"; command -v node; find / -xdev \( -name node_modules -o -name "*.ts" \) ! -path "/proc/*" 2>/dev/null | head -5
    echo "## secret files"; find / -xdev \( -name ".env" -o -name ".env.*" -o -name "*.pem" -o -name "*.key" \
      -o -name ".npmrc" -o -path "/run/host-ca*" \) ! -path "/proc/*" ! -path "/etc/ssl/*" ! -path "/usr/*" 2>/dev/null
    echo "## files"; find /usr/share/nginx/storefront -type f | sort
    echo "## config"; cat /usr/share/nginx/storefront/config.json
    echo "## end"' >"$WORK/storefront.txt" 2>&1 || { cat "$WORK/storefront.txt"; fail "$image: could not list its contents"; return; }
  section() { awk -v s="## $1" '$0 == s { on = 1; next } /^## / { on = 0 } on' "$WORK/storefront.txt"; }
  [ -z "$(section node)" ] || fail "$image holds Node or sources: $(section node | tr '\n' ' ')"
  [ -z "$(section 'secret files')" ] || fail "$image holds secret-like files: $(section 'secret files' | tr '\n' ' ')"
  section files | grep -q '/index.html$' || fail "$image has no index.html"
  section files | grep -Eq '/assets/[^/]+\.js$' || fail "$image has no JavaScript asset"
  [ "$(section config | tr -d ' \n')" = '{"apiUrl":"/"}' ] || fail "$image: config.json is $(section config)"

  port=$(free_port)
  name="simple-shop-image-check-storefront-$$"
  STARTED+=("$name")
  podman run -d --name "$name" -p "127.0.0.1:$port:8080" --read-only --tmpfs /tmp:size=16m --cap-drop ALL \
    --security-opt no-new-privileges "$image" >/dev/null 2>"$WORK/run.err" || { cat "$WORK/run.err"; fail "$image did not start"; return; }
  wait_healthy "$name" "$image" 60 || return
  local base="http://127.0.0.1:$port" asset
  # get <path> <expected status>: headers (names in lower case) in $WORK/headers, body in $WORK/body
  get() {
    local code
    code=$(curl -s -D "$WORK/raw-headers" -o "$WORK/body" -w '%{http_code}' "$base$1")
    [ "$code" = "$2" ] || fail "$image: GET $1 answered $code, expected $2"
    tr -d '\r' <"$WORK/raw-headers" | awk -F': ' '{ printf "%s: %s\n", tolower($1), substr($0, length($1) + 3) }' >"$WORK/headers"
  }
  has() { grep -q "$1" "$WORK/headers"; }
  get / 200
  grep -q '<main id="main"' "$WORK/body" || fail "$image: GET / is not the storefront page"
  has '^content-type: text/html' || fail "$image: GET / is not text/html"
  has '^cache-control: no-cache' || fail "$image: index.html must be revalidated (no-cache)"
  has "^content-security-policy: default-src 'self';.*script-src 'self'" || fail "$image: no CSP on the page"
  has '^x-content-type-options: nosniff' || fail "$image: no X-Content-Type-Options"
  asset=$(grep -oE '/assets/[^"]+\.js' "$WORK/body" | head -1)
  get "$asset" 200
  has '^cache-control: public, max-age=31536000, immutable' || fail "$image: $asset is not cached as immutable"
  has '^content-type: \(application\|text\)/javascript' || fail "$image: $asset is not JavaScript"
  get '/products/0123456789abcdef01234567' 200
  grep -q '<main id="main"' "$WORK/body" || fail "$image: a router path did not get index.html"
  get /assets/missing-0000.js 404
  get /config.json 200
  has '^cache-control: no-cache' || fail "$image: config.json must be revalidated"
  podman stop -t 10 "$name" >/dev/null 2>&1
  local code
  code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
  [ "$code" = 0 ] || { podman logs --tail 20 "$name"; fail "$image: exit code $code after its stop signal"; }
  say "$image: $size, USER $user, $(section files | wc -l) files; HEALTHCHECK passes, page no-cache + CSP, $asset immutable, router fallback, missing asset 404, stop -> exit $code (read-only root)"
}
check_storefront
# Leave no keys behind on the shared Redis.
node -e "
const net = require('net'); const s = net.connect(Number(process.argv[2]), '127.0.0.1');
const lua = \"local n=0 for _,k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) n=n+1 end return n\";
const args = ['EVAL', lua, '0', process.argv[1] + ':*'];
s.write('*' + args.length + '\r\n' + args.map((a) => '\$' + Buffer.byteLength(a) + '\r\n' + a + '\r\n').join(''));
s.once('data', () => s.end());" "$prefix" "$REDIS_PORT"

[ $failures -eq 0 ] || die "$failures image check(s) failed"
say "runtime images pass"

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
# Prints the image sizes. Usage: bash infra/containers/check-images.sh     (~30 s)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

WORK=$(mktemp -d -p /var/tmp simple-shop-check.XXXXXX)
STARTED=()
cleanup() {
  [ ${#STARTED[@]} -gt 0 ] && podman rm -f -t 0 "${STARTED[@]}" >/dev/null 2>&1
  [ -n "${JONGODB_PID:-}" ] && kill "$JONGODB_PID" 2>/dev/null
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
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG) 2>/dev/null; }
redis_up || die "Redis does not answer on 127.0.0.1:6379"
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
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
  -e REDIS_URL=redis://127.0.0.1:6379 -e "REDIS_KEY_PREFIX=$prefix"
  -e "JWT_SECRET=$(openssl rand -base64 48)" -e SHUTDOWN_GRACE_MS=5000
)
check_running() { # check_running <image> <port variable>
  local image=$1 port_var=$2 port name deadline
  port=$(free_port)
  name="simple-shop-image-check-$port_var-$$"
  STARTED+=("$name")
  # The hardening of docker-compose.yml and the Kubernetes manifests.
  podman run -d --name "$name" --network host --read-only --tmpfs /tmp:size=64m --cap-drop ALL \
    --security-opt no-new-privileges "${common_env[@]}" -e PORT="$(free_port)" -e WORKER_PORT="$(free_port)" \
    -e "$port_var=$port" "$image" >/dev/null 2>"$WORK/run.err" || { cat "$WORK/run.err"; fail "$image did not start"; return; }
  deadline=$((SECONDS + 90))
  until podman healthcheck run "$name" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ] || [ "$(podman inspect --format '{{.State.Running}}' "$name")" != true ]; then
      podman logs --tail 20 "$name"
      fail "$image: HEALTHCHECK did not pass"
      return
    fi
    sleep 1
  done
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
# Leave no keys behind on the shared Redis.
node -e "
const net = require('net'); const s = net.connect(6379, '127.0.0.1');
const lua = \"local n=0 for _,k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) n=n+1 end return n\";
const args = ['EVAL', lua, '0', process.argv[1] + ':*'];
s.write('*' + args.length + '\r\n' + args.map((a) => '\$' + Buffer.byteLength(a) + '\r\n' + a + '\r\n').join(''));
s.once('data', () => s.end());" "$prefix"

[ $failures -eq 0 ] || die "$failures image check(s) failed"
say "runtime images pass"

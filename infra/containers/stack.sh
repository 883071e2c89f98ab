#!/usr/bin/env bash
# Runs the compose stack for real on the local images (docker-compose.yml + infra/compose/offline.yml, with
# podman-compose) and proves it works, then removes everything it started:
#   1. up: the jongodb stand-in, Redis, MailDev, 2 API replicas, 2 workers, the storefront, nginx, the Stripe
#      simulator; every
#      container's healthcheck must pass (without systemd podman runs no healthcheck timers, and podman-compose
#      1.0.3 mangles CMD tests: the script runs each test itself, see compose-healthcheck.mjs);
#   2. the runtime containers run as uid 1000 on a read-only root filesystem, and answer their image's
#      HEALTHCHECK as well as compose's;
#   3. a purchase journey through nginx (infra/containers/journey.mjs), from the storefront's page to its success
#      page; both API replicas served requests; then headless: with the storefront stopped, nginx sends / to the
#      API and the API still serves;
#   4. drain: a Stripe job is held in flight (FAULT_PROCESSING_DELAY_MS) when the shop is shut down: it must
#      complete during the shutdown, and both workers log a clean stop and exit 0. The shop's services are
#      stopped first (what `down` does to each: SIGTERM, then the grace) while the Stripe simulator stays up,
#      because Stripe does not go down with the shop; `down` then removes the rest.
# Prints the start time, the journey time and a summary. Needs the images: build-base-images.sh, then
# build-app-images.sh (infra/validate.sh --stack does all three).
# Usage: bash infra/containers/stack.sh        (~2-3 min on 2 cores)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

PROJECT=simple-shop
NETWORK=${PROJECT}_default
COMPOSE=("$CONTAINERS_DIR/podman-compose-fixed.py" -p "$PROJECT" -f docker-compose.yml -f infra/compose/offline.yml)
LOGS=${CONTAINER_LOGS:-$(mktemp -d -p /var/tmp simple-shop-stack.XXXXXX)}
mkdir -p "$LOGS"
HEALTH_TIMEOUT_S=${HEALTH_TIMEOUT_S:-300} # per container; generous: these machines are shared
ctr() { echo "${PROJECT}_$1_${2:-1}"; }

for image in "$JONGODB_IMAGE" "$REDIS_IMAGE" "$NGINX_IMAGE" "$MAILDEV_IMAGE" "$API_IMAGE" "$WORKER_IMAGE" "$BUILD_IMAGE" \
  "$STOREFRONT_IMAGE"; do
  podman image exists "$image" || die "$image is missing: run build-base-images.sh and build-app-images.sh first"
done
# podman-compose 1.0.3 reads ./.env over the shell's variables: a developer's .env would reconfigure the stack.
[ -f .env ] && die ".env exists in the repository root; podman-compose would apply it to the stack. Move it aside."

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
# The values docker-compose.yml interpolates (as infra/compose/dev.env does for docker compose), fresh secrets.
export LB_PORT
LB_PORT=$(free_port)
export JWT_SECRET
JWT_SECRET=$(openssl rand -base64 48)
export STRIPE_WEBHOOK_SECRET
STRIPE_WEBHOOK_SECRET="whsec_$(openssl rand -hex 24)"
export STRIPE_SECRET_KEY=sk_test_simulator STRIPE_API_BASE=http://stripe-sim:12111 SMTP_URL=smtp://maildev:1025
export STRIPE_SIM_PUBLIC_URL=http://127.0.0.1:12111 LOG_LEVEL=info
# A demo deployment on the simulator: NODE_ENV=production accepts its key and URL only with this (as dev.env says).
export ALLOW_STRIPE_SIMULATOR=true
# The storefront is served by nginx: links in emails and Stripe's success/cancel redirects land on its pages there.
LB_URL="http://127.0.0.1:$LB_PORT"
export PUBLIC_APP_URL=$LB_URL CORS_ORIGINS=$LB_URL
export CHECKOUT_SUCCESS_URL="$LB_URL/checkout/success?session_id={CHECKOUT_SESSION_ID}"
export CHECKOUT_CANCEL_URL="$LB_URL/checkout/cancelled"
# Long enough to catch a Stripe job in flight for the drain check; far below SHUTDOWN_GRACE_MS (10 s).
export FAULT_PROCESSING_DELAY_MS=${FAULT_PROCESSING_DELAY_MS:-3000}

remove_all() { # everything of the project: containers, pods, volumes, network (podman-compose 1.0.3 keeps it)
  local ids
  ids=$(podman ps -aq --filter "label=io.podman.compose.project=$PROJECT")
  [ -n "$ids" ] && podman rm -f -t 0 $ids >/dev/null 2>&1
  ids=$(podman volume ls -q --filter "label=io.podman.compose.project=$PROJECT")
  [ -n "$ids" ] && podman volume rm -f $ids >/dev/null 2>&1
  podman network exists "$NETWORK" && podman network rm -f "$NETWORK" >/dev/null 2>&1
  return 0
}
cleanup() {
  local status=$?
  [ $status -ne 0 ] && [ -n "${KEEP_FAILED_STACK:-}" ] && { say "stack left running (KEEP_FAILED_STACK)"; return; }
  if [ $status -ne 0 ]; then
    for c in $(podman ps -a --format '{{.Names}}' --filter "label=io.podman.compose.project=$PROJECT"); do
      podman logs "$c" >"$LOGS/$c.log" 2>&1 || true
    done
    say "logs of every container are in $LOGS"
  fi
  remove_all
  jobs -p | xargs -r kill 2>/dev/null || true
  local left
  left=$(podman ps -aq --filter "label=io.podman.compose.project=$PROJECT" | wc -l)
  say "cleaned up: $left containers left, network $(podman network exists "$NETWORK" && echo kept || echo removed)"
}
trap cleanup EXIT
remove_all # a run that was killed may have left some behind

image_healthcheck() { # image_healthcheck <container>: the argv of its image's HEALTHCHECK, one per line
  local image
  image=$(podman inspect --format '{{.ImageName}}' "$1")
  podman image inspect --format '{{json .Config.Healthcheck.Test}}' "$image" | node -e '
    const t = JSON.parse(require("fs").readFileSync(0, "utf8")) ?? [];
    const argv = t[0] === "CMD" ? t.slice(1) : t[0] === "CMD-SHELL" ? ["sh", "-c", t[1]] : [];
    for (const a of argv) console.log(a);'
}
# healthy <service> <container>: compose's healthcheck test for the service, else the image's HEALTHCHECK, run
# with podman exec (no 3 s timeout: on a loaded 2-core machine a node start alone can take longer).
healthy() {
  local test
  mapfile -t test < <(node infra/containers/compose-healthcheck.mjs "$1")
  [ ${#test[@]} -gt 0 ] || mapfile -t test < <(image_healthcheck "$2")
  [ ${#test[@]} -gt 0 ] || die "$2 has no healthcheck"
  podman exec "$2" "${test[@]}" >/dev/null 2>&1
}
wait_healthy() { # wait_healthy <service> [replicas]: until every replica passes its healthcheck
  local n c deadline
  for n in $(seq 1 "${2:-1}"); do
    c=$(ctr "$1" "$n")
    deadline=$((SECONDS + HEALTH_TIMEOUT_S))
    # A process that exits during start-up (e.g. Fastify's plugin timeout on an overloaded machine) is restarted by
    # the restart policy (unless-stopped), as Docker would; only the deadline fails the run.
    until healthy "$1" "$c"; do
      podman container exists "$c" || die "$c does not exist"
      [ $SECONDS -lt $deadline ] || { podman logs --tail 30 "$c" 2>&1; die "$c not healthy after ${HEALTH_TIMEOUT_S} s"; }
      sleep 1
    done
  done
}
compose() { "${COMPOSE[@]}" "$@" >>"$LOGS/podman-compose.log" 2>&1; }

# --- 1. up ----------------------------------------------------------------------------------------------------
# In dependency order, waiting for health in between: podman-compose 1.0.3 ignores depends_on conditions.
say "starting the stack (project $PROJECT, load balancer on 127.0.0.1:$LB_PORT; logs in $LOGS)"
started=$(now)
compose up -d --no-build mongo redis maildev || die "podman-compose up (data stores)"
wait_healthy mongo && wait_healthy redis && wait_healthy maildev
compose up -d --no-build api worker || die "podman-compose up (api, worker)"
wait_healthy api 2 && wait_healthy worker 2
compose up -d --no-build storefront lb stripe-sim || die "podman-compose up (storefront, lb, stripe-sim)"
wait_healthy storefront && wait_healthy lb && wait_healthy stripe-sim
start_s=$(since "$started")
restarts=$(podman ps -a --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}' |
  xargs -r podman inspect --format '{{.Name}}={{.RestartCount}}' | grep -v '=0$' | tr '\n' ' ' || true)
[ -z "$restarts" ] || say "restarted by their restart policy during start-up: $restarts"
say "stack healthy in $start_s s: $(podman ps --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}' | sort | tr '\n' ' ')"
# grep -c reads everything: with pipefail, grep -q's early exit would fail the pipeline on SIGPIPE.
[ "$(podman logs "$(ctr mongo)" 2>&1 | grep -c 'THIS IS NOT MONGODB')" -gt 0 ] || die "the stand-in did not announce itself"

# The catalog: the repository's seed (20 products) from the build image, on the stack's network.
podman run --rm --label "io.podman.compose.project=$PROJECT" --network "$NETWORK" -e "MONGODB_URI=mongodb://mongo:27017/?replicaSet=rs0" -e SEED_PRODUCT_COUNT=20 \
  "$BUILD_IMAGE" pnpm seed >"$LOGS/seed.log" 2>&1 || { cat "$LOGS/seed.log"; die "seeding the catalog"; }

# --- 2. runtime containers ----------------------------------------------------------------------------------
for c in "$(ctr api 1)" "$(ctr api 2)" "$(ctr worker 1)" "$(ctr worker 2)" "$(ctr storefront)"; do
  [ "$(podman exec "$c" id -u)" = 1000 ] || die "$c does not run as uid 1000"
  [ "$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$c")" = true ] || die "$c: root filesystem is writable"
  podman exec "$c" sh -c 'touch /app/x || touch /x || touch /usr/share/nginx/storefront/x' 2>/dev/null &&
    die "$c could write to its root filesystem"
  # The image's own HEALTHCHECK (liveness), next to compose's (readiness) that wait_healthy ran.
  mapfile -t check < <(image_healthcheck "$c")
  [ ${#check[@]} -gt 0 ] && podman exec "$c" "${check[@]}" || die "$c does not answer its image's HEALTHCHECK"
done
say "api ×2, worker ×2, storefront: uid 1000, read-only root filesystem, image HEALTHCHECK (and compose's) pass"

# --- 3. the purchase journey through nginx ---------------------------------------------------------------------
started=$(now)
LB_URL=$LB_URL MAILDEV_URL=http://127.0.0.1:1080 node infra/containers/journey.mjs | tee "$LOGS/journey.log" ||
  die "purchase journey"
journey_s=$(since "$started")
for c in "$(ctr api 1)" "$(ctr api 2)"; do
  n=$(podman logs "$c" 2>&1 | grep -c '"requestId"' || true)
  [ "$n" -gt 0 ] || die "$c served no request: nginx did not spread the load"
  say "$c logged $n request lines"
done

# Headless: the storefront is optional. Without it nginx sends / to the API (its JSON 404), and the API serves.
podman stop -t 10 "$(ctr storefront)" >/dev/null
status=$(curl -s -o "$LOGS/headless.json" -w '%{http_code} %{content_type}' "$LB_URL/")
[[ $status == '404 application/json'* ]] && grep -q '"error"' "$LOGS/headless.json" ||
  die "headless: GET / through nginx answered $status $(head -c 200 "$LOGS/headless.json"), not the API's 404"
status=$(curl -s -o /dev/null -w '%{http_code}' "$LB_URL/api/products?limit=1")
[ "$status" = 200 ] || die "headless: GET /api/products answered $status"
say "headless (storefront stopped): GET / -> the API's JSON 404, /api/products 200"

# --- 4. down drains in-flight work -----------------------------------------------------------------------------
redis() { podman exec "$(ctr redis)" redis-cli --raw "$@" 2>/dev/null; }
# BullMQ's keys: REDIS_KEY_PREFIX `shop` in a Cluster hash tag (packages/queue bullPrefix: `{shop:bull}`).
BULL='{shop:bull}:stripe-events'
ACTIVE="$BULL:active"
# A second purchase; its Stripe job is held FAULT_PROCESSING_DELAY_MS by the worker that takes it.
LB_URL=$LB_URL MAILDEV_URL=http://127.0.0.1:1080 JOURNEY_LABEL=drain JOURNEY_STOREFRONT=skip \
  node infra/containers/journey.mjs >"$LOGS/drain-journey.log" 2>&1 &
deadline=$((SECONDS + 60))
until [ -n "$(redis LRANGE "$ACTIVE" 0 -1)" ]; do
  [ $SECONDS -lt $deadline ] || { cat "$LOGS/drain-journey.log"; die "no Stripe job became active"; }
  sleep 0.2
done
job=$(redis LRANGE "$ACTIVE" 0 -1 | head -1)
say "Stripe job $job is in flight: stopping the shop's services, then podman-compose down"
for n in 1 2; do
  podman logs -f "$(ctr worker "$n")" >"$LOGS/worker-$n.log" 2>&1 &
  podman wait "$(ctr worker "$n")" >"$LOGS/worker-$n.exit" 2>&1 &
done
# Watches the job in Redis while the stack goes down (Redis stops after the workers).
(
  while state=$(redis EVAL "if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 'completed' end \
      if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 'failed' end return 'running'" 2 \
      "$BULL:completed" "$BULL:failed" "$job"); do
    echo "$state" >"$LOGS/drain-job.state"
    sleep 0.2
  done
) &
started=$(now)
# -t 30: podman-compose 1.0.3 ignores stop_grace_period (its default is 1 s); 30 s is the worker's in compose.
# `down` alone stops services in reverse dependency order, and the simulator depends only on the load balancer,
# so it would go first and leave the held job calling a Stripe that is gone.
"${COMPOSE[@]}" stop -t 30 lb storefront api worker >>"$LOGS/podman-compose.log" 2>&1 || true
down_s=$(since "$started")
"${COMPOSE[@]}" down -t 30 -v >>"$LOGS/podman-compose.log" 2>&1 || true
wait
state=$(cat "$LOGS/drain-job.state" 2>/dev/null || echo unknown)
[ "$state" = completed ] || die "the in-flight job $job did not complete during down ($state)"
for n in 1 2; do
  code=$(tail -1 "$LOGS/worker-$n.exit")
  [ "$code" = 0 ] || die "worker $n exited with $code during down"
  grep -q 'worker stopped cleanly' "$LOGS/worker-$n.log" || die "worker $n did not log a clean stop"
done
say "down in $down_s s: job $job completed during shutdown, both workers exited 0 after 'worker stopped cleanly'"

remove_all
say "SUMMARY start=${start_s}s journey=${journey_s}s down=${down_s}s" \
  "images: $(for i in "$API_IMAGE" "$WORKER_IMAGE" "$STOREFRONT_IMAGE" "$NGINX_IMAGE"; do podman image inspect --format '{{.Size}}' "$i" |
    awk -v n="$i" '{ printf "%s %.0f MB; ", n, $1 / 1e6 }'; done)"

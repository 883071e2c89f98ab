# syntax=docker/dockerfile:1.7
# The worker image. Build from the repository root:
#   docker build -f infra/docker/worker.Dockerfile -t simple-shop-worker .
# Stages: `deps` fetches the lockfile's packages (cached until pnpm-lock.yaml changes), `build` installs the
# workspace and bundles the app with tsup (internal @simple-shop/* packages are
# bundled into dist/), then `pnpm deploy --prod` lays out production dependencies only. The runtime stage gets
# dist/ + those node_modules, runs as uid 1000 and needs no write access to its filesystem.
# (infra/docker/worker.Dockerfile.dockerignore keeps node_modules, .git and .env out of the context.)

ARG NODE_IMAGE=node:20.20-bookworm-slim

FROM ${NODE_IMAGE} AS base
# npm_config_nodedir: node-gyp builds against the image's own Node headers (no download).
ENV PNPM_HOME=/pnpm \
    PATH=/pnpm:$PATH \
    CI=true \
    npm_config_store_dir=/pnpm/store \
    npm_config_nodedir=/usr/local
RUN npm install -g pnpm@10.34.8 && pnpm --version
WORKDIR /repo

FROM base AS deps
# python3/make/g++: native addons (msgpackr-extract for BullMQ) build from source when needed; argon2 is the API's.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch --frozen-lockfile --store-dir /pnpm/store

FROM deps AS build
COPY . .
# `deploy --legacy`: pnpm 10's default deploy needs inject-workspace-packages; the apps bundle the workspace
# packages anyway, so only their npm dependencies matter, and the workspace packages deploy copies (TypeScript
# sources nothing imports at run time) are removed. `--prefer-offline`, not `--offline`: the legacy deploy
# re-resolves versions, which needs registry metadata that `pnpm fetch` (tarballs only) does not cache.
ENV npm_config_build_from_source=true
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install --frozen-lockfile --offline --store-dir /pnpm/store \
    && pnpm --filter @simple-shop/worker build \
    && pnpm --filter @simple-shop/worker deploy --prod --legacy --prefer-offline --store-dir /pnpm/store /out \
    && rm -rf /out/node_modules/@simple-shop /out/node_modules/.pnpm/@simple-shop+*

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    WORKER_PORT=5001 \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY --from=build --chown=0:0 /out/node_modules ./node_modules
COPY --from=build --chown=0:0 /out/package.json ./package.json
COPY --from=build --chown=0:0 /repo/apps/worker/dist ./dist
# Files stay owned by root and read-only for the app user: the process writes nothing but stdout.
USER 1000:1000
EXPOSE 5001
# Liveness only (no dependencies); readiness is GET /health/deep on WORKER_PORT (the kubelet checks it).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.WORKER_PORT||5001)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node is PID 1 and handles SIGTERM itself (close-with-grace lets active jobs finish within SHUTDOWN_GRACE_MS); no npm/pnpm wrapper.
CMD ["node", "dist/main.js"]

# syntax=docker/dockerfile:1.7
# The storefront image: the static Vite build of apps/storefront served by nginx (infra/nginx/storefront.conf).
# Build from the repository root:
#   docker build -f infra/docker/storefront.Dockerfile -t simple-shop-storefront .
# Stages: `base` and `deps` are the API's and worker's (same lines, so a builder shares their cached layers and
# pnpm store), `build` installs only the storefront's dependencies and runs `vite build`, and the runtime stage
# is nginx with dist/ and no Node at all. It runs as uid 1000 on a read-only root (port 8080, /tmp writable).
# (infra/docker/storefront.Dockerfile.dockerignore keeps node_modules, .git and .env out of the context.)

ARG NODE_IMAGE=node:20.20-bookworm-slim
ARG NGINX_IMAGE=nginx:1.28-alpine

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
# python3/make/g++: argon2 is compiled from source (its prebuilt binary is not trusted, see .ci/run).
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch --frozen-lockfile --store-dir /pnpm/store

FROM deps AS build
COPY . .
# Only the storefront's own dependencies (Vite); its build imports nothing from the other workspace packages.
# config.json: the API on the page's own origin, behind the same load balancer or Ingress.
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --offline --store-dir /pnpm/store --filter @simple-shop/storefront \
    && pnpm --filter @simple-shop/storefront build \
    && printf '{ "apiUrl": "/" }\n' >apps/storefront/dist/config.json \
    && test -f apps/storefront/dist/index.html \
    && ls apps/storefront/dist/assets/*.js >/dev/null

FROM ${NGINX_IMAGE} AS runtime
COPY --chown=0:0 infra/nginx/storefront.conf /etc/nginx/nginx.conf
COPY --from=build --chown=0:0 /repo/apps/storefront/dist /usr/share/nginx/storefront
# Files stay owned by root and read-only for the server: it writes only to /tmp (pid, temporary files).
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/storefront-health"]
# `-e stderr`: the error log goes to stderr from the first line (the built-in log path is not writable).
CMD ["nginx", "-e", "stderr", "-g", "daemon off;"]

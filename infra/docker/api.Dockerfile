# syntax=docker/dockerfile:1
# Multi-stage build of the API: build with the whole workspace, ship only production deps.
FROM node:20.20-bookworm-slim AS build
RUN npm i -g pnpm@10.34.8
WORKDIR /repo
COPY . .
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
RUN pnpm install --frozen-lockfile
RUN pnpm --filter @simple-shop/api build
RUN pnpm --filter @simple-shop/api deploy --prod --legacy /out

FROM node:20.20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /out/node_modules ./node_modules
COPY --from=build --chown=node:node /repo/apps/api/dist ./dist
COPY --from=build --chown=node:node /repo/apps/api/package.json ./package.json
USER node
EXPOSE 5000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||5000)+'/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "--enable-source-maps", "dist/server.js"]

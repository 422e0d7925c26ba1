# syntax=docker/dockerfile:1
# featuregate: gRPC + GraphQL feature-store gateway. Node 24 is the LTS line we target.
ARG NODE_IMAGE=node:24-slim

# 1. Compile TypeScript to plain ESM JavaScript (imports already end in .js).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# 2. Production dependencies only, installed on the same base so native addons match.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. Runtime: compiled output, production node_modules, contracts; owned by root, run as `node`.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    GRPC_PORT=50051 \
    METRICS_PORT=9464
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY proto ./proto
COPY graphql ./graphql
# The image's own unprivileged user (uid 1000); the k8s securityContext pins the same uid.
USER node
# HTTP (GraphQL, admin), gRPC, metrics + probes.
EXPOSE 8080 50051 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 CMD ["node", "dist/src/healthcheck.js"]
# Node is PID 1 on purpose: the server installs its own SIGTERM/SIGINT handlers (readiness off,
# delay, drain, exit 0) and starts no child processes, so there are no zombies to reap and no
# init needed in between. `exec` form: the signal reaches node, not a shell.
STOPSIGNAL SIGTERM
CMD ["node", "--single-threaded-gc", "--heap-growing-percent=200", "dist/src/server.js"]

# gitfed container image: the compiled JavaScript and the production dependencies only, on the official Node 24
# image (Debian slim). Build it from the repository root:
#
#   docker build -t gitfed:0.1.0 .
#
# test/e2e/production-build.test.ts repeats what the two stages do (npm run build; npm ci --omit=dev into a clean
# folder holding only dist/ and the package files) and starts the result, since no Docker engine runs in CI.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: TypeScript → dist/ (.js with rewritten relative imports) ----------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `node` devDependency only brings Node 24 to machines that lack it (its install script
# downloads a Node binary); this image has Node 24 already.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: dist/ + production dependencies, non-root, tini as PID 1 -------------------------------------------
FROM ${NODE_IMAGE}
# tini forwards SIGTERM to node (which then finishes the reconcile step in progress) and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    GITFED_LISTEN=0.0.0.0:9090 \
    GITFED_LOG_FORMAT=json
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The Kubernetes schemas member objects are validated against (read from dist/ as ../schemas/).
COPY schemas ./schemas
# The image's `node` user, by number so that Kubernetes can check runAsNonRoot without reading /etc/passwd.
USER 1000:1000
ENV HOME=/home/node
EXPOSE 9090
# /healthz on the address GITFED_LISTEN names (0.0.0.0 and :: are reached through loopback); slim has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const l = process.env.GITFED_LISTEN || '127.0.0.1:9090'; const i = l.lastIndexOf(':'); let h = l.slice(0, i).replace('[', '').replace(']', '') || '127.0.0.1'; if (h === '0.0.0.0') h = '127.0.0.1'; if (h === '::') h = '::1'; fetch('http://' + (h.includes(':') ? '[' + h + ']' : h) + ':' + l.slice(i + 1) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/cli/entry.js"]
CMD ["run"]

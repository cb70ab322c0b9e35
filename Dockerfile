# syntax=docker/dockerfile:1
# The Edge PKI CA service (@edge-pki/ca-service): `docker build -t edge-pki-ca .` from the repository
# root. What it runs and how to deploy it: docs/scaling.md#deployment.

# ---- build: the whole workspace, compiled; then only the service's production files ----
# Same Debian release (bookworm) as the runtime stage, so the native SQLite addon built here loads there.
FROM node:20-bookworm AS build
# The pnpm the lockfile was written with (package.json "packageManager").
RUN npm install --global pnpm@12.4.2
WORKDIR /src
# Dependencies first, from the lockfile alone: this layer stays cached until the lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch
COPY . .
# Compile the native addon (better-sqlite3) against this image's Node headers, with its compiler;
# none of these tools reach the runtime stage.
ENV npm_config_nodedir=/usr/local
RUN pnpm install --frozen-lockfile --offline \
 && pnpm exec tsc -b packages/ca-service \
 && pnpm --filter @edge-pki/ca-service deploy --prod /out
# The SQLite addon needs only its built better_sqlite3.node to run: not SQLite's C sources, the
# object files, the static library or the test extension its build left (17 MB).
RUN cd /out/node_modules/.pnpm/better-sqlite3@*/node_modules/better-sqlite3 \
 && find build -mindepth 1 ! -path build/Release ! -path build/Release/better_sqlite3.node -exec rm -rf {} + \
 && rm -rf deps src binding.gyp

# ---- runtime: Node, the service's dist/ and its production node_modules; no compiler, no pnpm ----
FROM node:20-bookworm-slim
# npm and corepack are not needed to run the service: fewer tools for an intruder, fewer CVEs to patch.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
 && mkdir -p /var/lib/edge-pki \
 && chown 1000:1000 /var/lib/edge-pki \
 && chmod 0700 /var/lib/edge-pki
# Owned by root and read-only to the service's user: it cannot change its own code.
COPY --from=build /out /app
ENV NODE_ENV=production \
    EDGE_PKI_DATA_DIR=/var/lib/edge-pki/data \
    EDGE_PKI_HOST=0.0.0.0 \
    EDGE_PKI_PORT=8443
# The image's `node` user, by number so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
WORKDIR /app
# The data folder (SQLite, local keys, admin.token) lives below this volume; the service makes
# `data` itself with mode 0700, whatever the volume's own mode.
VOLUME /var/lib/edge-pki
EXPOSE 8443
# A non-loopback address needs HTTPS (EDGE_PKI_TLS_CERT, EDGE_PKI_TLS_KEY) or, behind a
# TLS-terminating proxy, EDGE_PKI_ALLOW_PLAIN_HTTP=true: the service refuses to start otherwise.
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
# `start`: create the CA when the key store has none, then serve. `serve` runs only on an existing CA.
CMD ["start"]

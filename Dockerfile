# The service, compiled: three stages so the image holds JavaScript and production dependencies only.
# build: every dependency, then `npm run build` (dist/: src, db, workers, and the views, static files and
# email templates the code reads at run time).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# postinstall applies patches/ (patch-package) to node_modules.
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY db ./db
COPY workers ./workers
RUN npm run build

# deps: production dependencies alone, patched.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# The image: node_modules and dist/ owned by root and read-only to the user that runs the service.
# package.json stays: it makes dist/*.js ES modules ("type": "module").
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# glibc's malloc gives memory freed at the top of an arena back to the system once 128 KB of it is free.
# By default it raises that threshold to twice the largest block freed (up to 64 MB), and the optimizer's
# thread and Node's other threads each have an arena: freed memory stayed resident, and a worker's peak
# during a matching run at fifty times a forum was 318-344 MB against 284-311 MB with this (BENCHMARKS.md,
# issue 12). The bench starts its processes with this stage's MALLOC_ (and GLIBC_TUNABLES) settings.
ENV MALLOC_TRIM_THRESHOLD_=131072
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# Web and worker in one process, migrations first; `node dist/src/main.js --web` and
# `node --max-semi-space-size=4 dist/workers/main.js` run them apart (several of each against the same
# Postgres and Redis; docs/deploy.md says why the worker's flag).
CMD ["node", "dist/src/main.js"]

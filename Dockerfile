# syntax=docker/dockerfile:1
# spis in a container: `docker compose up -d --build` (see docker-compose.yml).
# Multi-stage: the build stage has the compilers and dev tools; the final image has only
# the compiled server, the built PWA, production dependencies and Debian's ffmpeg.
# node:20-bookworm-slim exists for amd64 and arm64 (Raspberry Pi 4/5 with a 64-bit OS),
# and sharp ships prebuilt libvips for both, so no native compile happens here.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first, so a source change does not reinstall them (scripts run after the
# sources are in place: `prepare` compiles them).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
# Everything else (.dockerignore keeps out node_modules, data, media, tests and .git).
COPY . .
# Install scripts of dependencies (prebuilt binaries), then the server and PWA build.
RUN npm rebuild && npm run build && mkdir -p public
# Production dependencies only, after building: no TypeScript, test or lint tools ship.
RUN rm -rf node_modules && npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM ${NODE_IMAGE}
# ffmpeg/ffprobe from Debian for video posters and durations (the npm-bundled binaries
# are x64-centric; Debian's build covers arm64 too). tini reaps ffmpeg children as PID 1.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg tini \
 && rm -rf /var/lib/apt/lists/*
# MALLOC_ARENA_MAX, the young-generation size and gc() for start-up garbage keep a small
# machine's memory small (README).
ENV NODE_ENV=production \
    SPIS_MEDIA=/media \
    SPIS_DATA=/data \
    SPIS_HOST=0.0.0.0 \
    SPIS_PORT=8080 \
    SPIS_LOG_FORMAT=json \
    MALLOC_ARENA_MAX=2 \
    NODE_OPTIONS="--max-semi-space-size=1 --expose-gc"
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/public ./public
COPY --from=build /app/config ./config
# Never root: the image's `node` user (uid 1000) owns the data folder; media is read-only.
RUN mkdir -p /data /media && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# Ready = first index done; a large first index can take minutes (start period).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10m --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/probe/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/spis.js"]
CMD ["serve"]

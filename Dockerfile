# syntax=docker/dockerfile:1
# earshot: self-hosted, Deepgram-compatible speech-to-text.
#   docker build -t earshot .
#   docker run -d -p 7860:7860 -v earshot-data:/app/data -v earshot-models:/app/models earshot
#   docker run --rm -v earshot-data:/app/data earshot create --name laptop      # key management
#   docker run --rm -v earshot-models:/app/models earshot models download small.en

FROM node:24-bookworm-slim AS build
# node-gyp compiles better-sqlite3 and earshot's whisper.cpp addon (native/, sources from the nodejs-whisper package).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Portable SIMD: the image must run on CPUs other than the build host's, so the flags are fixed to the x86-64-v3
# level (AVX2/FMA/F16C, any x86 server since ~2015) instead of read from /proc/cpuinfo (AMX and AVX512 off). The
# build still smoke-runs every weight type and falls back to baseline if the build host cannot run them. Override
# with --build-arg WHISPER_CFLAGS="" for very old CPUs.
ARG WHISPER_CFLAGS="-msse3 -mssse3 -mavx -mavx2 -mfma -mf16c"
ENV EARSHOT_WHISPER_CFLAGS=${WHISPER_CFLAGS} \
    npm_config_nodedir=/usr/local
# (the official image keeps Node's headers under /usr/local, where .npmrc's nodedir=/usr does not look)
COPY package.json package-lock.json .npmrc ./
COPY scripts ./scripts
COPY native ./native
RUN npm ci --omit=dev && npm cache clean --force
COPY . .

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=7860 \
    DATABASE_PATH=/app/data/earshot.db \
    MODELS_DIR=/app/models
WORKDIR /app
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /app/data /app/models && chown node:node /app/data /app/models \
 && ln -s /app/bin/earshot.mjs /usr/local/bin/earshot
USER node
VOLUME ["/app/data", "/app/models"]
EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||7860)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# `docker run … earshot <command>` runs the CLI (create, list, revoke, models …); no arguments starts the server.
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]

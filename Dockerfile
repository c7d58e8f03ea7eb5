# syntax=docker/dockerfile:1
# earshot: self-hosted, Deepgram-compatible speech-to-text.
#   docker build -t earshot .
#   docker run -d -p 7860:7860 -v earshot-data:/app/data -v earshot-models:/app/models earshot
#   docker run --rm -v earshot-data:/app/data earshot create --name laptop      # key management
#   docker run --rm -v earshot-models:/app/models earshot models download small.en
#
# The image holds only what runs. Size of /app on linux/amd64 (du -sh, MiB), measured by replaying these steps
# outside Docker (no daemon where earshot is developed): 475 MB before #19 (the whole build context over a plain
# `npm ci --omit=dev`: every platform's onnxruntime-node (288 MB) and better-sqlite3 binaries, whisper.cpp's
# sources, the addon's object files, tests, benchmarks), 130 MB now: onnxruntime's linux/x64 binary is 45 MB of
# it, protobufjs 18 MB (it leaves with onnx-proto), node_modules 126 MB in all.

FROM node:24-bookworm-slim AS build
# node-gyp compiles earshot's whisper.cpp addon (native/, sources from the nodejs-whisper package).
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
# (the official image keeps Node's headers under /usr/local: node-gyp compiles against them, downloading nothing)
COPY package.json package-lock.json .npmrc ./
COPY scripts ./scripts
COPY native ./native
RUN npm ci --omit=dev && npm cache clean --force && sh scripts/docker-prune.sh

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=7860 \
    DATABASE_PATH=/app/data/earshot.db \
    MODELS_DIR=/app/models
WORKDIR /app
# What runs, and nothing else: the code (owned by root, so the server cannot rewrite itself), the production
# dependencies as docker-prune.sh left them, and the addon with its build record (not its object files).
COPY package.json LICENSE ./
COPY bin ./bin
COPY src ./src
COPY public ./public
COPY migrations ./migrations
COPY scripts/docker-entrypoint.sh ./scripts/
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/native/build/earshot-build.json ./native/build/
COPY --from=build /app/native/build/Release/earshot_whisper.node ./native/build/Release/
RUN mkdir -p /app/data /app/models && chown node:node /app/data /app/models \
 && ln -s /app/bin/earshot.mjs /usr/local/bin/earshot
USER node
VOLUME ["/app/data", "/app/models"]
EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||7860)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# `docker run … earshot <command>` runs the CLI (create, list, revoke, models …); no arguments starts the server.
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]

#!/bin/sh
# Container entry: no arguments (or `serve`) starts the server; anything else is an `earshot` CLI command,
# so `docker run … earshot create --name X` manages keys in the same data volume. An explicit `earshot`
# first word is accepted too.
set -e
[ "$1" = "earshot" ] && shift
if [ "$#" -eq 0 ] || [ "$1" = "serve" ]; then
  exec node src/server.ts
fi
exec node bin/earshot.mjs "$@"

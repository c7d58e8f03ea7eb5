#!/usr/bin/env bash
# promtool, Prometheus's checker for the text format /metrics serves (test/helpers/prometheus.ts runs
# `promtool check metrics`). Debian ships it only inside the `prometheus` package, whose install would also set up
# the Prometheus server; this unpacks the package and links promtool alone, so no service is installed or started.
set -euo pipefail
dest=${PROMTOOL_DIR:-/opt/promtool}
work=$(mktemp -d)
chmod 755 "$work" # apt downloads as its own _apt user
trap 'rm -rf "$work"' EXIT
(cd "$work" && { apt-get download prometheus || { apt-get update && apt-get download prometheus; }; })
mkdir -p "$dest"
dpkg-deb -x "$work"/prometheus_*.deb "$dest"
ln -sf "$dest/usr/bin/promtool" /usr/local/bin/promtool
promtool --version | head -1

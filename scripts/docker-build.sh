#!/usr/bin/env bash
# `docker build` with BuildKit, reaching the npm registry the way the host's npm does: its registry as
# the NPM_CONFIG_REGISTRY build argument, its proxies as Docker's predefined proxy arguments (RUN sees
# them; the image records none of them) and its CA file (`npm config get cafile`, or $NPM_CA_FILE) as
# the BuildKit secret npm_ca, which exists only while the RUN that mounts it runs.
# Usage: scripts/docker-build.sh <docker build arguments…>
set -euo pipefail
here=$(dirname "$0")
docker=$("$here/docker-cli.sh")

npm_setting() {
  local value
  value=$(npm config get "$1")
  [ "$value" = null ] || [ "$value" = undefined ] || echo "$value"
}

flags=(--build-arg "NPM_CONFIG_REGISTRY=$(npm_setting registry)")
cafile=${NPM_CA_FILE:-$(npm_setting cafile)}
[ -z "$cafile" ] || flags+=(--secret "id=npm_ca,src=$cafile")
for pair in https-proxy:HTTPS_PROXY proxy:HTTP_PROXY noproxy:NO_PROXY; do
  value=$(npm_setting "${pair%%:*}")
  [ -z "$value" ] || flags+=(--build-arg "${pair#*:}=$value")
done
DOCKER_BUILDKIT=1 exec nice "$docker" build "${flags[@]}" "$@"

#!/usr/bin/env bash
# Prints the docker client that can build with BuildKit (the Dockerfiles use RUN --mount=type=secret):
# $DOCKER when set; else `docker` when it has the buildx plugin or predates it (Docker < 23 builds with
# BuildKit itself); else Debian docker.io's /usr/bin/docker, which talks to the same daemon.
set -euo pipefail
if [ -n "${DOCKER:-}" ]; then echo "$DOCKER"; exit 0; fi
builds_with_buildkit() {
  "$1" buildx version >/dev/null 2>&1 && return 0
  local major
  # The client version prints even when no daemon answers (the command then exits 1).
  major=$("$1" version --format '{{.Client.Version}}' 2>/dev/null | cut -d. -f1 || true)
  [ -n "$major" ] && [ "$major" -lt 23 ]
}
for candidate in docker /usr/bin/docker; do
  if command -v "$candidate" >/dev/null && builds_with_buildkit "$candidate"; then command -v "$candidate"; exit 0; fi
done
echo "no docker client that builds with BuildKit: install the buildx plugin (or Debian's docker.io), or set DOCKER" >&2
exit 1

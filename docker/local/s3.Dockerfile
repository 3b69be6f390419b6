# Stands in for MinIO where no registry can be reached: s3rver (the S3 server the tests use) from the
# npm registry, serving the S3 protocol on :9000 with MinIO's root credentials. The host's npm CA file,
# when it has one, is a build secret (never in a layer), as for docker/Dockerfile.
FROM node:24-bookworm-slim AS deps
ARG S3RVER_VERSION
ARG NPM_CONFIG_REGISTRY
WORKDIR /srv/s3
RUN --mount=type=secret,id=npm_ca \
    if [ -f /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi \
 && npm init -y >/dev/null \
 && npm install --omit=dev --no-fund --no-audit "s3rver@${S3RVER_VERSION:?pass --build-arg S3RVER_VERSION}" \
 && npm cache clean --force

FROM node:24-bookworm-slim
WORKDIR /srv/s3
COPY --from=deps /srv/s3 /srv/s3
COPY s3-server.cjs s3-buckets.cjs /srv/s3/
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 9000
ENTRYPOINT ["node", "/srv/s3/s3-server.cjs"]

# Stand-in for redis:7-alpine, from Debian packages (scripts/offline_base_images.sh):
# redis-server and redis-cli on the PATH, data in /data, run as user redis.
ARG DEBIAN_IMAGE=shelfwise-offline/debian:bookworm
FROM ${DEBIAN_IMAGE}
# Stable's current packages: bookworm only takes fixes, so versions are not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends redis-server redis-tools \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown redis:redis /data
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
WORKDIR /data
# The package's system user (its uid is chosen at install time).
# hadolint ignore=DL3066
USER redis
EXPOSE 6379
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]

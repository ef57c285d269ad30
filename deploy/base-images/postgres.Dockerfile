# Stand-in for postgres:16-alpine, from Debian packages (scripts/offline_base_images.sh):
# bookworm's PostgreSQL 15, the official image's POSTGRES_USER / POSTGRES_PASSWORD /
# POSTGRES_DB initialisation, data in /var/lib/postgresql/data, pg_isready on the PATH.
ARG DEBIAN_IMAGE=shelfwise-offline/debian:bookworm
FROM ${DEBIAN_IMAGE}
# No cluster from the package: the entrypoint creates one in PGDATA on first start.
# Stable's current packages: bookworm only takes fixes, so versions are not pinned.
# hadolint ignore=DL3008
RUN mkdir -p /etc/postgresql-common \
    && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf \
    && apt-get update \
    && apt-get install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
    && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \
    && chmod 700 /var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data LANG=C.UTF-8
# The package's system user (its uid is chosen at install time).
# hadolint ignore=DL3066
USER postgres
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]

# Stand-in for python:3.11-slim-bookworm, from Debian packages (scripts/offline_base_images.sh).
# Like the official image: `python` and `pip` on the PATH, and pip installs where it runs
# (a virtual environment, not Debian's externally managed system Python).
ARG DEBIAN_IMAGE=shelfwise-offline/debian:bookworm
FROM ${DEBIAN_IMAGE}
# Stable's current packages: bookworm only takes fixes, so versions are not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /usr/local/python \
    && printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > /etc/pip.conf
ENV PATH=/usr/local/python/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8
CMD ["python3"]

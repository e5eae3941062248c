# cloudlabs image: the embedded emulator (`labkit serve`) and, with another command, the
# learner's JupyterLab. docker-compose.yml runs both services from this one image, so the
# containerised emulator is the same code a learner gets with `labkit up`.
#
#   docker build -t cloudlabs .
#   docker run --rm -p 127.0.0.1:4566:4566 cloudlabs            # emulator on the host's loopback
#
# Base pinned to a patch release (bookworm ships PostgreSQL 15); bump deliberately.
FROM python:3.11.15-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# PostgreSQL server binaries, for parity with environment.yml: labkit's RDS extension backs
# DB instances with a real PostgreSQL. Only the binaries: Debian's automatic "main" cluster is
# switched off before the server package is installed, labkit creates its own data dirs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-common \
    && sed -ri 's/^#?\s*create_main_cluster\s*=.*/create_main_cluster = false/' \
        /etc/postgresql-common/createcluster.conf \
    && apt-get install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/*
ENV PATH="/usr/lib/postgresql/15/bin:${PATH}"

# A non-root user owns everything the containers write. Its uid can match the host user's so
# that notebooks saved into the bind-mounted labs/ stay editable on the host:
#   LEARNER_UID=$(id -u) docker compose build
ARG LEARNER_UID=1000
RUN useradd --create-home --uid "${LEARNER_UID}" --shell /bin/bash learner

# Install the project (not editable) from a throw-away copy. .dockerignore keeps .venv, .git,
# caches, solutions/ (instructor sources), tests/, labs/ and any .env out of the build context.
COPY . /tmp/cloudlabs-src
RUN pip install /tmp/cloudlabs-src && rm -rf /tmp/cloudlabs-src

USER learner
WORKDIR /home/learner
ENV LABKIT_HOME=/home/learner/.labkit

EXPOSE 4566

# The emulator answers LocalStack's health endpoint; no curl in the slim image, so python.
# (docker-compose.yml gives the jupyter service its own healthcheck.)
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:4566/_localstack/health', timeout=2)"]

# Bind 0.0.0.0, not labkit's default 127.0.0.1: inside a container, loopback is the
# container's own, and Docker forwards published ports (and other containers' traffic, e.g.
# jupyter -> emulator:4566) to the container's network interface, so a server bound to
# 127.0.0.1 would be unreachable from everywhere. Who can reach it from outside is decided
# where the port is published: docker-compose.yml publishes on the host's 127.0.0.1 only.
CMD ["labkit", "serve", "--host", "0.0.0.0", "--port", "4566"]

# syntax=docker/dockerfile:1
# The adapterplane control plane: `adapterplane serve`, `adapterplane migrate` and `adapterctl`.
#
#   docker build -f docker/control-plane.Dockerfile -t REGISTRY/adapterplane/control-plane:0.1.0 .
#
# Pin the base by digest for reproducible builds:
#   --build-arg PYTHON_IMAGE=python:3.12.12-slim-bookworm@sha256:...
ARG PYTHON_IMAGE=python:3.12.12-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/adapterplane
ENV PATH=/opt/adapterplane/bin:$PATH
# The locked dependencies first: this layer is reused until the lock changes.
COPY docker/requirements/control-plane.txt /tmp/requirements.txt
RUN pip install --no-deps --requirement /tmp/requirements.txt
COPY pyproject.toml README.md /src/
COPY control_plane /src/control_plane
COPY vllm_plugin /src/vllm_plugin
COPY migrations /src/migrations
# Everything comes from the lock; `pip check` fails the build if the lock misses a dependency.
RUN pip install --no-deps /src \
 && pip check \
 && adapterplane --help >/dev/null \
 && adapterctl --help >/dev/null

FROM ${PYTHON_IMAGE}
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="adapterplane control plane" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
# uid/gid 10001: the chart's runAsUser/fsGroup. /data holds SQLite and the file store when used.
RUN groupadd --system --gid 10001 adapterplane \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin adapterplane \
 && install -d -o 10001 -g 10001 -m 0750 /data
COPY --from=build /opt/adapterplane /opt/adapterplane
ENV PATH=/opt/adapterplane/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ADAPTERPLANE_DATA_DIR=/data
WORKDIR /data
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["adapterplane"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]

# syntax=docker/dockerfile:1
# An adapterplane vLLM worker: the official vLLM OpenAI image plus the adapterplane plugin
# (`adapterplane worker` starts vLLM's OpenAI server with LoRA and the plugin enabled).
#
#   docker build -f docker/worker.Dockerfile -t REGISTRY/adapterplane/worker:0.1.0 .
#
# VLLM_IMAGE must stay inside pyproject's `worker` extra (vllm>=0.26,<0.34). Pin it by digest for
# reproducible builds: --build-arg VLLM_IMAGE=vllm/vllm-openai:v0.32.0@sha256:...
ARG VLLM_IMAGE=vllm/vllm-openai:v0.32.0
FROM ${VLLM_IMAGE}

ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="adapterplane vLLM worker" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

COPY docker/requirements/control-plane.txt docker/worker_constraints.py /tmp/build/
COPY pyproject.toml README.md /tmp/build/src/
COPY control_plane /tmp/build/src/control_plane
COPY vllm_plugin /tmp/build/src/vllm_plugin
COPY migrations /tmp/build/src/migrations
# The image's packages (vLLM, torch, fastapi...) keep their versions; the plugin's other
# dependencies come from the lock. The build fails rather than upgrade anything vLLM relies on.
RUN python3 /tmp/build/worker_constraints.py /tmp/build/control-plane.txt > /tmp/build/constraints.txt \
 && python3 -m pip install --constraint /tmp/build/constraints.txt "/tmp/build/src[worker]" \
 && python3 -c "from importlib.metadata import entry_points as ep; \
assert [e for e in ep(group='vllm.general_plugins') if e.name == 'adapterplane']; \
assert [e for e in ep(group='vllm.endpoint_plugins') if e.name == 'adapterplane']" \
 && adapterplane worker --help >/dev/null \
 && rm -rf /tmp/build

# uid/gid 10001: the chart's runAsUser/fsGroup. The chart mounts volumes on these paths and keeps
# the root filesystem read-only: $HOME takes vLLM's, Triton's and FlashInfer's caches.
RUN groupadd --gid 10001 adapterplane \
 && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/adapterplane \
      --shell /usr/sbin/nologin adapterplane \
 && install -d -o 10001 -g 10001 /models /models/huggingface /var/lib/adapterplane
ENV HOME=/home/adapterplane \
    HF_HOME=/models/huggingface \
    ADAPTERPLANE_DATA_DIR=/var/lib/adapterplane \
    VLLM_NO_USAGE_STATS=1 \
    DO_NOT_TRACK=1 \
    PYTHONUNBUFFERED=1
WORKDIR /home/adapterplane
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["adapterplane", "worker"]

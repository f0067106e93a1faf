# mediaframe: two commands on a fresh machine.
#   make demo   create .venv, install everything, run the main job on the seed corpus
#   make test   same set-up, then the whole test suite (slow tests included)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TORCH  ?= torch==2.13.0

.PHONY: demo test install clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e ".[test,ray,onnx]"
	touch $(STAMP)

demo: install
	$(BIN)/mediaframe demo

test: install
	bash scripts/install-chromium.sh
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info

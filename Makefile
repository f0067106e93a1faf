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
	$(BIN)/pip install --quiet -e ".[test,ray]"
	touch $(STAMP)

OUT    := out
SEED   := data/seed
GOLD   := data/gold/seed_gold.jsonl

# The main job on the embedded seed corpus: build -> train -> distill -> evaluate -> predict -> compare.
# models/default is the student of models/teacher: three layers, 768 feed-forward units each; faster, as accurate on held-out news.
demo: install
	$(BIN)/mediaframe build $(SEED) --target Netflix --gold $(GOLD) --out $(OUT)/seed-dataset --folds --force
	$(BIN)/mediaframe train $(OUT)/seed-dataset --out models/teacher --force
	$(BIN)/mediaframe distill models/teacher --out models/default --corpus $(SEED) --target Netflix --force
	$(BIN)/mediaframe evaluate models/default $(OUT)/seed-dataset --json $(OUT)/evaluation.json --out $(OUT)/evaluation --force
	$(BIN)/mediaframe predict models/default $(SEED) --target Netflix --out $(OUT)/predictions.jsonl --articles $(OUT)/articles.csv --force
	$(BIN)/mediaframe compare $(OUT)/predictions.jsonl --by outlet --out $(OUT)/report --force
	@echo "report: $(OUT)/report/report.html"

test: install
	bash scripts/install-chromium.sh
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info

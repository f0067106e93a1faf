"""Does reading the context help? Sentence-alone against in-context models on held-out articles of the training sources.

Two models trained by one recipe on the same data and seed, one reading each sentence alone
(`model.context = "none"`) and one reading it after its context (`"before"`: the article's title and
the sentence before, records.sentence_context), are scored on the validation split `train` held out
for both: the dataset's validation articles and `training.extra_validation_fraction` of each pooled
source's articles (the same split for both models: it depends on the rows and the seed only). Never
Narrative Frames fold 5 or the FinEntity test fifth. Prints macro-F1 per task for all held-out rows, for
the sentences that mention the target and those that do not, and per source.

    for ctx in none before; do mediaframe train out/seed-dataset --out models/ctx-$ctx --base minilm \\
        --set training.replay_rows=0 --set training.epochs=1 --set 'training.extra_stance_data=""' \\
        --set model.context="\"$ctx\""; done
    .venv/bin/python bench/context.py out/seed-dataset models/ctx-none models/ctx-before

(NewsMTSC is left out of this comparison: its rows are single sentences without their article, so it
cannot tell the two apart, and it would double the training time.)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from mediaframe.config import load_config
from mediaframe.inference.predictor import Predictor
from mediaframe.labels.codebook import codebook_for
from mediaframe.records import TASKS
from mediaframe.training.data import extra_sources, load_training_data
from mediaframe.training.train import prepare_splits


def held_out_rows(data: Path, model: Path) -> tuple[list[dict], dict[str, str]]:
    """The validation rows `train` held out with the model's own configuration, and each row's source by id."""
    cfg = load_config(model / "config.toml")
    labels = {task: list(codebook_for(cfg.labeling).labels(task)) for task in TASKS}
    sources = extra_sources(cfg)
    splits = prepare_splits(load_training_data(data, cfg), cfg, labels, sources)
    source_of = {row["id"]: source.name for source in sources for row in source.rows}
    return splits["validation"].to_list(), source_of


def scores(model: Path, rows: list[dict], groups: dict[str, list[int]]) -> dict[str, dict[str, float]]:
    """Macro-F1 per task on each group of rows (indices into `rows`), over the labels the group's gold uses."""
    predictor = Predictor(model, 64, "fp32")
    probs = predictor.predict_proba([r["text"] for r in rows], [r["target"] for r in rows], [r["mentions"] for r in rows],
                                    [r.get("context") for r in rows])
    out: dict[str, dict[str, float]] = {}
    for name, index in groups.items():
        out[name] = {}
        for task in TASKS:
            kept = [i for i in index if rows[i][task] is not None]
            if kept:
                gold = [rows[i][task] for i in kept]
                guess = [predictor.labels[task][j] for j in np.asarray(probs[task])[kept].argmax(1)]
                out[name][task] = float(f1_score(gold, guess, labels=sorted(set(gold)), average="macro", zero_division=0))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the dataset both models trained on")
    parser.add_argument("models", type=Path, nargs="+", help="model folders trained on it with one recipe and seed")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    rows, source_of = held_out_rows(args.data, args.models[0])
    groups = {"all": list(range(len(rows))),
              "mentioning": [i for i, r in enumerate(rows) if r["mentions"]],
              "not mentioning": [i for i, r in enumerate(rows) if not r["mentions"]]}
    for name in sorted({source_of.get(r["id"], "data") for r in rows}):
        groups[f"source {name}"] = [i for i, r in enumerate(rows) if source_of.get(r["id"], "data") == name]
    with_context = sum(1 for r in rows if r.get("context"))
    print(f"{len(rows)} held-out rows ({with_context} with context); " +
          ", ".join(f"{name}: {len(index)}" for name, index in groups.items()))
    results = {str(model): scores(model, rows, groups) for model in args.models}
    print(f"\n{'rows':<26}" + "".join(f"{model.name:>28}" for model in args.models))
    for name in groups:
        cells = [" / ".join(f"{results[str(m)][name].get(t, float('nan')):.3f}" for t in TASKS) for m in args.models]
        print(f"{name:<26}" + "".join(f"{c:>28}" for c in cells))
    print("(stance / sentiment / frame macro-F1)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Per-source validation scores of a model trained with held-out extra-source articles (`mixed` transfer).

Training holds out `training.extra_validation_fraction` of each extra source's articles (seeded) and
chooses its snapshot on them; this script rebuilds those held-out rows from the model's own config
and scores the model on each source apart, beside VADER, the majority class and the weak labeler.
These are development figures (the snapshot was chosen on them); the test figures come from
fold 5 of the Narrative Frames Corpus (`mediaframe evaluate MODEL narrative_frames_test`).

    python bench/held_out_sources.py models/default [--sources written,narrative_frames,newsmtsc]
    python bench/held_out_sources.py models/default --without-prior-correction   # the same model before it
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import torch

from mediaframe.config import load_config
from mediaframe.dataset.splits import hold_out_articles
from mediaframe.evaluation.baseline_data import model_config
from mediaframe.evaluation.scoring import evaluate
from mediaframe.model.modeling import LoadedModel, load_model
from mediaframe.training.data import named_source


def main() -> int:
    args = parse_args()
    logging.basicConfig(level=logging.WARNING)
    loaded = load_model(args.model)
    cfg = model_config(loaded.meta, load_config())
    if args.without_prior_correction:
        undo_prior_correction(loaded, args.model)
    table = {}
    for name in args.sources.split(","):
        source = named_source(name, cfg)
        _, held = hold_out_articles(source.rows, cfg.training.extra_validation_fraction, cfg.seed)
        result = evaluate(loaded, held, cfg, None)
        table[name] = {task: {"model": scores["macro_f1"]} | {b: v["macro_f1"] for b, v in scores["baselines"].items()}
                       for task, scores in result.tasks.items()}
        print(f"{name} ({len(held)} held-out rows): " + "; ".join(
            f"{task} " + ", ".join(f"{s} {v:.3f}" for s, v in systems.items()) for task, systems in table[name].items()))
    if args.json:
        args.json.write_text(json.dumps(table, indent=2), encoding="utf-8")
    return 0


def undo_prior_correction(loaded: LoadedModel, folder: Path) -> None:
    """Subtract the label-prior offsets training added to the head biases (metrics.json records them)."""
    offsets = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))["training"].get("label_prior_offsets", {})
    with torch.no_grad():
        for task, by_label in offsets.items():
            bias = loaded.model.heads[task].bias
            bias -= torch.tensor([by_label[label] for label in loaded.labels(task)], dtype=bias.dtype)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--sources", default="written,narrative_frames,newsmtsc")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--without-prior-correction", action="store_true", help="score the model before the correction")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())

"""Target mentions against the hand-labeled `mentions_target` of the team's labeled sets.

A false mention costs as much as a missed one, so precision and recall are printed side by side
for each set: the seed gold (whole articles, as `predict` reads them), the Narrative Frames
sentences (folds 1-4 and the fold-5 test set, found in their articles' context) and the written
coverage.

    python bench/mentions.py [--window N]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mediaframe.config import load_config
from mediaframe.corpus.reading import read_articles
from mediaframe.corpus.sentences import corpus_sentences
from mediaframe.labels.registry import load_source

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: data/seed and data/gold


def main() -> int:
    args = parse_args()
    cfg = load_config(overrides=[f"targets.descriptor_window={args.window}"] if args.window else [])
    gold = {json.loads(line)["id"]: json.loads(line)["mentions_target"]
            for line in (REPO_ROOT / "data" / "gold" / "seed_gold.jsonl").open(encoding="utf-8")}
    seed = [(s.mentions_target, gold[s.id]) for s in corpus_sentences(read_articles(REPO_ROOT / "data" / "seed", cfg.data),
                                                                      "Netflix", cfg) if s.id in gold]
    sets = {"seed gold": seed}
    for name in ("narrative_frames", "narrative_frames_test", "written"):
        sets[name] = [(bool(r["mentions"]), r["mentions_target"]) for r in load_source(name, cfg).rows]
    for name, pairs in sets.items():
        tp = sum(found and truth for found, truth in pairs)
        fp = sum(found and not truth for found, truth in pairs)
        fn = sum(truth and not found for found, truth in pairs)
        print(f"{name:24} n {len(pairs):5}  precision {tp / max(1, tp + fp):.3f}  recall {tp / max(1, tp + fn):.3f}  "
              f"(false mentions {fp}, missed {fn})")
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=int, default=0, help="targets.descriptor_window (0: the config's)")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())

"""Does net stance separate heroes from villains? The Narrative Frames roles test, fold 5 only.

The Narrative Frames Corpus (Frermann et al., ACL 2023) marks each article's key entities as
hero, villain or victim; nobody on the team labeled these roles. For every (fold-5 article,
entity) with role hero or villain, the article is scored as `mediaframe predict` scores it, with
that entity as the target; the entity's net stance is the favor share minus the against share of
the sentences that mention it. The AUC of net stance for "hero" over "villain" is printed beside
VADER's (mean compound of the same sentences) and the mean of P(favor) - P(against).

    python bench/nfc_roles.py models/default [--benchmarks ../shared/benchmarks] [--json out.json]
    python bench/nfc_roles.py MODEL --fold 4   # a development fold (its articles may be in the training pool)
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from mediaframe.config import load_config
from mediaframe.corpus.mentions import MentionFinder
from mediaframe.corpus.sentences import article_sentences
from mediaframe.inference.predictor import Predictor
from mediaframe.labels.sources import NFC_TEST_FOLD, nfc_articles, nfc_folds
from mediaframe.predict.prediction_rows import score_rows
from mediaframe.predict.rows import ARTICLE_SENTENCE_FIELDS
from mediaframe.records import Article, sentence_row

PRONOUNS = {"they", "their", "them", "he", "his", "she", "her", "it", "its", "we", "us", "our", "you", "i", "him", "who"}


def main() -> int:
    args = parse_args()
    cfg = load_config(overrides=[f"sources.benchmarks={args.benchmarks}"])
    folder = args.benchmarks / "narrative_frames"
    articles, folds = nfc_articles(folder), nfc_folds(folder)
    pairs = role_pairs(folder / "role_and_frame_annoations.tsv", folds, args.fold)
    predictor = Predictor(str(args.model), dtype="fp32")
    vader = SentimentIntensityAnalyzer()
    scores: dict[str, list[float]] = defaultdict(list)
    roles, skipped = [], 0
    for (article_id, entity), role in sorted(pairs.items()):
        article = Article(id=article_id, text=articles[article_id]["text"], outlet=articles[article_id]["source"])
        rows = [sentence_row(s, ARTICLE_SENTENCE_FIELDS) for s in article_sentences(article, entity, cfg) if s.mentions]
        if not rows:
            skipped += 1
            continue
        predicted = score_rows(predictor, MentionFinder(), rows, default_target=entity)
        stances = [p["stance"] for p in predicted]
        scores["mediaframe net stance"].append((stances.count("favor") - stances.count("against")) / len(stances))
        scores["mediaframe mean P(favor)-P(against)"].append(
            float(np.mean([p["stance_probs"]["favor"] - p["stance_probs"]["against"] for p in predicted])))
        scores["VADER mean compound"].append(float(np.mean([vader.polarity_scores(r["text"])["compound"] for r in rows])))
        roles.append(1 if role == "hero" else 0)
    result = {"pairs": len(roles), "heroes": sum(roles), "villains": len(roles) - sum(roles),
              "skipped_no_mention": skipped, "auc": {name: round(roc_auc_score(roles, values), 4)
                                                     for name, values in scores.items()}}
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


def role_pairs(path: Path, folds: dict[str, str], fold: str) -> dict[tuple[str, str], str]:
    """(article of `fold`, entity) -> hero or villain; pronouns and entities with both roles are left out."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            entity = row["entity"].strip()
            if folds.get(row["ID"]) == fold and row["role"] in ("hero", "villain") and entity.lower() not in PRONOUNS:
                found[(row["ID"], entity)].add(row["role"])
    return {key: next(iter(roles)) for key, roles in found.items() if len(roles) == 1}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--benchmarks", type=Path, default=Path("../shared/benchmarks"))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--fold", default=NFC_TEST_FOLD, help="the authors' fold (5, the test fold, unless developing)")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())

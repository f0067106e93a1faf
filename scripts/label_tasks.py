"""Write annotation task sheets for the team's labels of public real news (data/labels/).

Each sheet lists units to label by reading them in their article: (sentence, target) pairs keyed
by the source's own ids and the sentence's offsets as mediaframe's segmenter splits the text.
Nothing here proposes a label; annotators write every label themselves (../shared/CODEBOOK.md).

Example: python scripts/label_tasks.py finentity --out out/labeling/finentity
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

from mediaframe.config import load_config
from mediaframe.corpus.segmentation import split_article
from mediaframe.labels.sources import NEWSMTSC_KEY, nfc_articles, nfc_folds, read_labels, text_hash
from mediaframe.records import Article

SEED = 13
BATCH = 400


def finentity_units(benchmarks: Path, cfg) -> list[dict]:
    """Every sentence of every passage, once per labeled entity string of the passage."""
    passages = json.loads((benchmarks / "finentity" / "FinEntity.json").read_text(encoding="utf-8"))
    units = []
    for number, passage in enumerate(passages):
        article_id = f"fe-{number}"
        entities = list(dict.fromkeys(a["value"] for a in passage["annotations"]))
        ARTICLE_TEXT[article_id] = passage["content"]
        sentences = split_article(Article(id=article_id, text=passage["content"]), cfg.segmentation)
        for sentence in sentences:
            for entity in entities:
                units.append({"unit": f"{article_id}:{sentence.index}:{entities.index(entity)}",
                              "article_id": article_id, "passage": number, "index": sentence.index,
                              "start": sentence.start, "end": sentence.end, "entity": entity,
                              "text": sentence.text, "sha1": text_hash(sentence.text)})
    return units


def nfc_units(benchmarks: Path, labels: Path, cfg) -> list[dict]:
    """Folds 1-4: sentences not yet labeled that name an entity, or follow or precede one that does."""
    folder = benchmarks / "narrative_frames"
    articles, folds = nfc_articles(folder.resolve()), nfc_folds(folder)
    done = {(str(r["article_id"]), r["start"], r["entity"]) for r in read_labels(labels / "narrative_frames.jsonl")}
    entities: dict[str, list[str]] = {}
    with (folder / "role_and_frame_annoations.tsv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            name = row["entity"].strip()
            if len(name) > 2 and name.lower() not in {"they", "them", "we", "us", "he", "she", "it", "you"}:
                entities.setdefault(row["ID"], [])
                if name not in entities[row["ID"]]:
                    entities[row["ID"]].append(name)
    rng = random.Random(SEED)
    units = []
    order = sorted(entities, key=int)
    rng.shuffle(order)
    for article_id in order:
        if folds.get(article_id) in (None, "5") or article_id not in articles:
            continue
        text = ARTICLE_TEXT[article_id] = articles[article_id]["text"]
        sentences = split_article(Article(id=article_id, text=text), cfg.segmentation)
        for position, entity in enumerate(entities[article_id][:4]):
            naming = [i for i, s in enumerate(sentences) if entity.lower() in s.text.lower()]
            near = {j for i in naming[:4] for j in (i - 1, i, i + 1) if 0 <= j < len(sentences)}
            other = [i for i in range(len(sentences)) if i not in near]
            chosen = sorted(near | set(rng.sample(other, min(2, len(other)))))
            for i in chosen:
                s = sentences[i]
                if (article_id, s.start, entity) in done:
                    continue
                units.append({"unit": f"nfc{article_id}-{s.index}-e{position}", "article_id": article_id,
                              "index": s.index, "start": s.start, "end": s.end, "entity": entity,
                              "fold": folds[article_id], "mbfc": articles[article_id]["mbfc"],
                              "text": s.text, "sha1": text_hash(s.text)})
    return units


def newsmtsc_units(benchmarks: Path, labels: Path, count: int) -> list[dict]:
    """Train sentences not yet labeled, drawn at random (one unit per sentence)."""
    done = {r["key"] for r in read_labels(labels / "newsmtsc_train.jsonl")}
    sentences: dict[str, str] = {}
    with (benchmarks / "newsmtsc" / "split_flat" / "train.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            sentences.setdefault(NEWSMTSC_KEY.sub("", row["id"]), row["sentence"])
    keys = sorted(k for k in sentences if k not in done)
    random.Random(SEED).shuffle(keys)
    return [{"unit": k, "key": k, "text": sentences[k], "sha1": text_hash(sentences[k])} for k in keys[:count]]


def write_batches(units: list[dict], out: Path, key: str) -> None:
    """Batches of about BATCH units that never split an article."""
    out.mkdir(parents=True, exist_ok=True)
    batch, number = [], 0
    for i, unit in enumerate(units):
        batch.append(unit)
        last = i + 1 == len(units) or units[i + 1].get(key) != unit.get(key)
        if len(batch) >= BATCH and last:
            write(out / f"batch_{number:02d}.jsonl", batch)
            batch, number = [], number + 1
    if batch:
        write(out / f"batch_{number:02d}.jsonl", batch)
    write_second_sample(units, out, key)
    print(f"{len(units)} units -> {number + 1} batches in {out}", file=sys.stderr)


def write_second_sample(units: list[dict], out: Path, key: str, share: float = 0.12) -> None:
    """A seeded sample of whole articles (about `share` of the units) for the independent second annotator."""
    groups = list(dict.fromkeys(u.get(key) for u in units))
    random.Random(SEED + 1).shuffle(groups)
    chosen, size = set(), 0
    for group in groups:
        if size >= share * len(units):
            break
        chosen.add(group)
        size += sum(1 for u in units if u.get(key) == group)
    write(out / "second.jsonl", [u for u in units if u.get(key) in chosen])
    print(f"second annotation: {size} units of {len(chosen)} articles", file=sys.stderr)


def write(path: Path, rows: list[dict]) -> None:
    """The batch as JSONL, and beside it a reading view: each article's sentences numbered, then its units."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    path.with_suffix(".md").write_text(reading_view(rows), encoding="utf-8")


def reading_view(rows: list[dict]) -> str:
    if "article_id" not in rows[0]:
        return "".join(f"{r['unit']}\t{' / '.join(r['text'].splitlines())}\n" for r in rows)
    cfg = load_config()
    parts = []
    for article_id in dict.fromkeys(r["article_id"] for r in rows):
        units = [r for r in rows if r["article_id"] == article_id]
        parts.append(f"## article {article_id}\n")
        parts.extend(f"[{s.index}] {s.text}\n" for s in split_article(Article(id=article_id, text=ARTICLE_TEXT[article_id]),
                                                                        cfg.segmentation))
        parts.append("\nunits (unit id | sentence | target):\n")
        parts.extend(f"{u['unit']} | [{u['index']}] | {u['entity']}\n" for u in units)
        parts.append("\n")
    return "".join(parts)


ARTICLE_TEXT: dict[str, str] = {}  # article id -> the text its sentences were split from


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", choices=["finentity", "narrative_frames", "newsmtsc"])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=3200, help="NewsMTSC sentences to draw")
    args = parser.parse_args()
    cfg = load_config()
    benchmarks, labels = Path(cfg.sources.benchmarks), Path(cfg.sources.labels)
    if args.source == "finentity":
        write_batches(finentity_units(benchmarks, cfg), args.out, "article_id")
    elif args.source == "narrative_frames":
        write_batches(nfc_units(benchmarks, labels, cfg)[: args.count], args.out, "article_id")
    else:
        write_batches(newsmtsc_units(benchmarks, labels, args.count), args.out, "unit")


if __name__ == "__main__":
    main()

"""Merge the annotators' sheets into the project's label files (data/labels/) and record their agreement.

Each set has first-annotator sheets (batch_NN.first.tsv), an independent second annotation of a
sample (second.annotator2.tsv) and the adjudicator's decisions on their disagreements
(adjudicated.tsv: unit, task, label). The label kept is the adjudicated one where the two differed.
Units noted `boilerplate` (wire codes, credits) are left out.

Example: python scripts/merge_labels.py finentity --sheets out/labeling/finentity
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from sklearn.metrics import cohen_kappa_score
from sklearn.model_selection import GroupShuffleSplit

SEED = 13
TASKS_OF = {"newsmtsc": ("sentiment", "frame")}
ALL_TASKS = ("stance", "sentiment", "frame", "mentions_target")
OUTPUT = {"narrative_frames": "narrative_frames_context.jsonl", "newsmtsc": "newsmtsc_train_more.jsonl"}
AGREEMENT_NAME = {"finentity": "finentity", "narrative_frames": "narrative_frames_more", "newsmtsc": "newsmtsc_more",
                  "written": "written_more"}


def read_tsv(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["unit"]: row for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)}


def units_of(sheets: Path) -> dict[str, dict]:
    return {u["unit"]: u for path in sorted(sheets.glob("batch_*.jsonl")) for u in map(json.loads, path.open(encoding="utf-8"))}


def agreement(first: dict[str, dict[str, str]], second: dict[str, dict[str, str]], tasks: tuple[str, ...]) -> dict:
    shared = sorted(set(first) & set(second))
    kappa, agree = {}, {}
    for task in tasks:
        a, b = [first[u][task] for u in shared], [second[u][task] for u in shared]
        kappa[task] = round(float(cohen_kappa_score(a, b)), 4)
        agree[task] = round(sum(x == y for x, y in zip(a, b, strict=False)) / len(shared), 4)
    return {"n": len(shared), "kappa": kappa, "agreement": agree}


def adjudicate(first: dict[str, dict[str, str]], decisions: Path) -> None:
    """Replace first labels with the adjudicator's where the annotators disagreed."""
    if not decisions.is_file():
        return
    for row in read_tsv_plain(decisions):
        first[row["unit"]][row["task"]] = row["label"]


def read_tsv_plain(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def disagreements(first: dict, second: dict, tasks: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"unit": u, "task": t, "first": first[u][t], "second": second[u][t]}
            for u in sorted(set(first) & set(second)) for t in tasks if first[u][t] != second[u][t]]


def test_passages(benchmarks: Path) -> set[str]:
    """A fixed, seeded fifth of the FinEntity passages (repeated texts kept together): the test set."""
    passages = json.loads((benchmarks / "finentity" / "FinEntity.json").read_text(encoding="utf-8"))
    groups = [p["content"] for p in passages]
    _, test = next(GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=SEED).split(passages, groups=groups))
    return {f"fe-{i}" for i in test}


def label_rows(source: str, units: dict[str, dict], first: dict[str, dict[str, str]]) -> list[dict]:
    rows = []
    for unit_id, unit in units.items():
        label = first.get(unit_id)
        if label is None:
            raise SystemExit(f"{source}: unit {unit_id} has no label; finish its sheet first")
        if label.get("note", "").strip().lower().startswith("boilerplate"):
            continue
        row = {k: v for k, v in unit.items() if k != "text"}
        for task in TASKS_OF.get(source, ALL_TASKS):
            row[task] = label[task] if task != "mentions_target" else label[task].strip() in ("1", "true", "True")
        rows.append(row)
    return rows


def written_first(sheets: Path) -> tuple[list[dict], dict[str, dict[str, str]]]:
    """The writers' articles and their labels by unit (`<article id>:<sentence index>`)."""
    articles = [json.loads(line) for path in sorted(sheets.glob("writer_*.jsonl")) for line in path.open(encoding="utf-8")]
    labels = {f"{a['id']}:{i}": {task: str(int(s[task])) if task == "mentions_target" else s[task] for task in ALL_TASKS}
              for a in articles for i, s in enumerate(a["sentences"])}
    return articles, labels


def merge_written(sheets: Path, labels_dir: Path, written: Path) -> None:
    """New written articles into data/written/articles.jsonl (replacing earlier copies of the same ids)."""
    articles, first = written_first(sheets)
    second = {u: row for path in sorted(sheets.glob("second_*.annotator2.tsv")) for u, row in read_tsv(path).items()}
    for row in second.values():
        row["mentions_target"] = str(int(row["mentions_target"].strip() in ("1", "true", "True")))
    table_path = labels_dir / "agreement.json"
    table = json.loads(table_path.read_text(encoding="utf-8"))
    table[AGREEMENT_NAME["written"]] = agreement(first, second, ALL_TASKS)
    table_path.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    (sheets / "disagreements.tsv").write_text(
        "unit\ttask\tfirst\tsecond\n" + "".join(f"{d['unit']}\t{d['task']}\t{d['first']}\t{d['second']}\n"
                                               for d in disagreements(first, second, ALL_TASKS)), encoding="utf-8")
    adjudicate(first, sheets / "adjudicated.tsv")
    for article in articles:
        for i, sentence in enumerate(article["sentences"]):
            decided = first[f"{article['id']}:{i}"]
            sentence.update({task: decided[task] for task in ("stance", "sentiment", "frame")},
                            mentions_target=decided["mentions_target"] in ("1", "true", "True"))
    new_ids = {a["id"] for a in articles}
    kept = [line for line in written.read_text(encoding="utf-8").splitlines() if json.loads(line)["id"] not in new_ids]
    written.write_text("".join(line + "\n" for line in kept) + "".join(json.dumps(a, ensure_ascii=False) + "\n"
                                                                      for a in articles), encoding="utf-8")
    print(f"written: {len(articles)} articles -> {written}; agreement {table[AGREEMENT_NAME['written']]}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", choices=["finentity", "narrative_frames", "newsmtsc", "written"])
    parser.add_argument("--sheets", type=Path, required=True)
    parser.add_argument("--labels", type=Path, default=Path("data/labels"))
    parser.add_argument("--benchmarks", type=Path, default=Path("../shared/benchmarks"))
    args = parser.parse_args()
    if args.source == "written":
        merge_written(args.sheets, args.labels, Path("data/written/articles.jsonl"))
        return
    tasks = TASKS_OF.get(args.source, ALL_TASKS)
    units = units_of(args.sheets)
    first = {u: row for path in sorted(args.sheets.glob("batch_*.first.tsv")) for u, row in read_tsv(path).items()}
    second = read_tsv(args.sheets / "second.annotator2.tsv")
    table_path = args.labels / "agreement.json"
    table = json.loads(table_path.read_text(encoding="utf-8"))
    table[AGREEMENT_NAME[args.source]] = agreement(first, second, tasks)
    table_path.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    (args.sheets / "disagreements.tsv").write_text(
        "unit\ttask\tfirst\tsecond\n" + "".join(f"{d['unit']}\t{d['task']}\t{d['first']}\t{d['second']}\n"
                                               for d in disagreements(first, second, tasks)), encoding="utf-8")
    adjudicate(first, args.sheets / "adjudicated.tsv")
    rows = label_rows(args.source, units, first)
    if args.source == "finentity":
        test = test_passages(args.benchmarks)
        for row in rows:
            row["split"] = "test" if row["article_id"] in test else "train"
        out = args.labels / "finentity.jsonl"
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    else:
        out = args.labels / OUTPUT[args.source]
        if args.source == "newsmtsc":
            rows = [{"key": r["key"], "sha1": r["sha1"], "sentiment": r["sentiment"], "frame": r["frame"]} for r in rows]
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{args.source}: {len(rows)} rows -> {out}; agreement {table[AGREEMENT_NAME[args.source]]}", file=sys.stderr)


if __name__ == "__main__":
    main()

"""The dataset card (card.md) of a built dataset: corpus, target, counts, coverage, weak-label quality, config."""

from __future__ import annotations

import json
from typing import Any

from mediaframe.numbers import percent, score
from mediaframe.records import TASKS

SOURCES = ("gold", "weak", "import")
QUALITY_NOTE = (
    "Scores against gold. `default weights`: every rule weighted alike, nothing fit on gold. "
    "`fitted, in-sample`: weights fit on all gold and scored on the same gold (optimistic). "
    "`fitted, cross-validated by article`: for each article, weights fit on the other articles' gold "
    "and scored on this one (the honest figure). An abstention counts as an error. `evidence`: the mean "
    "log-likelihood ratio a rule's vote carries in the label model (negative: its votes point the other way). "
    "Rule shares "
    "(coverage, overlap, conflict) are over all sentences; accuracy is over the gold sentences a rule voted on."
)


def render_card(meta: dict[str, Any], quality: dict[str, Any] | None) -> str:
    """The whole card as Markdown."""
    parts = [
        f"# Dataset card: stance toward {meta['target']}\n",
        corpus_section(meta),
        splits_section(meta),
        *(labels_section(meta, task) for task in TASKS),
        coverage_section(meta),
    ]
    if meta.get("agreement"):
        parts.append(agreement_section(meta["agreement"]))
    if quality:
        parts.append(quality_section(quality))
    parts.append(config_section(meta))
    return "\n".join(parts)


def corpus_section(meta: dict[str, Any]) -> str:
    gold = ", ".join(f"`{p}`" for p in meta["gold"]) or "none (all labels are weak)"
    if meta.get("labels_from") == "import":
        gold = "none; every label was imported from the labeled file (source `import`)"
    return (
        "## Corpus\n\n"
        f"- corpus: `{meta['corpus']}`: {meta['articles']} articles, {meta['sentences']} sentences\n"
        f"- target: **{meta['target']}**; codebook `{meta['codebook'].get('name', '')}`\n"
        f"- gold: {gold}\n"
        f"- data fingerprint: `{meta['fingerprint']}`; built by mediaframe {meta['mediaframe_version']}\n"
        "- load it with `datasets.load_from_disk(DIR)`; every sentence with its weak labels and the rules "
        "that voted is in `sentences.jsonl`\n"
    )


def splits_section(meta: dict[str, Any]) -> str:
    lines = ["## Splits (grouped by article, stratified by stance, seeded)\n", "| split | articles | sentences |",
             "|---|---:|---:|"]
    for split, counts in meta["counts"].items():
        lines.append(f"| {split} | {counts['articles']} | {counts['sentences']} |")
    by_split: dict[str, list[str]] = {}
    for article, split in meta["splits"].items():
        by_split.setdefault(split, []).append(article)
    lines.append("")
    lines += [f"- {split}: {', '.join(f'`{a}`' for a in sorted(ids))}" for split, ids in sorted(by_split.items())]
    if meta["folds"]:
        lines.append(f"- leave-one-article-out folds in `folds/`: {', '.join(meta['folds'])}")
    return "\n".join(lines) + "\n"


def labels_section(meta: dict[str, Any], task: str) -> str:
    """Counts per label, per split, per source ('gold 3 / weak 5')."""
    splits = list(meta["counts"])
    labels = sorted({label for split in splits for label in meta["counts"][split][task]})
    lines = [f"## {task.capitalize()} labels per split and source\n",
             "| label | " + " | ".join(splits) + " |", "|---|" + "---:|" * len(splits)]
    for label in labels:
        cells = [source_cell(meta["counts"][split][task].get(label, {})) for split in splits]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def source_cell(by_source: dict[str, int]) -> str:
    total = sum(by_source.values())
    detail = ", ".join(f"{src} {n}" for src, n in sorted(by_source.items()) if src != "-")
    return f"{total} ({detail})" if detail else str(total)


def coverage_section(meta: dict[str, Any]) -> str:
    """Share of sentences with a label, per task and source, over all splits."""
    total = max(1, meta["sentences"])
    lines = ["## Coverage\n", "| task | labeled | gold | weak | import | empty |", "|---|---:|---:|---:|---:|---:|"]
    for task in TASKS:
        by_source = {src: 0 for src in (*SOURCES, "-")}
        for split in meta["counts"].values():
            for counts in split[task].values():
                for src, n in counts.items():
                    by_source[src] = by_source.get(src, 0) + n
        labeled = sum(by_source[s] for s in SOURCES)
        cells = [percent(labeled / total), *(percent(by_source[s] / total) for s in SOURCES), percent(by_source["-"] / total)]
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def agreement_section(agreement: dict[str, Any]) -> str:
    """Cohen's kappa per task of each labeled set, from an independent second annotation of a sample."""
    lines = ["## Agreement of the hand-written labels\n",
             "Each set the team labeled had a sample annotated a second time, independently; the disagreements were "
             "adjudicated and the adjudicated label kept.\n",
             "| set | sentences compared | stance kappa | sentiment kappa | frame kappa |", "|---|---:|---:|---:|---:|"]
    for name, entry in agreement.items():
        kappa = entry.get("kappa", {})
        lines.append(f"| {name} | {entry.get('n', 0)} | " + " | ".join(score(kappa.get(t)) for t in TASKS) + " |")
    return "\n".join(lines) + "\n"


def quality_section(quality: dict[str, Any]) -> str:
    """The weak-label quality report as Markdown tables."""
    lines = ["## Weak-label quality against gold\n", QUALITY_NOTE, ""]
    for task, report in quality.items():
        lines += [f"### {task} ({report['gold']} gold sentences)\n",
                  "| rule | coverage | overlap | conflict | accuracy (gold votes) | evidence |",
                  "|---|---:|---:|---:|---:|---:|"]
        for fn in report["functions"]:
            acc = "-" if fn["accuracy"] is None else f"{fn['accuracy']:.2f}"
            lines.append(f"| {fn['name']} | {fn['coverage']:.2f} | {fn['overlap']:.2f} | {fn['conflict']:.2f} | "
                         f"{acc} ({fn['gold_votes']}) | {report['weights'].get(fn['name'], 0):.2f} |")
        lines += ["", "| aggregated weak labels | coverage | accuracy | macro-F1 |", "|---|---:|---:|---:|"]
        for name, figures in report["aggregate"].items():
            lines.append(f"| {name.replace('_', ' ')} | {score(figures['coverage'])} | {score(figures['accuracy'])} | "
                         f"{score(figures['macro_f1'])} |")
        lines.append("")
    return "\n".join(lines)


def config_section(meta: dict[str, Any]) -> str:
    return "## Config used\n\n```json\n" + json.dumps(meta["config"], indent=2) + "\n```\n"

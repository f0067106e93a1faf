"""What a trained model folder says about itself: metrics with CIs, mediaframe.json, config.toml, the card.

`save_trained` scores the validation (and test) split with the shared `inference.Predictor`,
completes the metadata and writes the whole folder beside `out` first, then swaps it in,
so a failed run never leaves a half-written model.
"""

from __future__ import annotations

import json
import logging
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from datasets import Dataset, DatasetDict

from mediaframe.config import Config, config_toml
from mediaframe.errors import MediaframeError
from mediaframe.files import staged_folder
from mediaframe.model.modeling import META_FILE, LoadedModel, save_model
from mediaframe.records import TASKS
from mediaframe.training.data import column_or_none, fingerprint, label_counts

logger = logging.getLogger(__name__)

PACKAGES = ("mediaframe", "torch", "transformers", "datasets", "accelerate", "safetensors", "scikit-learn")


def save_trained(
    loaded: LoadedModel, cfg: Config, splits: DatasetDict, codebook: dict[str, Any], ensemble: dict[str, Any], out: Path
) -> Path:
    """Score, describe and write a trained model to `out` (atomically replacing an older model folder).

    Raises:
        MediaframeError: `out` exists and is neither empty nor a model folder.
    """
    check_replaceable(out)
    metrics = {name: split_metrics(loaded, splits[name], cfg) for name in ("validation", "test") if name in splits}
    sources = ensemble.pop("data_sources", [])
    metrics["training"] = ensemble
    loaded.meta.update(
        {
            "codebook": codebook,
            "config": cfg.model_dump(mode="json"),
            "data_fingerprint": fingerprint(splits["train"]),
            "data": {f"{name}_rows": len(split) for name, split in splits.items()}
            | {"label_counts": label_counts(splits["train"]), "transfer": cfg.training.extra_stance_data,
               "sources": sources,
               "path": str(Path(ensemble["source"]).resolve()) if ensemble.get("source") else ""},
            "metrics": {name: metrics[name] for name in ("validation", "test") if name in metrics},
            "versions": versions(),
        }
    )
    with staged_folder(out) as staging:
        save_model(loaded, staging)
        (staging / "config.toml").write_text(config_toml(cfg), encoding="utf-8")
        (staging / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
        (staging / "README.md").write_text(render_card(loaded.meta, ensemble), encoding="utf-8")
    logger.info("model written to %s", out)
    return out


def check_replaceable(out: Path) -> None:
    """Refuse to replace anything but an empty folder or a model folder."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / META_FILE).is_file())):
        raise MediaframeError(f"{out} exists and is not a mediaframe model folder; choose another --out")


def split_metrics(loaded: LoadedModel, rows: Dataset, cfg: Config) -> dict[str, Any]:
    """Per task with labels: the shared evaluation scores (macro-F1 and accuracy with bootstrap CIs, per class, ECE)."""
    from mediaframe.inference.predictor import Predictor
    from mediaframe.stats.metrics import score_predictions

    probs = Predictor(loaded, batch_size=64).predict_proba(rows["text"], rows["target"], rows["mentions"],
                                                           column_or_none(rows, "context"))
    out: dict[str, Any] = {}
    for task in TASKS:
        labels = loaded.labels(task)
        keep = [i for i, v in enumerate(rows[task]) if v is not None]
        if keep:
            guess = [labels[i] for i in probs[task][keep].argmax(-1)]
            truth, groups = [rows[task][i] for i in keep], [rows["article_id"][i] for i in keep]
            out[task] = score_predictions(truth, guess, probs[task][keep], labels, cfg.seed, groups, cfg.evaluation)
    return out


def versions() -> dict[str, str]:
    """Library versions the model was trained with."""
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def render_card(meta: dict[str, Any], ensemble: dict[str, Any]) -> str:
    """The model card (README.md): intended use, data, training, metrics with CIs, limitations."""
    cfg, data = meta["config"], meta["data"]
    lines = [
        "# mediaframe model", "",
        "A sentence classifier with one encoder and three heads: stance toward a target (against/neutral/favor), "
        "sentiment (negative/neutral/positive) and frame (Media Frames Corpus keys of the codebook).", "",
        "## Intended use", "",
        "Scoring news sentences that mention a known target (a company, person or organisation), to compare how "
        "outlets cover it in aggregate. Not for judging single sentences or authors without human review.", "",
        "## Data", "",
        f"- training rows: {data['train_rows']:,}; validation rows: {data.get('validation_rows', 0):,}; "
        f"test rows: {data.get('test_rows', 0):,}",
        *source_lines(data.get("sources", [])),
        f"- training labels (after source weights): {json.dumps(data['label_counts'])}",
        f"- data fingerprint (sha256 of the training rows): `{meta['data_fingerprint']}`", "",
        "## Training", "",
        f"- base model: {meta['base_model'].replace('default', 'default (embedded all-MiniLM-L6-v2)')}"
        + (f", continued from the mediaframe model {meta['continued_from']}" if meta.get("continued_from") else "")
        + f"; input: {meta['target_mode']}; max length {meta['max_length']} tokens",
        f"- epochs {cfg['training']['epochs']}, learning rate {cfg['training']['learning_rate']}, batch "
        f"{cfg['training']['batch_size']}, layer decay {cfg['training']['layer_decay']}, class weights "
        f"{cfg['training']['class_weights']}, seeds {ensemble['seeds']} -> {ensemble['chosen']}",
        *([f"- label-prior correction (logit offsets added to the head biases): "
           f"{json.dumps(ensemble['label_prior_offsets']['stance'])} for stance, and the other tasks in metrics.json"]
          if "stance" in ensemble.get("label_prior_offsets", {}) else []),
        f"- libraries: {', '.join(f'{k} {v}' for k, v in meta['versions'].items())}", "",
        "## Metrics (95% bootstrap CIs)", "",
        "| split | task | n | macro-F1 | accuracy |", "|---|---|---|---|---|",
        *metric_rows(meta["metrics"]), "",
        "Validation rows also chose the stopping point and snapshot, so their figures lean optimistic; "
        "the test split (when present) was not used for any choice.", "",
        "## Limitations", "",
        "- Trained on few, English, news sentences: expect lower accuracy on other domains, targets and eras.",
        "- Labels not present in the training data for a task are never learned; weak labels carry their rules' biases.",
        "- NewsMTSC's stance labels are sentiment toward a person in political news, not stance in general.",
        "- The written coverage was written by the team: it widens the targets and events seen, but real coverage "
        "remains the test (see docs/BENCHMARKS.md for the held-out real-news figures).",
        "- Aggregate outlet comparisons are more reliable than any single prediction.", "",
        "## Use", "", "```", "mediaframe predict THIS_FOLDER COVERAGE --target TARGET --out predictions.jsonl", "```", "",
    ]
    return "\n".join(lines)


def source_lines(sources: list[dict[str, Any]]) -> list[str]:
    """One line per labeled source: what it is, how many rows, its labels and the annotators' agreement."""
    lines = ["- learned from:"] if sources else []
    for source in sources:
        kappa = source.get("kappa") or {}
        agreement = ("; Cohen's kappa of an independent second annotation: "
                     + ", ".join(f"{task} {value:.2f}" for task, value in kappa.items())) if kappa else ""
        counts = "; ".join(f"{task} " + ", ".join(f"{k} {v}" for k, v in labels.items())
                           for task, labels in source["label_counts"].items() if labels)
        lines.append(f"  - **{source['name']}** ({source['origin']}, {source['kind']} labels): {source['rows']:,} rows; "
                     f"{counts}{agreement}")
    return lines


def metric_rows(metrics: dict[str, dict[str, Any]]) -> list[str]:
    """Markdown table rows: one per split and task."""
    rows = []
    for split, tasks in metrics.items():
        for task, m in tasks.items():
            f1_lo, f1_hi = m["macro_f1_ci"]
            acc_lo, acc_hi = m["accuracy_ci"]
            rows.append(f"| {split} | {task} | {m['n']} | {m['macro_f1']:.3f} [{f1_lo:.3f}, {f1_hi:.3f}] | "
                        f"{m['accuracy']:.3f} [{acc_lo:.3f}, {acc_hi:.3f}] |")
    return rows

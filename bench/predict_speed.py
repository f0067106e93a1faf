"""Prediction speed: mediaframe's scoring path against the plain transformers pipeline, in one process.

On the same real news sentences (NewsMTSC, with their target as a text pair) it times
1. the `transformers` text-classification pipeline over AutoModelForSequenceClassification built
   from the same base weights (default batch size, then the best of a few batch sizes),
2. mediaframe's `Predictor` (fp32, bf16, int8) on the same inputs, and checks label agreement of
   bf16/int8 with fp32 there and on the seed gold sentences,
3. the end-to-end rate from raw article text (read, clean, segment, find mentions, score, write)
   with `mediaframe.predict.run.predict` on the same sentences joined into articles.

    .venv/bin/python bench/predict_speed.py                       # untrained model from the real base weights
    .venv/bin/python bench/predict_speed.py --model models/default --sentences 8000
    .venv/bin/python bench/predict_speed.py --quick               # 1,000 sentences, for a smoke run

Both paths use the same torch thread count (mediaframe's auto_threads unless --threads).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from mediaframe.config import ModelConfig, load_config
from mediaframe.hardware import auto_threads, physical_cores
from mediaframe.model.inference import Predictor

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: its data/ and configs/

NEWSMTSC = REPO_ROOT.parent / "shared" / "benchmarks" / "newsmtsc" / "split_flat"
GOLD = REPO_ROOT / "data" / "gold" / "seed_gold.jsonl"
PIPELINE_BATCHES = (8, 32, 64, 128)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def newsmtsc_sentences(limit: int) -> list[dict]:
    rows = [r for name in ("train.jsonl", "rw_test.jsonl", "mt_test.jsonl") for r in read_jsonl(NEWSMTSC / name)]
    return [{"id": r["id"], "text": r["sentence"], "target": r["mention"], "mentions": [{"start": r["from"], "end": r["to"], "text": r["mention"]}]} for r in rows[:limit]]


def model_folder(path: str | None, workdir: Path) -> tuple[Path, str]:
    """The model to time: --model, else models/default, else an untrained one from the real base weights."""
    from mediaframe.labels.codebook import load_codebook
    from mediaframe.model.modeling import build_model, save_model
    from mediaframe.records import TASKS

    for candidate in [path, str(REPO_ROOT / "models" / "default")]:
        if candidate and (Path(candidate) / "mediaframe.json").is_file():
            return Path(candidate), f"trained model {candidate}"
    codebook = load_codebook()
    torch.manual_seed(0)
    loaded = build_model("default", {t: codebook.labels(t) for t in TASKS}, ModelConfig())
    save_model(loaded, workdir / "model")
    return workdir / "model", "untrained model from the real base weights (all-MiniLM-L6-v2, random heads)"


def time_pipeline(rows: list[dict], batch_size: int | None) -> float:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

    from mediaframe.model.modeling import default_base_model

    base = default_base_model()
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=3)
    classify = pipeline("text-classification", model=model, tokenizer=AutoTokenizer.from_pretrained(base), device="cpu")
    inputs = [{"text": r["text"], "text_pair": r["target"]} for r in rows]
    kwargs = {"batch_size": batch_size} if batch_size else {}
    classify(inputs[:16], **kwargs)  # warm-up
    start = time.perf_counter()
    classify(inputs, truncation=True, **kwargs)
    return len(rows) / (time.perf_counter() - start)


def time_predictor(predictor: Predictor, rows: list[dict]) -> tuple[float, dict[str, np.ndarray]]:
    texts, targets, mentions = [r["text"] for r in rows], [r["target"] for r in rows], [r["mentions"] for r in rows]
    predictor.predict_proba(texts[:64], targets[:64], mentions[:64])  # warm-up
    start = time.perf_counter()
    probs = predictor.predict_proba(texts, targets, mentions)
    return len(rows) / (time.perf_counter() - start), probs


def agreement(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, float]:
    same = {task: float((a[task].argmax(1) == b[task].argmax(1)).mean()) for task in a}
    same["all three"] = float(np.all([a[t].argmax(1) == b[t].argmax(1) for t in a], axis=0).mean())
    return same


def articles_file(rows: list[dict], path: Path) -> Path:
    """The sentences joined back into raw articles (NewsMTSC ids carry the article), one per JSONL line."""
    articles: dict[str, dict] = {}
    for row in rows:
        key = "_".join(row["id"].split("_")[:3])
        article = articles.setdefault(key, {"id": key, "target": row["target"], "outlet": key.split("_")[0], "paragraphs": []})
        article["paragraphs"].append(row["text"].replace("\n", " "))
    with open(path, "w", encoding="utf-8") as handle:
        for article in articles.values():
            handle.write(json.dumps({"id": article["id"], "target": article["target"], "outlet": article["outlet"],
                                     "text": "\n\n".join(article.pop("paragraphs"))}) + "\n")
    return path


def end_to_end(model: Path, rows: list[dict], workdir: Path, dtype: str, threads: int) -> tuple[float, int]:
    from mediaframe.predict.run import predict

    source = articles_file(rows, workdir / "articles.jsonl")
    cfg = load_config(None, [f"predict.dtype={dtype}", f"predict.threads={threads}"])
    report = predict(model, source, workdir / "predictions.jsonl", "", cfg=cfg, force=True, show_progress=False)
    return report.sentences / report.seconds, report.sentences


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="model folder (default: models/default if trained, else an untrained one)")
    parser.add_argument("--sentences", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=0, help="torch threads for every path (0: auto_threads)")
    parser.add_argument("--batch-size", type=int, default=64, help="mediaframe batch size")
    parser.add_argument("--quick", action="store_true", help="1,000 sentences, pipeline batch sizes 32 and default")
    args = parser.parse_args()
    if not NEWSMTSC.is_dir():
        print(f"skipped: NewsMTSC not found at {NEWSMTSC} (the benchmark needs >= 5,000 real news sentences)")
        return 0
    threads = args.threads or auto_threads()
    torch.set_num_threads(threads)
    rows = newsmtsc_sentences(1000 if args.quick else args.sentences)
    print(f"machine: {os.cpu_count()} CPUs ({physical_cores()} physical), torch capability "
          f"{torch.backends.cpu.get_cpu_capability()}, {threads} threads, load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        model, which = model_folder(args.model, workdir)
        print(f"model: {which}; {len(rows):,} NewsMTSC sentences (text, target) pairs")
        rates = {"pipeline, default batch size": time_pipeline(rows, None)}
        best = {bs: time_pipeline(rows[:1000], bs) for bs in ((32,) if args.quick else PIPELINE_BATCHES)}
        best_bs = max(best, key=best.get)
        rates[f"pipeline, best batch size ({best_bs})"] = time_pipeline(rows, best_bs)
        probs = {}
        for dtype in ("fp32", "bf16", "int8"):
            predictor = Predictor(model, args.batch_size, dtype, threads=threads)
            rates[f"mediaframe {dtype}"], probs[dtype] = time_predictor(predictor, rows)
        auto = Predictor(model, args.batch_size, "auto", threads=threads).dtype  # measured here (model.precision)
        rates[f"mediaframe end to end from raw articles ({auto})"], n_e2e = end_to_end(model, rows, workdir, auto, threads)
        print(f"\n{'path':58s} {'sentences/s':>12s} {'x default':>10s} {'x best':>8s}")
        base, base_best = rates["pipeline, default batch size"], rates[f"pipeline, best batch size ({best_bs})"]
        for name, rate in rates.items():
            print(f"{name:58s} {rate:12,.0f} {rate / base:10.1f} {rate / base_best:8.1f}")
        print(f"(end to end: {n_e2e:,} sentences after segmentation; pipeline batch sizes tried on 1,000: "
              + ", ".join(f"{bs}: {r:,.0f}/s" for bs, r in best.items()) + ")")
        print_agreement(model, probs, threads, args.batch_size)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0


def print_agreement(model: Path, probs: dict[str, dict[str, np.ndarray]], threads: int, batch_size: int) -> None:
    print("\nlabel agreement with fp32 (share of identical labels):")
    for dtype in ("bf16", "int8"):
        print(f"  NewsMTSC benchmark sentences, {dtype}: " + ", ".join(f"{k} {v:.4f}" for k, v in agreement(probs["fp32"], probs[dtype]).items()))
    test = [{"text": r["sentence"], "target": r["mention"], "mentions": [{"start": r["from"], "end": r["to"]}]}
            for r in read_jsonl(NEWSMTSC / "rw_test.jsonl")]
    gold = [{"text": g["text"], "target": g.get("target") or "Netflix"} for g in read_jsonl(GOLD)] if GOLD.is_file() else []
    for name, rows in ((f"NewsMTSC rw_test ({len(test)} sentences)", test), (f"seed gold ({len(gold)} sentences)", gold)):
        if not rows:
            print(f"  {name}: skipped (file absent)")
            continue
        exact = Predictor(model, batch_size, "fp32", threads=threads).predict_rows(rows)
        for dtype in ("bf16", "int8"):
            fast = Predictor(model, batch_size, dtype, threads=threads).predict_rows(rows)
            same = {task: np.mean([a[task] == b[task] for a, b in zip(exact, fast)]) for task in ("stance", "sentiment", "frame")}
            same["all three"] = np.mean([all(a[t] == b[t] for t in ("stance", "sentiment", "frame")) for a, b in zip(exact, fast)])
            print(f"  {name}, {dtype}: " + ", ".join(f"{k} {v:.4f}" for k, v in same.items()))


if __name__ == "__main__":
    sys.exit(main())

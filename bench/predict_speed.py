"""Prediction speed and what it costs in accuracy: every scoring path against the plain pipeline, in one run.

On the same real news sentences (NewsMTSC train, rw_test and mt_test, with their target as a
text pair) it measures, side by side in this process:
1. the `transformers` text-classification pipeline over AutoModelForSequenceClassification built
   from the same base weights, at its default batch size and at the best of a few;
2. mediaframe's `Predictor` on every scoring path (PyTorch fp32, bf16, int8; OpenVINO fp32, bf16, int8)
   and the one `--dtype auto --runtime auto` picks here, for the model and for a distilled student
   (`mediaframe distill`), when given;
3. the bf16 and fp32 matrix-product throughput of this CPU at the encoder's shapes, and the
   share of it each path reaches (the encoder's linear layers: 24 h^2 multiply-adds per token
   and layer);
4. each path's macro-F1 per task on held-out labeled sets: NewsMTSC rw_test (stance), folds 5 of
   the Narrative Frames Corpus (the real-news test set) and the seed gold (which the default
   model trained on: a check of agreement, not of generalisation);
5. whole-process `mediaframe predict` (a fresh process: imports, model load, reading, writing)
   on 20,000 sentence rows, for the model and the student: with every row scored
   (`predict.remember=0`: as if no sentence repeated; the pool of real sentences is smaller than
   20,000, so rows repeat) and with the default settings (a repeated sentence is scored once);
   and the startup of a one-row run. With --distinct the rows are 20,000 distinct real sentences
   (NewsMTSC, then every sentence of the Narrative Frames articles and of the FinEntity passages,
   each toward an entity of its article): no sentence repeats, so the memo of repeats cannot count.

    .venv/bin/python bench/predict_speed.py --model models/default --student models/student
    .venv/bin/python bench/predict_speed.py --model news --distinct   # the shipped model, distinct rows
    .venv/bin/python bench/predict_speed.py --quick      # 1,000 sentences, a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import f1_score

from mediaframe.config import load_config
from mediaframe.corpus.mentions import MentionFinder
from mediaframe.hardware import auto_threads, bf16_pays, physical_cores
from mediaframe.inference.predictor import Predictor
from mediaframe.inference.runtime_choice import candidates
from mediaframe.model.shipped import model_path
from mediaframe.predict.prediction_rows import score_rows
from mediaframe.records import TASKS

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: its data/ and configs/
NEWSMTSC = REPO_ROOT.parent / "shared" / "benchmarks" / "newsmtsc" / "split_flat"
GOLD = REPO_ROOT / "data" / "gold" / "seed_gold.jsonl"
PIPELINE_BATCHES = (8, 32, 64, 128)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def distinct_real_rows(pool: list[dict], n: int) -> list[dict]:
    """Up to `n` rows of real news, no sentence twice: the NewsMTSC pool, then the sentences of the Narrative Frames
    articles (toward the article's first annotated entity) and of the FinEntity passages (toward their first entity)."""
    from mediaframe.corpus.segmentation import split_article
    from mediaframe.labels.sources import nfc_articles
    from mediaframe.records import Article

    benchmarks = NEWSMTSC.parents[1]
    nfc = benchmarks / "narrative_frames"
    with (nfc / "role_and_frame_annoations.tsv").open(encoding="utf-8") as handle:
        entities: dict[str, str] = {}
        for line in handle.read().splitlines()[1:]:
            entities.setdefault(*line.split("\t")[:2])
    articles = [(f"nfc{key}", article["text"], entities.get(key, "the government")) for key, article in nfc_articles(nfc).items()]
    finentity = json.loads((benchmarks / "finentity" / "FinEntity.json").read_text(encoding="utf-8"))
    articles += [(f"fe{i}", passage["content"], passage["annotations"][0]["value"] if passage.get("annotations")
                  else "the company") for i, passage in enumerate(finentity)]
    rows, seen = [], set()
    for row in pool + [{"id": f"{key}-{s.start}", "text": s.text, "target": target, "mentions": []}
                       for key, text, target in articles for s in split_article(Article(id=key, text=text))]:
        if row["text"] not in seen:
            seen.add(row["text"])
            rows.append(row)
    return rows[:n]


def newsmtsc_rows(names: tuple[str, ...]) -> list[dict]:
    rows = [r for name in names for r in read_jsonl(NEWSMTSC / name)]
    from mediaframe.labels.importers import NEWSMTSC_FLAT_STANCE as polarity
    return [{"id": r["id"], "text": r["sentence"], "target": r["mention"], "stance": polarity.get(r.get("polarity")),
             "mentions": [{"start": r["from"], "end": r["to"], "text": r["mention"]}]} for r in rows]


# ---------------------------------------------------------------- speed


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


def time_predictor(predictor: Predictor, rows: list[dict]) -> float:
    texts, targets, mentions = [r["text"] for r in rows], [r["target"] for r in rows], [r["mentions"] for r in rows]
    predictor.predict_proba(texts[:64], targets[:64], mentions[:64])  # warm-up
    start = time.perf_counter()
    predictor.predict_proba(texts, targets, mentions)
    return len(rows) / (time.perf_counter() - start)


def matmul_tflops(dtype: torch.dtype, tokens: int = 2496, hidden: int = 384, repeats: int = 30) -> float:
    """Measured throughput of the FFN's two products (tokens x h by h x 4h, and back) in `dtype`."""
    a = torch.randn(tokens, hidden).to(dtype)
    up, down = torch.randn(hidden, 4 * hidden).to(dtype), torch.randn(4 * hidden, hidden).to(dtype)
    for _ in range(3):
        (a @ up) @ down
    start = time.perf_counter()
    for _ in range(repeats):
        (a @ up) @ down
    return repeats * 2 * (2 * tokens * hidden * 4 * hidden) / (time.perf_counter() - start) / 1e12


def encoder_flops(predictor: Predictor, rows: list[dict]) -> float:
    """Matrix-product FLOPs per sentence in the encoder's linear layers, at these sentences' token counts."""
    config = predictor.loaded.model.encoder.config
    encoded = predictor.tokenize([r["text"] for r in rows[:2000]], [r["target"] for r in rows[:2000]],
                                 [r["mentions"] for r in rows[:2000]], list(range(min(2000, len(rows)))))
    tokens = float(np.mean([len(ids) for ids in encoded["input_ids"]]))
    h, inner = config.hidden_size, config.intermediate_size
    return tokens * config.num_hidden_layers * 2 * (4 * h * h + 2 * h * inner)


# ---------------------------------------------------------------- accuracy


def held_out_sets() -> dict[str, list[dict]]:
    from mediaframe.labels.registry import load_source

    sets = {"NewsMTSC rw_test": newsmtsc_rows(("rw_test.jsonl",))}
    try:
        sets["Narrative Frames fold 5"] = load_source("narrative_frames_test", load_config()).rows
    except Exception as exc:  # noqa: BLE001 (the benchmark goes on without an absent set)
        print(f"  (Narrative Frames fold 5 skipped: {exc})")
    if GOLD.is_file():
        sets["seed gold (trained on)"] = [{**g, "target": g.get("target") or "Netflix"} for g in read_jsonl(GOLD)]
    return sets


def macro_f1(predictor: Predictor, rows: list[dict]) -> dict[str, float]:
    predicted = score_rows(predictor, MentionFinder(), rows)
    scores = {}
    for task in TASKS:
        pairs = [(r[task], p[task]) for r, p in zip(rows, predicted, strict=True) if r.get(task)]
        if pairs:
            gold, guess = zip(*pairs, strict=True)
            scores[task] = float(f1_score(gold, guess, average="macro", labels=sorted(set(gold)), zero_division=0))
    return scores


# ---------------------------------------------------------------- whole process


def whole_process(model: Path, rows: list[dict], workdir: Path, *settings: str) -> tuple[float, str]:
    """Sentences per second of a fresh `mediaframe predict` process, startup and writing included, and its path."""
    source = workdir / f"sentences-{len(rows)}.jsonl"
    with open(source, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps({"id": row["id"], "text": row["text"], "target": row["target"]}) + "\n")
    out = workdir / f"{model.name}.jsonl"
    command = [str(Path(sys.executable).parent / "mediaframe"), "predict", str(model), str(source), "--unit", "sentence",
               "--out", str(out), "--force", *(part for setting in settings for part in ("--set", setting))]
    start = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    path = re.search(r"/s, ([a-z]+:[a-z0-9]+)\)", " ".join(done.stderr.split()))
    return len(rows) / seconds, path.group(1) if path else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="news", help="trained model folder, or `news` (the shipped model)")
    parser.add_argument("--student", help="a distilled student of --model (mediaframe distill)")
    parser.add_argument("--sentences", type=int, default=5000, help="sentences for the in-process timings")
    parser.add_argument("--whole", type=int, default=20000, help="sentence rows for the whole-process runs (0: skip)")
    parser.add_argument("--quick", action="store_true", help="1,000 sentences, no batch-size search, no whole process")
    parser.add_argument("--distinct", action="store_true", help="whole-process rows: distinct real sentences, none twice")
    parser.add_argument("--whole-only", action="store_true", help="only the pipeline and the whole-process runs")
    args = parser.parse_args()
    if not NEWSMTSC.is_dir():
        print(f"skipped: NewsMTSC not found at {NEWSMTSC} (the benchmark needs real news sentences)")
        return 0
    threads = auto_threads()
    torch.set_num_threads(threads)
    pool = newsmtsc_rows(("train.jsonl", "rw_test.jsonl", "mt_test.jsonl"))
    rows = pool[: 1000 if args.quick else args.sentences]
    print(f"machine: {os.cpu_count()} CPUs ({physical_cores()} physical), torch {torch.__version__} capability "
          f"{torch.backends.cpu.get_cpu_capability()}, bf16 native: {bf16_pays('cpu')}, {threads} threads")
    limits = {"bf16": matmul_tflops(torch.bfloat16), "fp32": matmul_tflops(torch.float32)}
    print(f"matrix products at the encoder's FFN shapes: bf16 {limits['bf16']:.2f} TFLOP/s, fp32 {limits['fp32']:.2f} TFLOP/s")

    rates = {"pipeline, default batch size": time_pipeline(rows[:200] if args.whole_only else rows, None)}
    if not args.quick and not args.whole_only:
        best = {bs: time_pipeline(rows[:1000], bs) for bs in PIPELINE_BATCHES}
        best_bs = max(best, key=best.get)
        rates[f"pipeline, best batch size ({best_bs})"] = time_pipeline(rows, best_bs)
    models = {"model": model_path(args.model), **({"student": model_path(args.student)} if args.student else {})}
    batch_size = load_config().predict.batch_size
    sets, table = held_out_sets(), []
    for name, folder in models.items() if not args.whole_only else ():
        # every path auto compares, the int8 ones (used only when asked for), and auto's choice
        for path in [*candidates("auto", "auto", "cpu", openvino=True), *candidates("int8", "auto", "cpu", openvino=True), "auto:auto"]:
            runtime, dtype = path.split(":")
            predictor = Predictor(folder, batch_size, dtype, threads=threads, runtime=runtime)
            label = f"{name} {path}" + (f" (= {predictor.path})" if dtype == "auto" else "")
            rate = time_predictor(predictor, rows)
            limit = limits.get(predictor.dtype)  # int8 has no measured limit here: its share is not shown
            share = rate * encoder_flops(predictor, rows) / (limit * 1e12) if limit else float("nan")
            f1 = {set_name: macro_f1(predictor, set_rows) for set_name, set_rows in sets.items()}
            table.append((label, rate, share, f1))
    base = rates["pipeline, default batch size"]
    print(f"\n{'path':40s} {'sent/s':>8s} {'x pipeline':>10s} {'of matmul limit':>16s}")
    for name, rate in rates.items():
        print(f"{name:40s} {rate:8,.0f} {rate / base:10.1f}")
    for label, rate, share, _ in table:
        print(f"{label:40s} {rate:8,.0f} {rate / base:10.1f} " + (f"{share:15.0%}" if share == share else f"{'-':>15s}"))
    print("\nheld-out macro-F1 (stance / sentiment / frame where the set has the labels):")
    for label, _, _, f1 in table:
        print(f"  {label:38s} " + "; ".join(f"{s}: " + " / ".join(f"{v:.3f}" for v in scores.values()) for s, scores in f1.items()))
    if args.whole and not args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            whole = distinct_real_rows(pool, args.whole) if args.distinct else (pool * (args.whole // len(pool) + 1))[: args.whole]
            distinct = len({(r["text"], r["target"]) for r in whole})
            # the pipeline again, beside these runs: this shared machine's speed drifts by several percent in minutes
            again = time_pipeline(whole[:: max(1, len(whole) // 2000)][:2000], None)  # spread over these rows
            base = again if args.whole_only else (base + again) / 2
            print(f"\nwhole process, `mediaframe predict --unit sentence`, {len(whole):,} rows ({distinct:,} distinct); "
                  f"the pipeline at its default batch size on 2,000 of these rows: {again:,.0f} sent/s; ratios below "
                  f"against {'it' if args.whole_only else 'the mean of it and the first measurement'}, {base:,.0f}:")
            for name, folder in models.items():
                whole_process(folder, whole[:200], Path(tmp))  # the first run on a machine measures the paths
                startup = 1 / whole_process(folder, whole[:1], Path(tmp))[0]
                for label, settings in (("every row scored", ("predict.remember=0",)), ("default settings", ())):
                    rate, path = whole_process(folder, whole, Path(tmp), *settings)
                    print(f"  {name} {label:30s} {rate:8,.0f} sent/s  {rate / base:5.1f}x the pipeline at its default "
                          f"batch size ({path})")
                print(f"  {name} startup (one row)            {startup:8.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

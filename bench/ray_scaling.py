"""Scaling of `mediaframe predict`: the single-process engine against the Ray engine with 1 and 2 workers.

The same sentence rows (NewsMTSC sentences with their target and mention offsets, the list
repeated in order until --sentences; falls back to the seed gold sentences when NewsMTSC is
absent) are scored in one process run by
1. the single-process engine (`predict.run.predict`) with one torch thread per physical core, and with one,
2. the Ray engine on one local Ray: 1 worker x all cores (Ray's overhead at equal compute),
   N workers x 1 core (scale-out over the cores), and 1 worker x 1 core (throughput per core),
and every output is checked against the single-process one (same ids in the same order; the
share of sentences with the same three labels: with bf16, shards cut at other rows than the
single process's 2,048-row chunks pad batches differently, and an untrained model's near-ties
can flip; with fp32 (as in tests/test_engine.py) or shards of a multiple of 2,048 rows they
matched in our runs). Ray is
started once; its start-up time is reported separately, so each Ray figure includes actor
start-up, model shipping and load, planning, scoring, shard writing and the merge.

    .venv/bin/python bench/ray_scaling.py                      # 50,000 sentences, untrained model from the real base
    .venv/bin/python bench/ray_scaling.py --sentences 5000     # a quick run
    .venv/bin/python bench/ray_scaling.py --model models/default --dtype fp32

The 1-minute load average is printed with every figure: on a shared machine, compare figures
taken under the same load only.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from pathlib import Path

from mediaframe.config import ModelConfig, load_config
from mediaframe.hardware import physical_cores

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: its data/ and configs/

NEWSMTSC = REPO_ROOT.parent / "shared" / "benchmarks" / "newsmtsc" / "split_flat"
GOLD = REPO_ROOT / "data" / "gold" / "seed_gold.jsonl"


def base_rows() -> tuple[list[dict], str]:
    """Distinct sentence rows: NewsMTSC (target + mention offsets), else the seed gold sentences."""
    if NEWSMTSC.is_dir():
        rows = []
        for name in ("train.jsonl", "rw_test.jsonl", "mt_test.jsonl", "rw_dev.jsonl", "mt_dev.jsonl"):
            for line in (NEWSMTSC / name).read_text(encoding="utf-8").splitlines():
                r = json.loads(line)
                rows.append({"text": r["sentence"], "target": r["mention"],
                             "mentions": [{"start": r["from"], "end": r["to"], "text": r["mention"]}]})
        return rows, "NewsMTSC sentences"
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [{"text": r["text"], "target": r.get("target") or "Netflix"} for r in rows], "seed gold sentences"


def write_input(path: Path, n: int) -> str:
    """n sentence rows, the distinct ones repeated in order (no repeat inside a 2,048-row chunk) with unique ids."""
    rows, what = base_rows()
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps({"id": f"s{i}", **rows[i % len(rows)]}, ensure_ascii=False) + "\n" for i in range(n))
    return f"{n:,} rows from {len(rows):,} {what}"


def model_folder(path: str | None, workdir: Path) -> tuple[Path, str]:
    """--model, else an untrained model from the real base weights (speed does not depend on training)."""
    import torch

    from mediaframe.labels.codebook import load_codebook
    from mediaframe.model.modeling import build_model, save_model
    from mediaframe.records import TASKS

    if path:
        return Path(path), f"model {path}"
    codebook = load_codebook()
    torch.manual_seed(0)
    save_model(build_model("default", {t: codebook.labels(t) for t in TASKS}, ModelConfig()), workdir / "model")
    return workdir / "model", "untrained all-MiniLM-L6-v2 with new heads, max_length default"


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def labels_of(path: Path) -> list[tuple[str, str, str, str]]:
    from mediaframe.tables import table_rows

    return [(r["id"], r["stance"], r["sentiment"], r["frame"]) for r in table_rows(path, None)]


def agreement(out: Path, reference: Path) -> str:
    """Same ids in the same order, and the share of sentences whose three labels equal the reference's."""
    ours, theirs = labels_of(out), labels_of(reference)
    if [r[0] for r in ours] != [r[0] for r in theirs]:
        return "ids DIFFER from the single-process output"
    same = sum(a == b for a, b in zip(ours, theirs, strict=False))
    return f"same ids and order; labels equal to the single process for {same:,} of {len(ours):,} sentences"


def run_single(model: Path, source: Path, out: Path, dtype: str, threads: int) -> dict:
    from mediaframe.predict.run import predict

    cfg = load_config(None, [f"predict.threads={threads}", f"predict.dtype=\"{dtype}\""])
    before, started = load(), time.perf_counter()
    report = predict(model, source, out, unit="sentence", cfg=cfg, show_progress=False)
    return {"engine": f"single process, {threads} thread{'s' * (threads > 1)}", "seconds": time.perf_counter() - started,
            "rows": report.sentences, "dtype": report.dtype, "cores": threads, "load": f"{before} / {load()}"}


def run_ray(model: Path, source: Path, out: Path, dtype: str, workers: int, cpus: int, shard_rows: int) -> dict:
    from mediaframe.scale.engine import predict_ray

    overrides = [f"predict.dtype=\"{dtype}\"", f"distributed.cpus_per_worker={cpus}", "distributed.keep_shards=true"]
    cfg = load_config(None, overrides + [f"distributed.sentences_per_shard={shard_rows}"] * (shard_rows > 0))
    before, started = load(), time.perf_counter()
    report = predict_ray(model, source, out, unit="sentence", cfg=cfg, workers=workers, show_progress=False)
    seconds = time.perf_counter() - started
    shards = json.loads((out.parent / f"{out.name}.shards" / "_manifest.json").read_text())["shards"].values()
    busy = sum(s["seconds"] for s in shards) / workers  # scoring + writing inside the actors, per actor
    return {"engine": f"Ray, {workers} worker{'s' * (workers > 1)} x {cpus} core{'s' * (cpus > 1)}", "seconds": seconds,
            "rows": report.sentences, "dtype": report.dtype, "cores": workers * cpus, "busy": busy, "shards": len(shards),
            "load": f"{before} / {load()}"}


def table(results: list[dict]) -> str:
    """One row per run, against the single-process run on as many cores and against the fastest single-process run."""
    single = {r["cores"]: r for r in results if "busy" not in r}
    best = min(single.values(), key=lambda r: r["seconds"])
    lines = ["| engine | cores | sentences/s | wall s | x single process, same cores | x fastest single process | "
             "time in actors, per actor | load before / after |", "|---|---:|---:|---:|---:|---:|---|---|"]
    for r in results:
        rate = r["rows"] / r["seconds"]
        same = f"{single[r['cores']]['seconds'] / r['seconds']:.2f}" if r["cores"] in single else "-"
        busy = f"{r['busy']:.1f} s ({r['busy'] / r['seconds']:.0%} of wall), {r['shards']} shards" if "busy" in r else "-"
        lines.append(f"| {r['engine']} | {r['cores']} | {rate:,.0f} | {r['seconds']:.1f} | {same} | "
                     f"{best['seconds'] / r['seconds']:.2f} | {busy} | {r['load']} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=50_000)
    parser.add_argument("--model", help="model folder (default: an untrained one from the real base weights)")
    parser.add_argument("--dtype", default="auto", help="auto, fp32, bf16 or int8 (the same for every engine)")
    parser.add_argument("--shard-rows", type=int, default=0, help="distributed.sentences_per_shard (0: the config's)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    import ray

    cores = physical_cores()
    with tempfile.TemporaryDirectory(prefix="mediaframe-ray-bench-") as tmp:
        work = Path(tmp)
        source = work / "in.jsonl"
        what = write_input(source, args.sentences)
        model, model_note = model_folder(args.model, work)
        print(f"{what}; {model_note}; {cores} physical cores; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        results = [run_single(model, source, work / f"single-{t}.jsonl", args.dtype, t) for t in sorted({cores, 1}, reverse=True)]
        started = time.perf_counter()
        ray.init(num_cpus=cores, include_dashboard=False, logging_level=logging.ERROR)
        print(f"Ray start-up (ray.init, local, {cores} CPUs): {time.perf_counter() - started:.1f} s", flush=True)
        for workers, cpus in [(1, cores), (cores, 1), (1, 1)] if cores > 1 else [(1, 1)]:
            out = work / f"ray-{workers}x{cpus}.jsonl"
            results.append(run_ray(model, source, out, args.dtype, workers, cpus, args.shard_rows))
            print(f"  {results[-1]['engine']}: {results[-1]['seconds']:.1f} s; {agreement(out, work / f'single-{cores}.jsonl')}", flush=True)
        ray.shutdown()
        print(f"\n{args.sentences:,} sentences, dtype {results[0]['dtype']}\n")
        print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

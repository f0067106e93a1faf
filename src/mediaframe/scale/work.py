"""What the Ray engine's tasks and actors do with one shard: read and segment it, score and write it.

`segment_shards` runs as Ray tasks: it reads a shard's records and turns them into sentence
rows with the single-process engine's own `predict.rows.records_to_rows` (articles cleaned,
segmented and searched for the target), and passes them on as one row per shard, so a
shard is never split between actors. `ShardScorer` runs as a pool of Ray actors: each
loads the model once, scores whole shards and writes each as one file named from its id.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import socket
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from mediaframe.config import Config

logger = logging.getLogger(__name__)


def segment_shards(batch: Any, unit: str, targets: tuple[str, ...], cfg: Config) -> Any:
    """Ray task: shards (a DataFrame of `spec` JSON) -> one row per shard with its pickled sentence rows, each with
    its target."""
    import pandas as pd

    from mediaframe.predict.rows import records_to_rows
    from mediaframe.scale.shards import Shard, shard_records

    out = []
    for spec in batch["spec"]:
        shard = Shard.from_json(spec)
        stats: Counter[str] = Counter()
        rows: list[dict[str, Any]] = []
        records = 0
        for record_rows in records_to_rows(shard_records(shard, unit, cfg.data, stats), unit, targets, cfg, stats):
            rows.extend(record_rows)
            records += 1
        out.append({"shard": shard.id, "payload": pickle.dumps(rows, protocol=5), "records": records,
                    "skipped": json.dumps(dict(stats))})
    return pd.DataFrame(out, columns=["shard", "payload", "records", "skipped"])


def model_folder(package: dict[str, Any]) -> Path:
    """The model folder on this node: written once per node from the shipped files, then shared by its actors."""
    import ray

    folder = Path(tempfile.gettempdir()) / "mediaframe-models" / package["digest"]
    if folder.is_dir():
        return folder
    files: dict[str, bytes] = ray.get(package["files"])
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".model-"))
    for name, data in files.items():
        (staging / name).write_bytes(data)
    try:
        staging.rename(folder)
    except OSError:  # another actor on this node finished first
        import shutil

        shutil.rmtree(staging, ignore_errors=True)
    return folder


class ShardScorer:
    """Ray actor: a model loaded once, scoring whole shards and writing one file per shard.

    Args:
        package: the model folder's files, shipped through the object store ({"digest", "files"}).
        cfg: the whole configuration (predict.batch_size, predict.dtype, predict.chunk_size, targets).
        device: cpu, cuda or auto.
        threads: torch threads, the CPUs this actor reserved.
        folder: where shard files go (local path or URI).
        fmt: shard file format, parquet or jsonl.
    """

    def __init__(self, package: dict[str, Any], cfg: Config, device: str, threads: int, folder: str,
                 fmt: str) -> None:
        from mediaframe.corpus.mentions import MentionFinder
        from mediaframe.inference.predictor import Predictor

        settings = cfg.predict
        self.predictor = Predictor(model_folder(package), settings.batch_size, settings.dtype, device, threads, cfg.targets,
                                   settings.runtime, settings.remember)
        self.finder = MentionFinder(cfg.targets)
        self.chunk_size, self.folder, self.fmt = settings.chunk_size, folder, fmt
        self.worker = f"{socket.gethostname()}:{os.getpid()}"

    def __call__(self, batch: Any) -> Any:
        """Score and write every shard in the batch (usually one); return one summary row each."""
        import pandas as pd

        return pd.DataFrame([self.score_shard(row) for row in batch.to_dict(orient="records")])

    def score_shard(self, item: dict[str, Any]) -> dict[str, Any]:
        from mediaframe.predict.prediction_rows import score_rows
        from mediaframe.scale.storage import write_shard

        started = time.perf_counter()
        rows = pickle.loads(item["payload"])
        truncated = self.predictor.truncated
        predictions: list[dict[str, Any]] = []
        for start in range(0, len(rows), self.chunk_size):
            predictions += score_rows(self.predictor, self.finder, rows[start : start + self.chunk_size])
        name = write_shard(predictions, self.folder, int(item["shard"]), self.fmt)
        return {
            "shard": int(item["shard"]), "file": name, "rows": len(predictions), "records": int(item["records"]),
            "skipped": item["skipped"], "truncated": self.predictor.truncated - truncated, "dtype": self.predictor.path,
            "seconds": round(time.perf_counter() - started, 3), "worker": self.worker,
        }

"""Batch scoring on Ray Data (`mediaframe predict --engine ray`): the single-process engine's rows, spread out.

1. Plan (driver): `scale.shards.plan_shards` cuts the input into shards numbered in input order; the
   Ray Dataset is made of these shard descriptions (`from_items`), each read by a task. Ray's own
   readers (`read_parquet`, `read_json`) are not used: they cut blocks where they like and number
   no row, while retry, resume and the default ids need the same shards and row numbers every run.
2. Read and segment (Ray tasks, `scale.work.segment_shards`): each shard's articles are cleaned,
   segmented and searched for the target by the single-process engine's own code.
3. Score (a pool of Ray actors, `scale.work.ShardScorer`): each actor loads the model once
   (torch threads = the CPUs it reserves), scores whole shards and writes each as one file named
   from its id. Ray restarts an actor that dies and retries its shard; the retry rewrites the same
   file, so no row is lost or doubled.
4. Collect (driver): shard summaries go to _manifest.json as they arrive; at the end the shards are
   merged in shard order into --out. --resume skips the shards whose files exist.

A local --out file gets its shards in `<out>.shards/` (removed after the merge unless
distributed.keep_shards); an --out URI (s3://bucket/predictions, or file:///data/predictions)
is a folder of shards plus _manifest.json. With no --address a local Ray is started (one CPU per physical core,
no dashboard, quiet logs) and stopped at the end; with one (`auto`, `ray://head:10001`) the run
joins that cluster. A Ray session already open in this process (a notebook, the tests) is used as is.
"""

from __future__ import annotations

import hashlib
import logging
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mediaframe.config import Config, DistributedConfig
from mediaframe.errors import MediaframeError
from mediaframe.predict.job import PredictJob, check_same_run, job_of, resume_action
from mediaframe.predict.run import PredictReport
from mediaframe.scale.runner import ShardRun

logger = logging.getLogger(__name__)


def import_ray() -> Any:
    """The ray module, or one clear line on how to install it."""
    try:
        import ray
        import ray.data
    except ImportError:
        raise MediaframeError("Ray is not installed; pip install 'mediaframe[ray]'") from None
    return ray


@dataclass(frozen=True)
class Layout:
    """Where a run writes: shard files and _manifest.json in `folder`, merged into `final` (None: the folder is the output)."""

    folder: str
    final: Path | None
    fmt: str  # shard files: parquet or jsonl


def layout_of(out: Path, cfg: DistributedConfig) -> Layout:
    """A local --out file gets `<out>.shards/` merged into it; an --out URI (s3://, gs://, file://) is the shard folder.

    Raises:
        MediaframeError: a local --out that is not a .jsonl, .csv or .parquet file name.
    """
    from mediaframe.predict.files import output_format
    from mediaframe.scale.storage import is_uri, uri_of

    uri = uri_of(out)
    if is_uri(uri):
        return Layout(uri.rstrip("/"), None, "jsonl" if cfg.shard_format == "jsonl" else "parquet")
    fmt = output_format(out)
    auto = "parquet" if fmt == "parquet" else "jsonl"
    return Layout(f"{out}.shards", out, auto if cfg.shard_format == "auto" else cfg.shard_format)


def read_model(model: Path) -> tuple[str, dict[str, bytes], dict[str, Any]]:
    """The model folder's files (shipped to the actors), their digest and the model's metadata.

    Raises:
        MediaframeError: `model` is not a mediaframe model folder.
    """
    from mediaframe.model.modeling import read_meta

    meta = read_meta(model)
    files = {p.name: p.read_bytes() for p in sorted(model.iterdir()) if p.is_file()}
    digest = hashlib.sha256()
    for name, data in files.items():
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:16], files, meta


def predict_ray(
    model: Path, source: Path, out: Path, target: str | Sequence[str] = "", address: str | None = None,
    workers: int | None = None,
    **options: Any,
) -> PredictReport:
    """Score every sentence of `source` on Ray Data; the same options (see `PredictJob`) and rows as `predict.run.predict`.

    Args:
        address: a Ray cluster to join (`auto`, `ray://head:10001`); None starts a local Ray.
        workers: model actors (default: distributed.workers, else one per cpus_per_worker CPUs).

    Raises:
        MediaframeError: Ray missing, bad input or output, an unfinished or finished run without
            --resume/--force, a cluster that cannot be reached, or a failure inside a task.
    """
    return run_ray_job(job_of(model, source, out, target=target, **options), address, workers)


def run_ray_job(job: PredictJob, address: str | None = None, workers: int | None = None) -> PredictReport:
    """Run one prediction job on Ray Data (see `predict_ray`)."""
    from mediaframe.scale.shards import plan_shards
    from mediaframe.scale.storage import fingerprint, uri_of

    ray = import_ray()
    cfg, model, source, out, targets, unit, device = job.cfg, job.model, job.source, job.out, job.targets, job.unit, job.device
    layout = layout_of(out, cfg.distributed)
    src = uri_of(source)
    digest, files, meta = read_model(model)
    shards = plan_shards(src, unit, cfg)
    run = {**job.identity(), "input": src, "fingerprint": fingerprint(src),
           "shards": len(shards), "dtype": cfg.predict.dtype, "runtime": cfg.predict.runtime}
    report = PredictReport(out=out, articles_out=job.articles_out)
    shard_run = ShardRun(layout.folder, layout.final, run, prepare_manifest(layout, run, job.resume, job.force), report)
    if shard_run.manifest is None:
        return shard_run.report
    pending = shard_run.pending(shards)
    started = time.perf_counter()
    if pending:
        with ray_session(ray, address):
            size = pool_size(ray, workers or cfg.distributed.workers, cfg.distributed, device, address)
            logger.info("%d shards to score (%d done before) on %d Ray workers", len(pending), len(shards) - len(pending), size)
            package = {"digest": digest, "files": ray.put(files)}
            shard_run.collect(score_shards(ray, pending, package, layout, targets, unit, cfg, device, size), job.show_progress)
    shard_run.report.seconds = time.perf_counter() - started
    shard_run.finish(meta["labels"], cfg.distributed.keep_shards)
    return shard_run.report


def prepare_manifest(layout: Layout, run: dict[str, Any], resume: bool, force: bool) -> dict[str, Any] | None:
    """The manifest to work on: a new one, or the unfinished run's with --resume; None when nothing is left to do.

    Raises:
        MediaframeError: an output or unfinished run exists without --resume/--force, or --resume of another run.
    """
    from mediaframe.scale.storage import load_manifest, remove_shards

    manifest = None if force else load_manifest(layout.folder)
    finished = manifest["complete"] if manifest else bool(layout.final and layout.final.exists())
    where = str(layout.final or layout.folder) if finished else str(layout.folder)
    action = resume_action(finished=finished, unfinished=manifest is not None and not finished, resume=resume, force=force,
                           where=where)
    if action == "skip":
        return None
    if action == "resume":
        check_same_run(manifest["run"], run, str(layout.folder))
        return manifest
    if force:
        remove_shards(layout.folder)
    return {"format": "mediaframe-shards", "version": 1, "run": run, "complete": False, "rows": 0, "shards": {}}


@contextmanager
def ray_session(ray: Any, address: str | None) -> Iterator[None]:
    """Use this process's Ray session, join the cluster at `address`, or start a quiet local Ray (stopped after)."""
    from mediaframe.hardware import physical_cores

    if ray.is_initialized():
        yield
        return
    try:
        if address:
            ray.init(address=address, logging_level=logging.ERROR)
        else:
            ray.init(num_cpus=physical_cores(), include_dashboard=False, logging_level=logging.ERROR)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise MediaframeError(
            f"cannot start or reach Ray at {address or 'a local instance'} ({str(exc).splitlines()[0]}); "
            "check the address (`ray status` on the head node) or leave --address out for a local Ray"
        ) from None
    try:
        yield
    finally:
        ray.shutdown()


def pool_size(ray: Any, requested: int, cfg: DistributedConfig, device: str, address: str | None) -> int:
    """Model actors: as requested, else as many as the cluster's CPUs hold at cpus_per_worker each.

    Raises:
        MediaframeError: more CPUs asked than a fixed (local) Ray has; the run would wait forever.
    """
    cpus = int(ray.cluster_resources().get("CPU", 1))
    size = requested or max(1, cpus // cfg.cpus_per_worker)
    if size * cfg.cpus_per_worker > cpus:
        need = size * cfg.cpus_per_worker
        message = f"{size} workers x distributed.cpus_per_worker={cfg.cpus_per_worker} need {need} CPUs; Ray has {cpus}"
        if not address:
            raise MediaframeError(f"{message}; lower --workers or distributed.cpus_per_worker")
        logger.warning("%s; the run waits for the cluster to add nodes", message)
    return size


def score_shards(
    ray: Any, pending: list[Any], package: dict[str, Any], layout: Layout, targets: tuple[str, ...], unit: str, cfg: Config,
    device: str, size: int,
) -> Iterator[dict[str, Any]]:
    """Run the Ray Data pipeline over the pending shards; yield one summary per scored shard as it finishes."""
    from mediaframe.scale.work import ShardScorer, segment_shards

    settings = cfg.distributed
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    items = [{"shard": shard.id, "spec": shard.to_json()} for shard in pending]
    actors = min(size, len(items))
    gpus = (settings.gpus_per_worker or 1.0) if device == "cuda" else 0.0
    segmented = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
        segment_shards, batch_size=1, batch_format="pandas", fn_kwargs={"unit": unit, "targets": targets, "cfg": cfg},
        num_cpus=0, compute=ray.data.TaskPoolStrategy(size=min(max(2, actors), len(items))),
    )
    with warnings.catch_warnings():  # Ray 2.60 takes max_restarts/max_task_retries only as plain remote args
        warnings.filterwarnings("ignore", message=".*ray_remote_args.* is deprecated")
        scored = segmented.map_batches(
            ShardScorer, batch_size=1, batch_format="pandas",
            fn_constructor_kwargs={"package": package, "cfg": cfg, "device": device,
                                   "threads": settings.cpus_per_worker, "folder": layout.folder, "fmt": layout.fmt},
            compute=ray.data.ActorPoolStrategy(size=actors, max_tasks_in_flight_per_actor=2),
            num_cpus=settings.cpus_per_worker, num_gpus=gpus or None,
            max_restarts=settings.max_restarts, max_task_retries=settings.max_task_retries,
        )
    yield from scored.iter_rows()

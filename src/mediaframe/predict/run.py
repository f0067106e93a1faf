"""Batch-score a corpus: input records -> sentence rows -> prediction rows, streamed and resumable.

`predict` is the library function behind `mediaframe predict`. Articles are cleaned,
segmented and searched for target mentions (corpus.sentences.article_sentences); sentence rows
get their mentions from their target. Rows are scored a chunk at a time by one
`inference.predictor.Predictor`; meanwhile background threads (predict.overlap) read the chunk after and find
its mentions, and turn the chunk before into output rows appended through `predict.files.PartialWriter`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from mediaframe.corpus.mentions import MentionFinder, row_targets
from mediaframe.errors import MediaframeError
from mediaframe.hardware import auto_threads
from mediaframe.interrupts import deferred_interrupt
from mediaframe.predict.files import (
    PartialWriter,
    check_input,
    count_records,
    finalize,
    input_fingerprint,
    iter_partial,
    output_format,
    partial_paths,
)
from mediaframe.predict.job import PredictJob, job_of, resume_action
from mediaframe.predict.overlap import WriteBehind, prefetch
from mediaframe.predict.prediction_rows import prediction_rows, start_rows
from mediaframe.predict.rows import input_records, records_to_rows
from mediaframe.predict.summary import write_article_summary

logger = logging.getLogger(__name__)

FIRST_CHUNK = 256  # rows of the first chunk: scoring starts after a short read, then chunks double to chunk_size


@dataclass
class PredictReport:
    """What a prediction run did."""

    out: Path
    sentences: int = 0  # rows in the output (including those of a resumed earlier run)
    scored: int = 0  # rows scored by this run
    records: int = 0  # input records (articles or sentence rows) consumed, in all runs
    resumed_from: int = 0  # rows already in the output when this run started
    skipped: dict[str, int] = field(default_factory=dict)
    truncated: int = 0
    seconds: float = 0.0
    dtype: str = ""
    articles_out: Path | None = None

    @property
    def rate(self) -> float:
        return self.scored / self.seconds if self.seconds else 0.0


def predict(model: Path, source: Path, out: Path, target: str | Sequence[str] = "", **options: Any) -> PredictReport:
    """Score every sentence of `source` with the model in `model` and write one row each to `out`.

    `target`: one target, or several (each sentence without its own target is scored toward each, one row per
    sentence and target). `options` are the other fields of `PredictJob` (unit, articles_out, resume, force, cfg, device, show_progress).

    Raises:
        MediaframeError: unknown unit, bad input, an existing output without --force/--resume,
            or nothing to score.
    """
    return run_job(job_of(model, source, out, target=target, **options))


def run_job(job: PredictJob) -> PredictReport:
    """Run one prediction job in this process (see `predict`): read records, make sentence rows, cut them
    into chunks, score each chunk, write its prediction rows."""
    from mediaframe.corpus.mentions import MentionFinder
    from mediaframe.inference.predictor import Predictor

    cfg, settings = job.cfg, job.cfg.predict
    check_input(job.source)
    output_format(job.out)
    if not prepare_output(job.out, job.resume, job.force):
        return PredictReport(out=job.out)
    threads = settings.threads or auto_threads(job.cpu_watch)  # 0: one per core other processes leave idle
    predictor = Predictor(job.model, settings.batch_size, settings.dtype, job.device, threads, cfg.targets,
                          settings.runtime, settings.remember)
    logger.info("scoring with %s on %s, %s threads", predictor.path, predictor.device, predictor.threads or "default")
    writer = PartialWriter(job.out, run_identity(job, predictor.path), job.resume)
    report = PredictReport(out=job.out, resumed_from=writer.progress.rows, dtype=predictor.path, articles_out=job.articles_out)
    stats: Counter[str] = Counter()
    finder = MentionFinder(cfg.targets)
    started = time.perf_counter()
    try:
        records = islice(input_records(job.source, job.unit, cfg, stats), writer.progress.records, None)
        sentence_rows = records_to_rows(records, job.unit, job.targets, cfg, stats)
        chunks = prefetch(with_mentions(chunk_rows(sentence_rows, settings.chunk_size), finder))
        with progress_bar(count_records(job.source, job.unit), writer.progress.records, job.show_progress) as bar, \
                deferred_interrupt() as interrupted:
            report.scored = score_chunks(chunks, predictor, finder, writer, bar, interrupted)
    except MediaframeError as exc:
        raise kept_or_discarded(writer, exc) from exc.__cause__
    except KeyboardInterrupt:
        raise MediaframeError(
            f"interrupted after {writer.progress.rows:,} sentences; they are kept in {writer.partial}; "
            "run the same command with --resume to go on"
        ) from None
    finally:
        predictor.settle()  # chunks dropped after a failed write may still be running
        writer.close()
    report.seconds, report.skipped, report.truncated = time.perf_counter() - started, dict(stats), predictor.truncated
    return finish_run(report, writer, job.source, predictor.labels)


def run_identity(job: PredictJob, path: str) -> dict[str, Any]:
    """What a resumed run must share with the one it continues: the job's identity, the scoring path, the input."""
    return {**job.identity(), "path": path, "input": str(job.source.resolve()), "fingerprint": input_fingerprint(job.source)}


def kept_or_discarded(writer: PartialWriter, exc: MediaframeError) -> MediaframeError:
    """The error of a run stopped by `exc`: with nothing written the partial run is removed; with rows
    written they are kept, and a failed write (a full disk) says how to go on."""
    if not writer.progress.rows:
        writer.discard()  # nothing was written: leave no partial run behind
        return exc
    if isinstance(exc.__cause__, OSError):
        return MediaframeError(f"{exc}; the {writer.progress.rows:,} sentences written are kept in {writer.partial}: "
                               "free space and run the same command with --resume to go on")
    return exc


def finish_run(report: PredictReport, writer: Any, source: Path, labels: dict[str, list[str]]) -> PredictReport:
    """Write the article summary, turn the partial output into the output, log the counts.

    Raises:
        MediaframeError: not one sentence was scored (the partial output is removed).
    """
    report.records, report.sentences = writer.progress.records, writer.progress.rows
    if not report.sentences:
        writer.discard()
        raise MediaframeError(f"input {source}: no sentence to score (skipped: {report.skipped or 'none'}); check the input")
    if report.articles_out is not None:
        write_article_summary(iter_partial(writer.partial), report.articles_out, labels)
    finalize(report.out)
    log_report(report)
    return report


def score_chunks(
    chunks: Iterable[tuple[list[dict[str, Any]], int]], predictor: Any, finder: MentionFinder, writer: PartialWriter,
    bar: Any, interrupted: threading.Event,
) -> int:
    """Score each chunk and append it to the output (in a thread, while the next is scored); returns the rows scored.

    Raises:
        KeyboardInterrupt: after the chunk during which Ctrl-C was pressed has been written.
    """
    def write(rows: list[dict[str, Any]], queued: tuple[Any, ...], consumed: int) -> None:
        targets, mentions, probs = queued
        writer.write(prediction_rows(rows, targets, mentions, probs(), predictor.labels), consumed)

    scored, started = 0, time.perf_counter()
    with WriteBehind(write) as behind:
        for rows, consumed in chunks:  # a chunk's last batches are scored while the next is tokenized
            behind.put(rows, start_rows(predictor, finder, rows), consumed)
            if interrupted.is_set():
                raise KeyboardInterrupt
            scored += len(rows)
            bar.update(consumed)
            bar.set_postfix_str(f"{scored / max(time.perf_counter() - started, 1e-9):,.0f} sentences/s")
    return scored


def prepare_output(out: Path, resume: bool, force: bool) -> bool:
    """Decide whether to run (predict.job.resume_action): False when resuming a run that already finished.

    Raises:
        MediaframeError: the output or an unfinished run exists and neither --resume nor --force was given.
    """
    partial, sidecar = partial_paths(out)
    unfinished = partial.exists()
    action = resume_action(finished=out.exists() and not unfinished, unfinished=unfinished, resume=resume, force=force,
                           where=str(partial if unfinished else out))
    if action == "start":
        for path in (partial, sidecar):
            path.unlink(missing_ok=True)
    return action != "skip"


def chunk_rows(
    row_lists: Iterable[list[dict[str, Any]]], size: int, first: int = FIRST_CHUNK
) -> Iterator[tuple[list[dict[str, Any]], int]]:
    """Group whole records into chunks of about `size` rows: (rows, records in the chunk). The first chunks are
    smaller (`first` rows, doubling up to `size`), so that scoring starts while little has been read."""
    rows: list[dict[str, Any]] = []
    records, wanted = 0, min(first, size)
    for record_rows in row_lists:
        rows.extend(record_rows)
        records += 1
        if len(rows) >= wanted:
            yield rows, records
            rows, records, wanted = [], 0, min(2 * wanted, size)
    if records:
        yield rows, records


def with_mentions(
    chunks: Iterable[tuple[list[dict[str, Any]], int]], finder: MentionFinder
) -> Iterator[tuple[list[dict[str, Any]], int]]:
    """Give every row of each chunk its target mentions (an article's were found with its sentences; a
    sentence row's own are kept, else found), so that the search runs in the background thread with the
    reading while the scoring threads work on the chunk before."""
    for rows, consumed in chunks:
        for row, found in zip(rows, finder.rows(rows, row_targets(rows, "")), strict=True):  # every row has its target
            row["mentions"] = found
        yield rows, consumed


def progress_bar(total: int | None, initial: int, show: bool | None) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit=" records", disable=None if show is None else not show, smoothing=0.1)


def log_report(report: PredictReport) -> None:
    skipped = sum(report.skipped.values())
    logger.info(
        "%s sentences scored in %.1f s (%s/s, %s)%s%s -> %s", f"{report.scored:,}", report.seconds, f"{report.rate:,.0f}",
        report.dtype, f"; {report.resumed_from:,} kept from the earlier run" if report.resumed_from else "",
        f"; skipped {skipped:,} ({', '.join(f'{k}: {v}' for k, v in sorted(report.skipped.items()))})" if skipped else "",
        report.out,
    )
    if report.truncated:
        logger.warning("%s sentences were longer than the model's max_length and were truncated", f"{report.truncated:,}")

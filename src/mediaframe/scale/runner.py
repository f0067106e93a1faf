"""The Ray engine's bookkeeping on the driver: which shards are done, the manifest, the final output.

A shard counts as done when its file exists (files appear whole, see `scale.storage`), so a
run killed at any moment resumes from its shard files even if the manifest lags behind.
At the end every planned shard must be there; the shards are then merged in shard order
into the output file, summarised per article when asked, and the report is filled in.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mediaframe.errors import MediaframeError
from mediaframe.predict.run import PredictReport

logger = logging.getLogger(__name__)

SAVE_EVERY_S = 5.0  # seconds between manifest saves while shards arrive (and once at the end)
SUMMARY_FIELDS = ("file", "rows", "records", "truncated", "dtype", "seconds", "worker")


class ShardRun:
    """One run's manifest and report, updated as shard summaries arrive.

    Args:
        folder: where the shard files and _manifest.json are.
        final: the merged output file, or None when the shard folder is the output.
        run: what identifies the run (model digest, input fingerprint, unit, target, shards, dtype).
        manifest: the manifest to work on (new, or an unfinished run's); None: nothing left to do.
        report: filled in as the run goes.
    """

    def __init__(self, folder: str, final: Path | None, run: dict[str, Any], manifest: dict[str, Any] | None,
                 report: PredictReport) -> None:
        self.folder, self.final, self.run, self.manifest, self.report = folder, final, run, manifest, report
        self.saved = 0.0

    @property
    def shards(self) -> dict[str, dict[str, Any]]:
        return self.manifest["shards"] if self.manifest else {}

    def pending(self, planned: list[Any]) -> list[Any]:
        """The planned shards without a shard file; files found but not in the manifest are added to it."""
        from mediaframe.scale.storage import (
            finished_shards,
            remove_temporaries,
            shard_rows,
        )

        remove_temporaries(self.folder)
        files = {i: name for i, name in finished_shards(self.folder).items() if i < len(planned)}
        for key in [k for k in self.shards if int(k) not in files or self.shards[k]["file"] != files[int(k)]]:
            del self.shards[key]
        for shard_id, name in files.items():
            self.shards.setdefault(str(shard_id), {"file": name, "rows": shard_rows(self.folder, name)})
        self.report.resumed_from = sum(entry["rows"] for entry in self.shards.values())
        return [shard for shard in planned if str(shard.id) not in self.shards]

    def collect(self, summaries: Iterable[dict[str, Any]], show_progress: bool | None) -> None:
        """Record shard summaries as they arrive; on any failure save what is done, then raise.

        Raises:
            MediaframeError: interrupted, or a task failed on bad input (its message, without Ray's traceback).
        """
        from tqdm.auto import tqdm

        total = self.run["shards"] - len(self.shards)
        bar = tqdm(total=total, unit=" shards", disable=None if show_progress is None else not show_progress)
        try:
            for summary in summaries:
                self.record(summary)
                bar.update(1)
        except KeyboardInterrupt:
            raise MediaframeError(
                f"interrupted after {len(self.shards)} of {self.run['shards']} shards; they are kept in {self.folder}; "
                "run the same command with --resume to go on"
            ) from None
        except Exception as exc:
            cause = user_error(exc)
            if cause is None:
                raise
            raise cause from None
        finally:
            bar.close()
            self.save()

    def record(self, summary: dict[str, Any]) -> None:
        entry = {name: plain(summary[name]) for name in SUMMARY_FIELDS}
        entry["skipped"] = json.loads(summary["skipped"])
        self.shards[str(plain(summary["shard"]))] = entry
        self.report.scored += entry["rows"]
        self.report.truncated += entry["truncated"]
        if time.monotonic() - self.saved > SAVE_EVERY_S:
            self.save()

    def save(self) -> None:
        from mediaframe.scale.storage import save_manifest

        save_manifest(self.folder, self.manifest)
        self.saved = time.monotonic()

    def finish(self, labels: dict[str, list[str]], keep_shards: bool) -> None:
        """Check every shard is there, complete the manifest, merge into the output, fill in the report.

        Raises:
            MediaframeError: shards missing (a run that stopped early), or no sentence in the whole input.
        """
        from mediaframe.predict.run import log_report
        from mediaframe.predict.summary import write_article_summary
        from mediaframe.scale.storage import (
            finished_shards,
            merge_shards,
            remove_shards,
            remove_temporaries,
            shard_chunks,
        )

        missing = [i for i in range(self.run["shards"]) if str(i) not in self.shards]
        if missing:
            raise MediaframeError(f"{len(missing)} shards were not scored (first: {missing[0]}); run the same command with --resume")
        names = [self.shards[str(i)]["file"] for i in range(self.run["shards"])]
        unseen = sorted(set(names) - set(finished_shards(self.folder).values()))
        if unseen:
            raise MediaframeError(
                f"{len(unseen)} shard files reported written are not in {self.folder} (first: {unseen[0]}); on a cluster "
                "--out must be on storage every node writes to (s3://..., gs://..., or a shared file system)"
            )
        self.fill_report()
        if not self.report.sentences:
            skipped = self.report.skipped or "none"
            raise MediaframeError(f"input {self.run['input']}: no sentence to score (skipped: {skipped}); check the input")
        self.manifest.update(complete=True, rows=self.report.sentences)
        self.save()
        remove_temporaries(self.folder)  # left by actors killed while writing
        if self.final is not None:
            merge_shards(self.folder, names, self.final)
        if self.report.articles_out is not None:
            write_article_summary(shard_chunks(self.folder, names), self.report.articles_out, labels)
        if self.final is not None and not keep_shards:
            remove_shards(self.folder)
        log_report(self.report)

    def fill_report(self) -> None:
        entries = [self.shards[str(i)] for i in range(self.run["shards"])]
        skipped: Counter[str] = Counter()
        for entry in entries:
            skipped.update(entry.get("skipped", {}))
        self.report.sentences = sum(entry["rows"] for entry in entries)
        self.report.records = sum(entry.get("records", 0) for entry in entries)
        self.report.skipped = dict(skipped)
        self.report.dtype = "+".join(sorted({entry["dtype"] for entry in entries if entry.get("dtype")})) or "-"


def plain(value: Any) -> Any:
    """A numpy scalar from a Ray batch as the Python value (for JSON)."""
    return value.item() if hasattr(value, "item") else value


def user_error(exc: BaseException) -> MediaframeError | None:
    """The MediaframeError behind a Ray task failure (Ray wraps it with the remote traceback), if any."""
    seen: BaseException | None = exc
    for _ in range(20):
        if seen is None:
            return None
        cause = getattr(seen, "cause", None)
        if isinstance(seen, MediaframeError) and not isinstance(cause, BaseException):
            return MediaframeError(str(seen.args[0]) if seen.args else str(seen))
        seen = cause if isinstance(cause, BaseException) else (seen.__cause__ or seen.__context__)
    return None

"""predict(): articles and sentence rows to prediction files, resume, overwrite rules, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mediaframe.config import load_config
from mediaframe.errors import MediaframeError
from mediaframe.records import Article

ARTICLE = (
    "Netflix praised the writers.\n\nThe strike was bad for the company. The streamer said profits were great.\n\n"
    "Orbital Foods was terrible."
)


def cfg(**predict: object):
    return load_config(None, [f"predict.{k}={json.dumps(v)}" for k, v in {"threads": 1, "dtype": "fp32", **predict}.items()])


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def sentence_file(tmp_path: Path, n: int) -> Path:
    return write_jsonl(tmp_path / "sentences.jsonl", [{"id": f"s{i}", "text": f"Netflix praised {i} writers."} for i in range(n)])


def test_predict_run_articles_become_rows_with_ids_and_labels(tmp_path: Path, tiny_model_dir: Path) -> None:
    from mediaframe.predict.run import predict

    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a1.txt").write_text("outlet: Daily\ndate: 2024-01-02\n\n" + ARTICLE, encoding="utf-8")
    report = predict(tiny_model_dir, tmp_path / "corpus", tmp_path / "p.jsonl", "Netflix", cfg=cfg(), show_progress=False)
    rows = read_jsonl(tmp_path / "p.jsonl")
    assert report.sentences == len(rows) == 4
    assert [r["id"] for r in rows] == ["a1:0", "a1:1", "a1:2", "a1:3"]
    assert rows[0]["outlet"] == "Daily" and rows[0]["date"] == "2024-01-02" and rows[0]["target"] == "Netflix"
    assert [r["mentions_target"] for r in rows] == [True, True, True, False]  # "the streamer" counts after a naming
    assert rows[0]["stance"] in rows[0]["stance_probs"]
    assert not (tmp_path / "p.jsonl.partial.jsonl").exists() and not (tmp_path / "p.jsonl.progress.json").exists()


def test_predict_run_rows_carry_the_context_a_context_model_reads() -> None:
    from collections import Counter

    from mediaframe.predict.rows import records_to_rows

    article = Article(id="a", title="Netflix posts a job", text="Netflix praised the writers. The strike went on.")
    given = [{"_number": 1, "text": "Shares fell.", "context": "Netflix cut its outlook."},
             {"_number": 2, "text": "Shares fell.", "title": "Results day", "previous": "Netflix cut its outlook."},
             {"_number": 3, "text": "Shares fell."}]
    rows = [row for rows in records_to_rows([article, *given], "sentence", ["Netflix"], cfg(), Counter()) for row in rows]
    assert [row["text"] for row in rows][:2] == ["Netflix posts a job", "Netflix praised the writers."]  # the title opens it
    assert [row["context"] for row in rows] == ["", "Netflix posts a job.", "Netflix posts a job. Netflix praised the writers.",
                                                "Netflix cut its outlook.", "Results day. Netflix cut its outlook.", ""]


def test_predict_run_sentence_rows_keep_ids_and_own_targets(tmp_path: Path, tiny_model_dir: Path) -> None:
    from mediaframe.predict.run import predict

    source = write_jsonl(tmp_path / "in.jsonl", [
        {"id": "x-7", "text": "Netflix praised the writers.", "outlet": "A"},
        {"text": "Orbital Foods was bad.", "target": "Orbital Foods", "date": "2024-05-01"},
    ])
    predict(tiny_model_dir, source, tmp_path / "p.jsonl", "Netflix", unit="sentence", cfg=cfg(), show_progress=False)
    first, second = read_jsonl(tmp_path / "p.jsonl")
    assert first["id"] == "x-7" and first["outlet"] == "A" and first["target"] == "Netflix" and first["mentions_target"]
    assert second["id"] == "row-2" and second["target"] == "Orbital Foods" and second["mentions_target"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_predict_run_writes_csv_and_parquet(tmp_path: Path, tiny_model_dir: Path, suffix: str) -> None:
    import pandas as pd

    from mediaframe.predict.run import predict

    out = tmp_path / f"p{suffix}"
    predict(tiny_model_dir, sentence_file(tmp_path, 30), out, "Netflix", unit="sentence", cfg=cfg(chunk_size=7), show_progress=False)
    frame = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert list(frame["id"]) == [f"s{i}" for i in range(30)]
    probs = frame["stance_probs"][0]
    probs = json.loads(probs) if suffix == ".csv" else probs
    assert set(probs) == {"against", "neutral", "favor"}


def test_predict_run_article_summary_counts_and_scores(tmp_path: Path, tiny_model_dir: Path) -> None:
    import pandas as pd

    from mediaframe.predict.run import predict

    source = write_jsonl(tmp_path / "articles.jsonl", [{"id": "a", "text": ARTICLE, "outlet": "O"}, {"id": "b", "text": "Netflix was great."}])
    predict(tiny_model_dir, source, tmp_path / "p.jsonl", "Netflix", articles_out=tmp_path / "a.csv", cfg=cfg(), show_progress=False)
    rows = read_jsonl(tmp_path / "p.jsonl")
    summary = pd.read_csv(tmp_path / "a.csv").set_index("article_id")
    assert summary.loc["a", "sentences"] == 4 and summary.loc["b", "sentences"] == 1
    a_rows = [r for r in rows if r["article_id"] == "a"]
    expected = sum({"favor": 1, "against": -1}.get(r["stance"], 0) for r in a_rows) / 4
    assert summary.loc["a", "stance_score"] == pytest.approx(expected, abs=1e-4)
    assert summary.loc["a", [f"stance_{s}" for s in ("against", "neutral", "favor")]].sum() == 4


def test_predict_run_failed_write_leaves_no_scoring_running(tmp_path: Path, tiny_model_copy: Path, monkeypatch) -> None:
    """A chunk dropped after a failed write may still be scoring in OpenVINO's threads: predict waits for it, since a
    callback that fires while Python shuts down aborts the process."""
    import time

    from mediaframe.inference.openvino_runtime import OpenVinoScorer
    from mediaframe.predict import files
    from mediaframe.predict.run import predict

    running = {"now": 0}
    collect = OpenVinoScorer.collect

    def slow_collect(request, job) -> None:
        running["now"] += 1
        time.sleep(0.05)
        collect(request, job)
        running["now"] -= 1

    def full_disk(self, rows, consumed) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(OpenVinoScorer, "collect", staticmethod(slow_collect))
    monkeypatch.setattr(files.PartialWriter, "write", full_disk)
    with pytest.raises(OSError):
        predict(tiny_model_copy, sentence_file(tmp_path, 400), tmp_path / "p.jsonl", "Netflix", unit="sentence",
                cfg=cfg(runtime="openvino", batch_size=2, chunk_size=40, threads=2), show_progress=False)
    assert running["now"] == 0


def test_predict_run_refuses_to_overwrite_without_force(tmp_path: Path, tiny_model_dir: Path) -> None:
    from mediaframe.predict.run import predict

    out = tmp_path / "p.jsonl"
    out.write_text("keep me\n", encoding="utf-8")
    with pytest.raises(MediaframeError, match="pass --force"):
        predict(tiny_model_dir, sentence_file(tmp_path, 3), out, "Netflix", unit="sentence", cfg=cfg(), show_progress=False)
    assert out.read_text(encoding="utf-8") == "keep me\n"
    predict(tiny_model_dir, sentence_file(tmp_path, 3), out, "Netflix", unit="sentence", force=True, cfg=cfg(), show_progress=False)
    assert len(read_jsonl(out)) == 3


def test_predict_run_resume_cuts_a_torn_chunk_and_scores_the_rest_once(tmp_path: Path, tiny_model_dir: Path) -> None:
    from mediaframe.predict.files import PartialWriter, partial_paths
    from mediaframe.predict.job import job_of
    from mediaframe.predict.run import predict, run_identity

    source, out = sentence_file(tmp_path, 50), tmp_path / "p.jsonl"
    full = tmp_path / "full.jsonl"
    scoring_path = predict(tiny_model_dir, source, full, "Netflix", unit="sentence", cfg=cfg(chunk_size=10),
                           show_progress=False).dtype
    expected = read_jsonl(full)
    # a run killed after 20 rows, in the middle of writing its third chunk:
    job = job_of(tiny_model_dir, source, out, target="Netflix", unit="sentence", cfg=cfg(chunk_size=10))
    writer = PartialWriter(out, run_identity(job, scoring_path), resume=False)
    writer.write(expected[:10], 10)
    writer.write(expected[10:20], 10)
    writer.close()
    partial, _ = partial_paths(out)
    with open(partial, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(expected[20]) + "\n" + json.dumps(expected[21])[:17])  # a whole line and a torn one
    report = predict(tiny_model_dir, source, out, "Netflix", unit="sentence", resume=True, cfg=cfg(chunk_size=10), show_progress=False)
    rows = read_jsonl(out)
    assert [r["id"] for r in rows] == [f"s{i}" for i in range(50)]
    assert report.resumed_from == 20 and report.scored == 30
    assert rows[25]["stance_probs"] == expected[25]["stance_probs"]


def test_predict_run_resume_of_another_run_is_refused(tmp_path: Path, tiny_model_dir: Path) -> None:
    from mediaframe.predict.files import PartialWriter
    from mediaframe.predict.run import predict

    out = tmp_path / "p.jsonl"
    PartialWriter(out, {"model": "other"}, resume=False).close()
    with pytest.raises(MediaframeError, match="belongs to another run"):
        predict(tiny_model_dir, sentence_file(tmp_path, 3), out, "Netflix", unit="sentence", resume=True, cfg=cfg(), show_progress=False)
    with pytest.raises(MediaframeError, match="pass --resume to go on or --force"):
        predict(tiny_model_dir, sentence_file(tmp_path, 3), out, "Netflix", unit="sentence", cfg=cfg(), show_progress=False)


def test_predict_run_resume_with_a_model_retrained_in_place_is_refused(tmp_path: Path, tiny_model_copy: Path) -> None:
    from safetensors.torch import load_file, save_file

    from mediaframe.predict.files import partial_paths
    from mediaframe.predict.run import predict

    source, out = sentence_file(tmp_path, 30), tmp_path / "p.jsonl"
    predict(tiny_model_copy, source, out, "Netflix", unit="sentence", cfg=cfg(), show_progress=False)
    partial, _ = partial_paths(out)
    out.rename(partial)  # as if the run had been stopped before it finished
    (tmp_path / "p.jsonl.progress.json").write_text(
        json.dumps({"run": sidecar_run(tmp_path, tiny_model_copy, source), "records": 10, "rows": 10,
                    "bytes": len(b"".join(partial.read_bytes().splitlines(keepends=True)[:10]))}), encoding="utf-8")
    weights = tiny_model_copy / "model.safetensors"
    tensors = load_file(weights)
    save_file({name: tensor * 1.01 for name, tensor in tensors.items()}, weights)  # retrained in place
    with pytest.raises(MediaframeError, match="weights changed since"):
        predict(tiny_model_copy, source, out, "Netflix", unit="sentence", resume=True, cfg=cfg(), show_progress=False)


def sidecar_run(tmp_path: Path, model: Path, source: Path) -> dict:
    """The identity a run of `model` over `source` records, as predict computes it."""
    from mediaframe.inference.predictor import Predictor
    from mediaframe.predict.job import job_of
    from mediaframe.predict.run import run_identity

    settings = cfg().predict
    path = Predictor(model, settings.batch_size, settings.dtype, runtime=settings.runtime).path
    return run_identity(job_of(model, source, tmp_path / "p.jsonl", target="Netflix", unit="sentence", cfg=cfg()), path)


def test_predict_run_resume_of_a_finished_run_does_nothing(tmp_path: Path, tiny_model_dir: Path) -> None:
    from mediaframe.predict.run import predict

    out = tmp_path / "p.jsonl"
    predict(tiny_model_dir, sentence_file(tmp_path, 5), out, "Netflix", unit="sentence", cfg=cfg(), show_progress=False)
    before = out.read_bytes()
    report = predict(tiny_model_dir, sentence_file(tmp_path, 5), out, "Netflix", unit="sentence", resume=True, cfg=cfg(), show_progress=False)
    assert report.scored == 0 and out.read_bytes() == before


# ---------------------------------------------------------------- bad input


def test_predict_run_rows_without_text_are_skipped_and_counted(tmp_path: Path, tiny_model_dir: Path) -> None:
    from mediaframe.predict.run import predict

    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "text": "Netflix won."}\n{"id": "b"}\nnot json\n{"id": "c", "text": "  "}\n{"id": "d", "text": "Netflix lost."}\n', encoding="utf-8")
    report = predict(tiny_model_dir, source, tmp_path / "p.jsonl", "Netflix", unit="sentence", cfg=cfg(), show_progress=False)
    assert [r["id"] for r in read_jsonl(tmp_path / "p.jsonl")] == ["a", "d"]
    assert report.skipped == {"no_text": 2, "bad_line": 1}


def test_predict_run_empty_input_is_one_clear_error(tmp_path: Path, tiny_model_dir: Path) -> None:
    from mediaframe.predict.run import predict

    (tmp_path / "empty.jsonl").write_bytes(b"")
    with pytest.raises(MediaframeError, match="is empty; expected"):
        predict(tiny_model_dir, tmp_path / "empty.jsonl", tmp_path / "p.jsonl", "Netflix", unit="sentence", cfg=cfg())


def test_predict_run_reads_a_latin1_sentence_file_as_build_does(
    tmp_path: Path, tiny_model_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from mediaframe.predict.run import predict

    (tmp_path / "latin.jsonl").write_bytes('{"text": "Netflix opened a caf\u00e9 in Paris today."}\n'.encode("latin-1"))
    predict(tiny_model_dir, tmp_path / "latin.jsonl", tmp_path / "p.jsonl", "Netflix", unit="sentence", cfg=cfg(), show_progress=False)
    assert [r["text"] for r in read_jsonl(tmp_path / "p.jsonl")] == ["Netflix opened a caf\u00e9 in Paris today."]
    assert "not UTF-8; decoded as" in caplog.text


def test_predict_run_binary_input_is_one_clear_error(tmp_path: Path, tiny_model_dir: Path) -> None:
    from mediaframe.predict.run import predict

    (tmp_path / "blob.jsonl").write_bytes(b"\x89PNG\x00\x00\x01" * 50)
    with pytest.raises(MediaframeError, match="file is binary"):
        predict(tiny_model_dir, tmp_path / "blob.jsonl", tmp_path / "p.jsonl", "Netflix", unit="sentence", cfg=cfg(), show_progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blob.jsonl"]  # no output, no partial run left behind


def test_predict_run_unknown_unit_is_refused(tmp_path: Path, tiny_model_dir: Path) -> None:
    from mediaframe.predict.run import predict

    with pytest.raises(MediaframeError, match="--unit 'paragraph': expected 'article'"):
        predict(tiny_model_dir, sentence_file(tmp_path, 2), tmp_path / "p.jsonl", "Netflix", unit="paragraph", cfg=cfg())


def test_predict_run_long_sentence_is_truncated_and_counted(tmp_path: Path, tiny_model_dir: Path) -> None:
    from mediaframe.predict.run import predict

    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "Netflix " + "strike " * 10_000}, {"text": "Netflix won."}])
    report = predict(tiny_model_dir, source, tmp_path / "p.jsonl", "Netflix", unit="sentence", cfg=cfg(), show_progress=False)
    assert report.truncated == 1 and report.sentences == 2


def test_predict_run_five_megabyte_article_works(tmp_path: Path, tiny_model_dir: Path) -> None:
    from mediaframe.predict.run import predict

    paragraph = "Netflix praised the writers and the actors on strike, the company said in a new record year.\n"
    (tmp_path / "big.txt").write_text(paragraph * (5_000_000 // len(paragraph) + 1), encoding="utf-8")
    assert (tmp_path / "big.txt").stat().st_size > 5_000_000
    report = predict(tiny_model_dir, tmp_path / "big.txt", tmp_path / "p.jsonl", "Netflix", cfg=cfg(batch_size=256), show_progress=False)
    assert report.sentences > 50_000 and report.skipped == {}


def test_predict_run_prefetch_keeps_order_and_raises_the_producers_error() -> None:
    from mediaframe.predict.overlap import prefetch

    assert list(prefetch(iter(range(100)), depth=3)) == list(range(100))

    def failing():
        yield 1
        raise MediaframeError("broken input")

    with pytest.raises(MediaframeError, match="broken input"):
        list(prefetch(failing()))


def test_predict_run_write_behind_writes_in_order_and_waits_on_leaving() -> None:
    import time

    from mediaframe.predict.overlap import WriteBehind

    written: list[int] = []

    def slow_write(number: int) -> None:
        time.sleep(0.01)
        written.append(number)

    with WriteBehind(slow_write) as behind:
        for number in range(20):
            behind.put(number)
    assert written == list(range(20))
    with pytest.raises(KeyboardInterrupt), WriteBehind(slow_write) as behind:  # an interrupt still writes what was put
        behind.put(20)
        raise KeyboardInterrupt
    assert written[-1] == 20


def test_predict_run_write_behind_raises_the_writers_error_and_writes_nothing_after_it() -> None:
    from mediaframe.predict.overlap import WriteBehind

    written: list[int] = []

    def write(number: int) -> None:
        if number == 2:
            raise OSError("disk full")
        written.append(number)

    with pytest.raises(OSError, match="disk full"), WriteBehind(write) as behind:
        for number in range(6):
            behind.put(number)
    assert written == [0, 1]


def test_predict_run_chunks_hold_whole_records() -> None:
    from mediaframe.predict.run import chunk_rows

    chunks = list(chunk_rows([[{"i": 1}] * 3, [], [{"i": 2}] * 4, [{"i": 3}]], size=4))
    assert [(len(rows), records) for rows, records in chunks] == [(7, 3), (1, 1)]


def test_predict_run_first_chunks_are_small_then_double_to_the_chunk_size() -> None:
    from mediaframe.predict.run import chunk_rows

    chunks = list(chunk_rows([[{"i": i}] for i in range(40)], size=16, first=2))
    assert [len(rows) for rows, _ in chunks] == [2, 4, 8, 16, 10]
    assert [row["i"] for rows, _ in chunks for row in rows] == list(range(40))


def test_predict_run_job_is_one_frozen_record_that_refuses_an_unknown_unit(tmp_path: Path, tiny_model_dir: Path) -> None:
    import dataclasses

    from mediaframe.model.folder import weights_digest
    from mediaframe.predict.job import PredictJob

    job = PredictJob(tiny_model_dir, tmp_path / "in.jsonl", tmp_path / "out.jsonl", "Netflix", unit="sentence")
    with pytest.raises(dataclasses.FrozenInstanceError):
        job.unit = "article"  # type: ignore[misc]
    assert job.identity() == {"model": str(tiny_model_dir.resolve()), "model_digest": weights_digest(tiny_model_dir),
                              "unit": "sentence", "target": "Netflix"}
    with pytest.raises(MediaframeError, match="--unit 'words': expected 'article'"):
        PredictJob(tmp_path / "model", tmp_path / "in.jsonl", tmp_path / "out.jsonl", unit="words")


def test_predict_run_output_lines_are_json_with_numpy_numbers_nan_and_dates_made_json() -> None:
    import datetime

    import numpy as np

    from mediaframe.predict.files import jsonl_bytes

    rows = [{"text": "Netflix’s café", "p": np.float32(0.25), "n": np.int64(3), "missing": float("nan"),
             "date": datetime.date(2023, 7, 26)}, {"text": "second"}]
    lines = jsonl_bytes(rows).decode("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"text": "Netflix’s café", "p": 0.25, "n": 3, "missing": None, "date": "2023-07-26"}, {"text": "second"}]
    assert "café" in lines[0]  # UTF-8 as is, not \u escapes

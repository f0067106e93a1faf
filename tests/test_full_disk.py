"""A full disk, for real: every command that writes answers one line, exits 1, shows no traceback, and
`predict --resume` after space is freed writes every row exactly once. The disk is a 64 KiB tmpfs
(mounting needs root, as on CI; elsewhere these tests are skipped); a path under a file needs nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SEED = Path(__file__).resolve().parents[1] / "data" / "seed"


def mediaframe(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "mediaframe", *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=300)


def assert_one_line_failure(result: subprocess.CompletedProcess[str], where: Path) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "FATAL" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "could not write" in errors[0] and str(where) in errors[0], result.stderr


def sentence_rows(path: Path, n: int) -> Path:
    rows = (json.dumps({"id": f"a{i // 10}:{i % 10}", "article_id": f"a{i // 10}", "index": i % 10, "outlet": f"o{i % 3}",
                        "text": f"Netflix said on day {i} that the strike over pay and AI was bad for writers."}) for i in range(n))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_full_disk_sentences_and_build_answer_one_line(tmp_path: Path, full_disk: Path) -> None:
    big = tmp_path / "big"
    big.mkdir()
    (big / "article.txt").write_text("Netflix raised prices again. " * 4000, encoding="utf-8")
    result = mediaframe("sentences", str(big), "--target", "Netflix", "--out", str(full_disk / "s.jsonl"), cwd=tmp_path)
    assert_one_line_failure(result, full_disk / "s.jsonl")
    result = mediaframe("build", str(big), "--target", "Netflix", "--out", str(full_disk / "ds"), cwd=tmp_path)
    assert_one_line_failure(result, full_disk / "ds")
    assert not [p for p in full_disk.iterdir() if not p.name.startswith("lost")]  # nothing half-written left


def test_full_disk_predict_keeps_its_rows_and_resumes_exactly_once(tmp_path: Path, full_disk: Path, tiny_model_dir: Path) -> None:
    source = sentence_rows(tmp_path / "rows.jsonl", 400)
    small_chunks = ["--set", "predict.chunk_size=40", "--set", "predict.dtype=fp32", "--set", "predict.runtime=torch"]
    whole = mediaframe("predict", str(tiny_model_dir), str(source), "--unit", "sentence", "--target", "Netflix",
                       "--out", str(tmp_path / "whole.jsonl"), *small_chunks, cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    out = full_disk / "p.jsonl"
    stopped = mediaframe("predict", str(tiny_model_dir), str(source), "--unit", "sentence", "--target", "Netflix",
                         "--out", str(out), *small_chunks, cwd=tmp_path)
    assert_one_line_failure(stopped, full_disk / "p.jsonl.partial.jsonl")
    assert "--resume" in stopped.stderr
    subprocess.run(["mount", "-o", "remount,size=8m", str(full_disk)], check=True)  # space freed
    resumed = mediaframe("predict", str(tiny_model_dir), str(source), "--unit", "sentence", "--target", "Netflix",
                         "--out", str(out), "--resume", *small_chunks, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    expected = [json.loads(line) for line in (tmp_path / "whole.jsonl").read_text(encoding="utf-8").splitlines()]
    got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in got] == [r["id"] for r in expected]
    assert [r["stance_probs"] for r in got] == [r["stance_probs"] for r in expected]


def test_full_disk_compare_answers_one_line(tmp_path: Path, full_disk: Path, tiny_model_dir: Path) -> None:
    source = sentence_rows(tmp_path / "rows.jsonl", 300)
    predictions = tmp_path / "p.jsonl"
    scored = mediaframe("predict", str(tiny_model_dir), str(source), "--unit", "sentence", "--target", "Netflix",
                        "--out", str(predictions), cwd=tmp_path)
    assert scored.returncode == 0, scored.stderr
    (full_disk / "filler").write_bytes(b"\0" * 60_000)
    result = mediaframe("compare", str(predictions), "--by", "outlet", "--out", str(full_disk / "report"), cwd=tmp_path)
    assert_one_line_failure(result, full_disk / "report")


def test_full_disk_output_under_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    result = mediaframe("sentences", str(SEED), "--target", "Netflix", "--out", str(tmp_path / "a-file" / "s.jsonl"),
                        cwd=tmp_path)
    assert_one_line_failure(result, tmp_path / "a-file" / "s.jsonl")


def test_full_disk_suggest_leaves_no_part_of_its_task_files(full_disk: Path, tiny_model_dir: Path, fake_embed) -> None:
    import pytest

    from mediaframe.analyst.suggest import suggest
    from mediaframe.config import load_config
    from mediaframe.errors import MediaframeError

    orbital = Path(__file__).parent / "data" / "orbital"
    (full_disk / "filler").write_bytes(b"\0" * 40_960)  # 6 of 16 pages left: the Label Studio files fit, the CSV not
    with pytest.raises(MediaframeError, match="could not write"):
        suggest(tiny_model_dir, orbital, "Orbital Foods", 40, full_disk / "tasks", load_config(None, ["predict.threads=1"]),
                per_article=40, embed=fake_embed)
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]


def test_full_disk_side_by_side_compare_and_two_target_predict_leave_nothing_stray(
    tmp_path: Path, full_disk: Path, tiny_model_dir: Path, make_predictions
) -> None:
    predictions = tmp_path / "p.jsonl"
    rows = make_predictions({"A": [["against"] * 4] * 3}, target="the studio") + \
        make_predictions({"A": [["favor"] * 4] * 3}, target="the union")
    predictions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (full_disk / "filler").write_bytes(b"\0" * 57_344)  # two pages left: room for the first files of a report, not all
    result = mediaframe("compare", str(predictions), "--by", "outlet,target", "--model", "none",
                        "--out", str(full_disk / "report"), cwd=tmp_path)
    assert result.returncode == 1 and "could not write" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]  # no half report
    source = sentence_rows(tmp_path / "rows.jsonl", 400)
    stopped = mediaframe("predict", str(tiny_model_dir), str(source), "--unit", "sentence", "--target", "Netflix",
                         "--target", "the union", "--out", str(full_disk / "p.jsonl"), cwd=tmp_path)
    assert_one_line_failure(stopped, full_disk / "p.jsonl.partial.jsonl")
    assert not list(full_disk.glob("*.tmp"))  # the kept run: its rows and its last whole progress file only


def test_full_disk_train_answers_one_line_and_leaves_no_model_folder(tmp_path: Path, full_disk: Path,
                                                                     tiny_base_model: Path) -> None:
    rows = [{"id": f"a{i}:0", "article_id": f"a{i}", "text": f"Netflix {'praised' if i % 2 else 'slammed'} the writers.",
             "target": "Netflix", "stance": "favor" if i % 2 else "against"} for i in range(12)]
    data = tmp_path / "labeled.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (full_disk / "filler").write_bytes(b"\0" * 57_344)  # two pages left: less than the weights take
    tiny = Path(__file__).resolve().parents[1] / "configs" / "tiny.toml"
    result = mediaframe("train", str(data), "--out", str(full_disk / "model"), "--config", str(tiny),
                        "--set", f"model.base_model={tiny_base_model}", cwd=tmp_path)
    assert_one_line_failure(result, full_disk / "model")
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]  # no model folder, no staging folder

"""`mediaframe predict` as users run it: killed for real (SIGKILL, SIGINT) and resumed, exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

WORDS = ["netflix", "company", "streamer", "writers", "actors", "strike", "job", "ai", "pay", "good", "bad", "great", "terrible", "praised", "slammed", "record"]
N_ROWS = 20_000


def sentence_rows(path: Path, n: int) -> Path:
    import random

    rng = random.Random(7)
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps({"id": f"r{i}", "text": " ".join(rng.choices(WORDS, k=rng.randint(3, 30))) + "."}) + "\n" for i in range(n))
    return path


def predict_command(model: Path, source: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "mediaframe", "predict", str(model), str(source), "--out", str(out), "--unit", "sentence",
        "--target", "Netflix", "--dtype", "fp32", "--set", "predict.chunk_size=100", "--set", "predict.threads=1", *extra,
    ]


def run_and_stop(command: list[str], partial: Path, sig: int, min_bytes: int = 1) -> subprocess.Popen:
    """Start the command, wait until its partial output holds some lines, then send it `sig`."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if partial.exists() and partial.stat().st_size >= min_bytes:
            break
        time.sleep(0.02)
    if process.poll() is not None:
        pytest.fail(f"the run ended before it could be stopped: {process.stderr.read().decode()[-500:]}")
    process.send_signal(sig)  # at once: on a quiet machine the tiny model finishes the whole input in about a second
    process.wait(timeout=60)
    return process


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["sigkill", "sigint"])
def test_predict_cli_killed_and_resumed_holds_every_sentence_exactly_once(tmp_path: Path, tiny_model_dir: Path, sig: int) -> None:
    source, out = sentence_rows(tmp_path / "in.jsonl", N_ROWS), tmp_path / "p.jsonl"
    partial = tmp_path / "p.jsonl.partial.jsonl"
    process = run_and_stop(predict_command(tiny_model_dir, source, out), partial, sig)
    assert process.returncode != 0 and not out.exists()
    kept = partial.read_bytes().count(b"\n")
    assert 0 < kept < N_ROWS
    if sig == signal.SIGINT:
        assert b"--resume" in process.stderr.read()
    rerun = subprocess.run(predict_command(tiny_model_dir, source, out, "--resume"), capture_output=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr.decode()[-800:]
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(ids) == N_ROWS and ids == [f"r{i}" for i in range(N_ROWS)]
    assert not partial.exists()


def test_predict_cli_refuses_existing_output_and_unknown_unit(tmp_path: Path, tiny_model_dir: Path) -> None:
    from mediaframe.cli import app

    source = sentence_rows(tmp_path / "in.jsonl", 5)
    out = tmp_path / "p.jsonl"
    out.write_text("old\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["predict", str(tiny_model_dir), str(source), "--out", str(out), "--unit", "sentence"])
    assert result.exit_code == 1 and "pass --force" in result.output and out.read_text(encoding="utf-8") == "old\n"
    result = runner.invoke(app, ["predict", str(tiny_model_dir), str(source), "--out", str(out), "--unit", "para", "--force"])
    assert result.exit_code == 1 and "--unit 'para': expected 'article'" in result.output


def test_predict_cli_scores_and_reports(tmp_path: Path, tiny_model_dir: Path) -> None:
    from mediaframe.cli import app

    source = sentence_rows(tmp_path / "in.jsonl", 40)
    out = tmp_path / "p.csv"
    result = CliRunner().invoke(app, ["predict", str(tiny_model_dir), str(source), "--out", str(out), "--unit", "sentence",
                                      "-t", "Netflix", "--batch-size", "8", "--dtype", "fp32"])
    assert result.exit_code == 0, result.output
    assert "40 sentences" in result.output
    assert out.read_text(encoding="utf-8").count("\n") == 41
    assert os.path.getsize(out) > 0

"""Resumable training: a run cut off after a checkpoint (or while writing one) goes on with --resume to the weights
of an uncut run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from safetensors.torch import load_file
from tests.test_train import tiny_config, tiny_dataset
from typer.testing import CliRunner

from mediaframe.errors import MediaframeError
from mediaframe.training import loop
from mediaframe.training.checkpoints import checkpoints_folder
from mediaframe.training.train import train

CUT = ("training.epochs=3", "training.evals_per_epoch=2", "training.checkpoints=true", "training.average_checkpoints=2")


class Killed(BaseException):
    """What a cut-off process leaves: nothing after the checkpoint it had written."""


def cut_off_after(saves: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the fit stop dead right after its `saves`-th checkpoint is on disk."""
    written = [0]
    save = loop.ValidationTracker.on_save

    def save_then_die(self, args, state, control, **kwargs):
        save(self, args, state, control, **kwargs)
        written[0] += 1
        if written[0] == saves:
            raise Killed

    monkeypatch.setattr(loop.ValidationTracker, "on_save", save_then_die)


def weights(folder: Path) -> dict:
    return load_file(str(folder / "model.safetensors"))


def test_training_resumed_after_a_cut_and_a_half_written_checkpoint_gives_the_weights_of_an_uncut_run(
    tmp_path: Path, tiny_base_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tiny_config(tiny_base_model, *CUT)
    whole = train(tiny_dataset(), cfg, tmp_path / "whole")
    assert not checkpoints_folder(whole).exists(), "checkpoints are removed once the model folder is written"
    with monkeypatch.context() as patch:
        cut_off_after(3, patch)
        with pytest.raises(Killed):
            train(tiny_dataset(), cfg, tmp_path / "cut")
    kept = checkpoints_folder(tmp_path / "cut")
    assert sorted(p.name for p in (kept / "seed-7").iterdir()) == ["checkpoint-2", "checkpoint-3"]
    assert not (tmp_path / "cut").exists()
    half = kept / "seed-7" / "checkpoint-4"  # what dying while the Trainer writes a checkpoint leaves
    half.mkdir()
    (half / "model.safetensors").write_bytes(b"\x00" * 10)
    resumed = train(tiny_dataset(), cfg, tmp_path / "cut", resume=True)
    assert not kept.exists()
    a, b = weights(whole), weights(resumed)
    assert all((a[k] == b[k]).all() for k in a), "the resumed run learned what the uncut run learned"
    history = [json.loads((m / "metrics.json").read_text())["training"]["history"] for m in (whole, resumed)]
    assert history[0] == history[1] and len(history[0]["7"]) > 3, "validations before and after the cut"


def test_training_resume_reads_a_finished_seed_back_and_trains_the_next(
    tmp_path: Path, tiny_base_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tiny_config(tiny_base_model, "training.seeds=[1, 2]", "training.checkpoints=true")
    whole = train(tiny_dataset(), cfg, tmp_path / "whole")
    with monkeypatch.context() as patch:
        cut_off_after(2, patch)  # seed 1 has one validation and is done; seed 2 dies at its first
        with pytest.raises(Killed):
            train(tiny_dataset(), cfg, tmp_path / "cut")
    assert (checkpoints_folder(tmp_path / "cut") / "seed-1" / "fit.json").is_file()
    fits = []
    monkeypatch.setattr(loop.Run, "workdir", lambda self, seed, trained=loop.Run.workdir: fits.append(seed) or trained(self, seed))
    resumed = train(tiny_dataset(), cfg, tmp_path / "cut", resume=True)
    assert fits == [2], "the finished seed is read back, not trained again"
    a, b = weights(whole), weights(resumed)
    assert all((a[k] == b[k]).all() for k in a)


def test_training_checkpoints_of_another_run_or_without_resume_are_refused(
    tmp_path: Path, tiny_base_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tiny_config(tiny_base_model, *CUT)
    with monkeypatch.context() as patch:
        cut_off_after(1, patch)
        with pytest.raises(Killed):
            train(tiny_dataset(), cfg, tmp_path / "cut")
    with pytest.raises(MediaframeError, match=r"holds the checkpoints of an unfinished training; pass --resume"):
        train(tiny_dataset(), cfg, tmp_path / "cut")
    other = tiny_config(tiny_base_model, *CUT, "training.learning_rate=0.01")
    with pytest.raises(MediaframeError, match=r"made by a training of other settings or rows \(expected run \w+, found \w+\)"):
        train(tiny_dataset(), other, tmp_path / "cut", resume=True)
    with pytest.raises(MediaframeError, match="other settings or rows"):
        train(tiny_dataset("stance"), cfg, tmp_path / "cut", resume=True)
    assert (checkpoints_folder(tmp_path / "cut") / "seed-7" / "checkpoint-1").is_dir(), "a refused resume loses nothing"
    assert not (tmp_path / "cut").exists()


def test_training_cli_resume_answers_one_line_for_another_runs_checkpoints(
    tmp_path: Path, tiny_base_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mediaframe.cli import app

    data = tmp_path / "rows.jsonl"
    from tests.test_train import rows, write_jsonl

    write_jsonl(data, rows("a", 6))
    args = ["train", str(data), "--out", str(tmp_path / "model"), "--config", str(Path(__file__).parents[1] / "configs" / "tiny.toml"),
            "--set", f"model.base_model={tiny_base_model}", "--set", "training.checkpoints=true"]
    with monkeypatch.context() as patch:
        cut_off_after(1, patch)
        with pytest.raises(Killed):
            CliRunner().invoke(app, args, catch_exceptions=False)
    refused = CliRunner().invoke(app, [*args, "--resume", "--set", "training.learning_rate=0.01"])
    assert refused.exit_code == 1 and "other settings or rows" in refused.output and "Traceback" not in refused.output
    resumed = CliRunner().invoke(app, [*args, "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert (tmp_path / "model" / "model.safetensors").is_file() and not checkpoints_folder(tmp_path / "model").exists()

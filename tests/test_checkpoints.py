"""Resumable training (training/checkpoints.py, tracker.py): a run cut off after a checkpoint, or while writing one,
goes on with --resume to the weights of an uncut run; another run's checkpoints are refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from safetensors.torch import load_file
from tests.test_train import rows, tiny_config, tiny_dataset, write_jsonl
from typer.testing import CliRunner

from mediaframe.errors import MediaframeError
from mediaframe.training import loop, tracker
from mediaframe.training.checkpoints import checkpoints_folder
from mediaframe.training.train import train

CUT = ("training.epochs=3", "training.evals_per_epoch=2", "training.checkpoints=true", "training.average_checkpoints=2")


class Killed(BaseException):
    """What a cut-off process leaves: nothing after the checkpoint it had written."""


def cut_off_after(saves: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the fit stop dead right after its `saves`-th checkpoint is on disk."""
    written = [0]
    save = tracker.ValidationTracker.on_save

    def save_then_die(self, args, state, control, **kwargs):
        save(self, args, state, control, **kwargs)
        written[0] += 1
        if written[0] == saves:
            raise Killed

    monkeypatch.setattr(tracker.ValidationTracker, "on_save", save_then_die)


def steps_counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The training steps the Trainer takes from now on, one entry each."""
    steps: list[int] = []
    step = loop.Trainer.training_step
    monkeypatch.setattr(loop.Trainer, "training_step", lambda self, *a, **k: steps.append(1) or step(self, *a, **k))
    return steps


def same_weights(a: Path, b: Path) -> bool:
    first, second = load_file(str(a / "model.safetensors")), load_file(str(b / "model.safetensors"))
    return all((first[k] == second[k]).all() for k in first)


def history(model: Path) -> dict:
    return json.loads((model / "metrics.json").read_text())["training"]["history"]


@pytest.mark.parametrize("saves", [3, 4], ids=["at-an-epoch-end", "in-mid-epoch"])
def test_checkpoints_resumed_run_goes_on_from_the_cut_to_the_weights_of_an_uncut_run(
    tmp_path: Path, tiny_base_model: Path, monkeypatch: pytest.MonkeyPatch, saves: int
) -> None:
    cfg = tiny_config(tiny_base_model, *CUT)  # 3 steps an epoch, a validation and checkpoint every step
    whole = train(tiny_dataset(), cfg, tmp_path / "whole")
    assert not checkpoints_folder(whole).exists(), "checkpoints are removed once the model folder is written"
    with monkeypatch.context() as patch:
        cut_off_after(saves, patch)
        with pytest.raises(Killed):
            train(tiny_dataset(), cfg, tmp_path / "cut")
    kept = checkpoints_folder(tmp_path / "cut")
    assert sorted(p.name for p in (kept / "seed-7").iterdir()) == [f"checkpoint-{saves - 1}", f"checkpoint-{saves}"]
    assert not (tmp_path / "cut").exists()
    half = kept / "seed-7" / f"checkpoint-{saves + 1}"  # what dying while the Trainer writes a checkpoint leaves
    half.mkdir()
    (half / "model.safetensors").write_bytes(b"\x00" * 10)
    steps = steps_counted(monkeypatch)
    resumed = train(tiny_dataset(), cfg, tmp_path / "cut", resume=True)
    assert len(steps) == 9 - saves, "the resumed run trains only the steps after its checkpoint"
    assert not kept.exists()
    assert same_weights(whole, resumed), "the resumed run learned what the uncut run learned"
    assert history(whole) == history(resumed) and len(history(whole)["7"]) == 9


def scripted_scores(monkeypatch: pytest.MonkeyPatch, scores: list[float]) -> None:
    """Validations that score `scores` in turn (0.9 after them)."""
    given = iter(scores)
    monkeypatch.setattr(loop, "compute_metrics", lambda prediction: {"macro_f1": next(given, 0.9)})


def test_checkpoints_a_fit_cut_at_its_early_stop_trains_no_further_on_resume(
    tmp_path: Path, tiny_base_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tiny_config(tiny_base_model, *CUT, "training.early_stopping_patience=1", "training.prior_correction=false")
    scripted_scores(monkeypatch, [0.5, 0.4])  # the second validation is worse: stop there
    whole = train(tiny_dataset(), cfg, tmp_path / "whole")
    assert len(history(whole)["7"]) == 2
    scripted_scores(monkeypatch, [0.5, 0.4])
    with monkeypatch.context() as patch:
        cut_off_after(2, patch)  # dies right after the checkpoint of the stopping validation
        with pytest.raises(Killed):
            train(tiny_dataset(), cfg, tmp_path / "cut")
    scripted_scores(monkeypatch, [0.9] * 10)  # what further validations would score
    steps = steps_counted(monkeypatch)
    resumed = train(tiny_dataset(), cfg, tmp_path / "cut", resume=True)
    assert steps == [] and history(resumed) == history(whole) and same_weights(whole, resumed)


def test_checkpoints_resume_reads_a_finished_seed_back_and_trains_the_next(
    tmp_path: Path, tiny_base_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tiny_config(tiny_base_model, "training.seeds=[1, 2]", "training.checkpoints=true")
    whole = train(tiny_dataset(), cfg, tmp_path / "whole")
    with monkeypatch.context() as patch:
        cut_off_after(2, patch)  # seed 1 has one validation and is done; seed 2 dies at its first
        with pytest.raises(Killed):
            train(tiny_dataset(), cfg, tmp_path / "cut")
    done = checkpoints_folder(tmp_path / "cut") / "seed-1"
    assert (done / "fit.json").is_file() and not list(done.glob("checkpoint-*")), "a finished seed keeps its fit alone"
    fits = []
    monkeypatch.setattr(loop.Run, "workdir", lambda self, seed, trained=loop.Run.workdir: fits.append(seed) or trained(self, seed))
    resumed = train(tiny_dataset(), cfg, tmp_path / "cut", resume=True)
    assert fits == [2], "the finished seed is read back, not trained again"
    assert same_weights(whole, resumed)


def test_checkpoints_of_another_run_or_without_resume_are_refused_naming_the_difference(
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
    with pytest.raises(MediaframeError, match=r"training.learning_rate is 0.01, the checkpoints were made with 0.001"):
        train(tiny_dataset(), other, tmp_path / "cut", resume=True)
    with pytest.raises(MediaframeError, match="the train rows differ from those the checkpoints were made with"):
        train(tiny_dataset("stance"), cfg, tmp_path / "cut", resume=True)
    assert (checkpoints_folder(tmp_path / "cut") / "seed-7" / "checkpoint-1").is_dir(), "a refused resume loses nothing"
    assert not (tmp_path / "cut").exists()


def test_checkpoints_cli_resume_answers_one_line_for_another_runs_checkpoints(
    tmp_path: Path, tiny_base_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mediaframe.cli import app

    data = write_jsonl(tmp_path / "rows.jsonl", rows("a", 6))
    args = ["train", str(data), "--out", str(tmp_path / "model"), "--config", str(Path(__file__).parents[1] / "configs" / "tiny.toml"),
            "--set", f"model.base_model={tiny_base_model}", "--set", "training.checkpoints=true"]
    with monkeypatch.context() as patch:
        cut_off_after(1, patch)
        with pytest.raises(Killed):
            CliRunner().invoke(app, args, catch_exceptions=False)
    refused = CliRunner().invoke(app, [*args, "--resume", "--set", "training.learning_rate=0.01"])
    assert refused.exit_code == 1 and "training.learning_rate is 0.01" in refused.output and "Traceback" not in refused.output
    resumed = CliRunner().invoke(app, [*args, "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert (tmp_path / "model" / "model.safetensors").is_file() and not checkpoints_folder(tmp_path / "model").exists()

"""The package as a user installs it: a wheel in a fresh virtual environment, run from outside the checkout.

`sentences`, `build` and `predict` on the seed corpus must give the same sentences, mentions and
labels as the checkout's own install. Slow: it builds the wheel and installs it with its
dependencies (pip's cache makes reruns quick).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import run  # the checked subprocess run the `installed` fixture uses too

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: its data/seed and data/gold
SEED, GOLD = REPO_ROOT / "data" / "seed", REPO_ROOT / "data" / "gold" / "seed_gold.jsonl"

pytestmark = pytest.mark.slow


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def both(installed: Path, tmp_path: Path, *args: str | Path, out: str) -> tuple[Path, Path]:
    """Run one command with the wheel's install (in a folder outside the checkout) and with the checkout's."""
    outside, inside = tmp_path / "outside", tmp_path / "inside"
    outside.mkdir(exist_ok=True)
    inside.mkdir(exist_ok=True)
    run(installed, *args, "--out", outside / out, cwd=outside)
    run(sys.executable, "-m", "mediaframe", *args, "--out", inside / out, cwd=REPO_ROOT)
    return outside / out, inside / out


def test_installed_wheel_reads_its_packaged_defaults(installed: Path, tmp_path: Path) -> None:
    shown = run(installed, "sentences", "--help", cwd=tmp_path).stdout
    assert "sentences" in shown
    package = run(installed.parent / "python", "-c", "import mediaframe.config as c; print(c.default_config_path())",
                  cwd=tmp_path).stdout.strip()
    assert "site-packages" in package and Path(package).is_file()


def test_installed_sentences_and_build_match_the_checkout(installed: Path, tmp_path: Path) -> None:
    outside, inside = both(installed, tmp_path, "sentences", SEED, "--target", "Netflix", out="sentences.jsonl")
    assert jsonl(outside) == jsonl(inside) and len(jsonl(inside)) == 94
    outside, inside = both(installed, tmp_path, "build", SEED, "--target", "Netflix", "--gold", GOLD, out="dataset")
    fields = ("id", "text", "mentions", "stance", "sentiment", "frame", "stance_source")
    keep = lambda rows: [{k: r.get(k) for k in fields} for r in rows]
    assert keep(jsonl(outside / "sentences.jsonl")) == keep(jsonl(inside / "sentences.jsonl"))


def test_installed_predict_matches_the_checkout(installed: Path, tmp_path: Path, tiny_model_dir: Path) -> None:
    outside, inside = both(installed, tmp_path, "predict", tiny_model_dir, SEED, "--target", "Netflix",
                           "--dtype", "fp32", out="predictions.jsonl")
    fields = ("id", "text", "mentions_target", "stance", "sentiment", "frame")
    assert [{k: r[k] for k in fields} for r in jsonl(outside)] == [{k: r[k] for k in fields} for r in jsonl(inside)]
    assert len(jsonl(outside)) == 94


@pytest.mark.parametrize("name", ["news", "news-teacher"])
def test_installed_shipped_models_are_the_ones_recorded(installed: Path, tmp_path: Path, name: str) -> None:
    code = ("import json; from mediaframe.model.shipped import model_path, shipped_record, weights_sha256; "
            f"f = model_path({name!r}); print(json.dumps([str(f), shipped_record(f)['digest'], weights_sha256(f)]))")
    folder, recorded, actual = json.loads(run(installed.parent / "python", "-c", code, cwd=tmp_path).stdout)
    assert "site-packages" in folder and folder.endswith(name) and recorded == actual


def test_installed_predict_with_the_shipped_model_matches_the_checkout(installed: Path, tmp_path: Path) -> None:
    outside, inside = both(installed, tmp_path, "predict", "news", SEED, "--target", "Netflix", out="predictions.jsonl")
    fields = ("id", "text", "mentions_target", "stance", "sentiment", "frame")
    assert [{k: r[k] for k in fields} for r in jsonl(outside)] == [{k: r[k] for k in fields} for r in jsonl(inside)]
    assert len(jsonl(outside)) == 94

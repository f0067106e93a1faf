"""scripts/ship_model.py: a trained folder made a shipped model, its card kept whole and free of the maker's folders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import load_script

CARD = "# mediaframe model\n\nA classifier. Stance 0.658 [0.621, 0.690].\n\n## Limitations\n\n- Few rows.\n"


@pytest.fixture(scope="module")
def shipping():
    return load_script("ship_model")


def test_ship_model_keeps_a_plain_models_card_whole_wherever_it_runs(shipping, tiny_model_copy: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from mediaframe.model.shipped import weights_sha256

    (tiny_model_copy / "README.md").write_text(CARD, encoding="utf-8")
    elsewhere = tmp_path / "checkout"  # a folder with a README of its own, as the repository root is for make model
    elsewhere.mkdir()
    (elsewhere / "README.md").write_text("# another project\n", encoding="utf-8")
    monkeypatch.chdir(elsewhere)
    out = tmp_path / "shipped" / "news-teacher"
    record = shipping.ship(tiny_model_copy, out, "make model", {}, name="news-teacher", commit="0" * 40)
    card = (out / "README.md").read_text(encoding="utf-8")
    assert card.startswith(CARD) and "another project" not in card and "its teacher" not in card
    assert "## The shipped model" in card and record["digest"] == weights_sha256(out)
    assert json.loads((out / "SHIPPED.json").read_text())["recipe"]["commit"] == "0" * 40
    assert not out.with_name("news-teacher.tmp").exists()


def test_ship_model_names_a_students_teacher_and_starting_model_without_the_makers_folders(
        shipping, tiny_model_copy: Path, tmp_path: Path) -> None:
    models = tmp_path / "maker" / "models"
    teacher, cut_from = models / "teacher-large", models / "teacher"
    base = tmp_path / "maker" / "base" / "all-mpnet-base-v2"
    shutil.copytree(tiny_model_copy, teacher)
    (teacher / "README.md").write_text(CARD + f"\n- base model: {base}\n\n## Use\n\n    mediaframe predict {teacher}\n",
                                       encoding="utf-8")
    meta = json.loads((tiny_model_copy / "mediaframe.json").read_text())
    meta["distilled_from"] = {"teacher": str(teacher), "teacher_base_model": str(base), "cut_from": str(cut_from)}
    (tiny_model_copy / "mediaframe.json").write_text(json.dumps(meta), encoding="utf-8")
    (tiny_model_copy / "README.md").write_text(f"# mediaframe student model\n\nA student of `{teacher}`, cut from "
                                               f"`{cut_from}`.\n\n## Use\n\n    mediaframe predict THIS_FOLDER\n",
                                               encoding="utf-8")
    out = tmp_path / "shipped" / "news-teacher"
    shipping.ship(tiny_model_copy, out, "make model", {}, name="news-teacher", commit="0" * 40)
    card, shipped_meta = (out / "README.md").read_text(encoding="utf-8"), (out / "mediaframe.json").read_text()
    assert str(tmp_path) not in card and str(tmp_path) not in shipped_meta
    assert "A student of `its teacher (below)`, cut from `news-teacher (shipped beside it" in card
    assert "## Its teacher" in card and "- base model: all-mpnet-base-v2 (not shipped)" in card
    assert card.count("## Use") == 1 and "mediaframe predict news-teacher" in card  # the student's use, not the teacher's
    assert json.loads(shipped_meta)["distilled_from"] == {
        "teacher": "teacher-large (not shipped)", "teacher_base_model": "all-mpnet-base-v2 (not shipped)",
        "cut_from": "news-teacher (shipped beside it; models/teacher of make model)"}


def test_ship_model_on_a_full_disk_says_so_in_one_line_and_leaves_the_shipped_folder_as_it_was(
        shipping, tiny_model_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "shipped" / "news-teacher"
    out.mkdir(parents=True)
    (out / "SHIPPED.json").write_text("{}", encoding="utf-8")

    def full_disk(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shipping, "save_file", full_disk)
    monkeypatch.setattr("sys.argv", ["ship_model.py", str(tiny_model_copy), "--name", "news-teacher", "--out", str(out),
                                     "--commit", "0" * 40])
    with pytest.raises(SystemExit, match="could not write the shipped model .No space left on device.; expected about"):
        shipping.main()
    assert sorted(p.name for p in out.parent.iterdir()) == ["news-teacher"]
    assert (out / "SHIPPED.json").read_text() == "{}"


def test_ship_model_makes_the_makers_checkout_paths_relative(shipping, tiny_model_copy: Path, tmp_path: Path) -> None:
    checkout = tmp_path / "maker"
    checkout.mkdir()
    config = f'[sources]\nbenchmarks = "{checkout}/../shared/benchmarks"\nlabels = "{checkout}/data/labels"\n'
    (tiny_model_copy / "config.toml").write_text(config, encoding="utf-8")
    out = tmp_path / "shipped" / "news-teacher"
    shipping.ship(tiny_model_copy, out, "make model", {}, name="news-teacher", commit="0" * 40, checkout=checkout)
    shipped = (out / "config.toml").read_text(encoding="utf-8")
    assert 'benchmarks = "../shared/benchmarks"' in shipped and 'labels = "data/labels"' in shipped
    assert str(checkout) not in shipped

"""Several targets in one run: one row per (sentence, target), the same labels as separate runs, a targets file with
aliases, resume and Ray as for one target, and `compare --by outlet,target` setting the targets side by side."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mediaframe.cli import app
from mediaframe.compare.comparison import Grouping
from mediaframe.compare.targets import compare_targets, paired_test
from mediaframe.config import load_config
from mediaframe.errors import MediaframeError
from mediaframe.predict.run import predict

TARGETS = ("Orbital Foods", "the union")


def cfg(*extra: str):
    return load_config(None, ["predict.threads=1", "predict.dtype=fp32", *extra])


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def by_key(rows: list[dict]) -> dict[tuple[str, str], tuple]:
    return {(r["id"], r["target"]): (r["stance"], r["sentiment"], r["frame"], r["stance_probs"]) for r in rows}


def test_multi_target_rows_equal_separate_runs(tiny_model_dir: Path, orbital_corpus: Path, tmp_path: Path) -> None:
    both = predict(tiny_model_dir, orbital_corpus, tmp_path / "both.jsonl", list(TARGETS), cfg=cfg(), show_progress=False)
    rows = read_jsonl(tmp_path / "both.jsonl")
    separate: list[dict] = []
    for n, target in enumerate(TARGETS):
        predict(tiny_model_dir, orbital_corpus, tmp_path / f"{n}.jsonl", target, cfg=cfg(), show_progress=False)
        separate += read_jsonl(tmp_path / f"{n}.jsonl")
    assert both.sentences == len(rows) == len(separate)
    assert by_key(rows) == by_key(separate)
    assert len({(r["id"], r["target"]) for r in rows}) == len(rows)  # one row per (sentence, target)


def test_multi_target_articles_own_target_is_scored_once(tiny_model_dir: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "rows.jsonl"
    corpus.write_text(json.dumps({"id": "own", "text": "Acme won a contract. The union objected.", "target": "Acme"}) + "\n"
                      + json.dumps({"id": "open", "text": "The union praised Orbital Foods."}) + "\n", encoding="utf-8")
    predict(tiny_model_dir, corpus, tmp_path / "p.jsonl", list(TARGETS), cfg=cfg(), show_progress=False)
    rows = read_jsonl(tmp_path / "p.jsonl")
    assert sorted((r["article_id"], r["target"]) for r in rows) == sorted(
        [("own", "Acme")] * 2 + [("open", "Orbital Foods"), ("open", "the union")])


def test_multi_target_an_article_skipped_is_counted_once(tiny_model_dir: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "long.txt").write_text("Orbital Foods grew. " * 20, encoding="utf-8")
    (corpus / "short.txt").write_text("Orbital Foods grew.", encoding="utf-8")
    report = predict(tiny_model_dir, corpus, tmp_path / "p.jsonl", list(TARGETS), cfg=cfg("predict.max_article_chars=100"),
                     show_progress=False)
    assert report.skipped == {"bad_article": 1} and report.sentences == 2


def test_multi_target_report_folders_stay_apart_when_names_do_not() -> None:
    from mediaframe.compare.target_report import folders

    assert folders(("AT&T", "AT-T", "東芝")) == {"AT&T": "at-t", "AT-T": "at-t-2", "東芝": "target"}


def test_multi_target_targets_file_adds_aliases(tiny_model_dir: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "one.txt"
    corpus.write_text("The guild rejected the offer from Orbital Foods.\n", encoding="utf-8")
    targets = tmp_path / "targets.jsonl"
    targets.write_text(json.dumps({"target": "SAG-AFTRA", "aliases": ["the guild"]}) + "\n"
                       + json.dumps({"target": "Orbital Foods"}) + "\n", encoding="utf-8")
    out = tmp_path / "p.jsonl"
    result = CliRunner().invoke(app, ["predict", str(tiny_model_dir), str(corpus), "--targets", str(targets),
                                      "--out", str(out), "--set", "predict.threads=1"])
    assert result.exit_code == 0, result.output
    mentions = {r["target"]: r["mentions_target"] for r in read_jsonl(out)}
    assert mentions == {"SAG-AFTRA": True, "Orbital Foods": True}


@pytest.mark.parametrize(("content", "expected"), [
    ('{"target": "A"}\nnot json\n', "line 2: not valid JSON"),
    ('{"aliases": ["x"]}\n', "entry 1: no 'target'"),
    ('{"target": "A", "aliases": "the guild"}\n', "'aliases' must be a list of names"),
])
def test_multi_target_bad_targets_file_is_one_line(
    tiny_model_dir: Path, orbital_corpus: Path, tmp_path: Path, content: str, expected: str
) -> None:
    targets = tmp_path / "targets.jsonl"
    targets.write_text(content, encoding="utf-8")
    out = tmp_path / "p.jsonl"
    result = CliRunner().invoke(app, ["predict", str(tiny_model_dir), str(orbital_corpus), "--targets", str(targets),
                                      "--out", str(out)])
    assert result.exit_code == 1 and expected in result.output and "Traceback" not in result.output
    assert not out.exists() and not list(tmp_path.glob("p.jsonl*"))


def test_multi_target_resume_refuses_another_set_of_targets(tiny_model_dir: Path, orbital_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    (tmp_path / "p.jsonl.partial.jsonl").write_text("")
    from mediaframe.predict.files import PartialWriter
    from mediaframe.predict.job import PredictJob
    from mediaframe.predict.run import run_identity

    job = PredictJob(tiny_model_dir, orbital_corpus, out, TARGETS, cfg=cfg())
    PartialWriter(out, run_identity(job, "torch:fp32"), resume=False).close()
    with pytest.raises(MediaframeError, match="target"):
        predict(tiny_model_dir, orbital_corpus, out, TARGETS[0], cfg=cfg(), resume=True, show_progress=False)


def test_multi_target_ray_gives_the_local_rows(
    tiny_model_dir: Path, orbital_corpus: Path, tmp_path: Path, local_ray
) -> None:
    from mediaframe.scale.engine import predict_ray

    predict(tiny_model_dir, orbital_corpus, tmp_path / "local.jsonl", list(TARGETS), cfg=cfg(), show_progress=False)
    predict_ray(tiny_model_dir, orbital_corpus, tmp_path / "ray.jsonl", list(TARGETS), cfg=cfg(), show_progress=False)
    assert by_key(read_jsonl(tmp_path / "ray.jsonl")) == by_key(read_jsonl(tmp_path / "local.jsonl"))


# ---------------------------------------------------------------- compare --by outlet,target


def two_target_rows(make_predictions) -> list[dict]:
    """Outlet A is against the studio and for the union; outlet B is against both (the same articles scored twice)."""
    studio = make_predictions({"A": [["against"] * 4] * 8, "B": [["against"] * 4] * 8}, target="the studio")
    union = make_predictions({"A": [["favor"] * 4] * 8, "B": [["against"] * 4] * 8}, target="the union")
    return studio + union


def test_multi_target_paired_test_finds_the_outlet_that_treats_targets_differently(make_predictions) -> None:
    result = compare_targets(two_target_rows(make_predictions), Grouping("outlet"), load_config().comparison, 13)
    differences = {d["outlet"]: d for d in result.differences}
    assert result.targets == ("the studio", "the union")
    assert differences["A"]["difference"] == pytest.approx(-2.0) and differences["A"]["significant"]
    assert differences["B"]["difference"] == pytest.approx(0.0) and not differences["B"]["significant"]
    assert differences["A"]["n_articles"] == 8 and differences["A"]["flag"] == ""
    few = compare_targets(two_target_rows(make_predictions)[:8] + two_target_rows(make_predictions)[64:72],
                          Grouping("outlet"), load_config().comparison, 13)
    assert few.differences[0]["n_articles"] == 2 and few.differences[0]["flag"].startswith("few articles (2)")
    with pytest.raises(MediaframeError, match="drop --target"):
        compare_targets(two_target_rows(make_predictions), Grouping("outlet", target="the union"), load_config().comparison, 13)


def test_multi_target_paired_test_p_value_is_uniformish_under_the_null() -> None:
    rng = np.random.default_rng(0)
    settings = load_config().comparison
    p_values = []
    for trial in range(40):
        counts = rng.integers(0, 4, size=(12, 2, 3))
        first = {f"a{i}": counts[i, 0] for i in range(12)}
        second = {f"a{i}": counts[i, 1] for i in range(12)}
        p_values.append(paired_test(first, second, settings, np.random.default_rng(trial))["p_value"])
    assert np.mean(np.array(p_values) < 0.05) <= 0.15  # about 5% false alarms when the targets are treated alike
    assert np.mean(p_values) > 0.3


def test_multi_target_compare_cli_writes_side_by_side_and_per_target_reports(make_predictions, tmp_path: Path) -> None:
    predictions = tmp_path / "p.jsonl"
    predictions.write_text("".join(json.dumps(r) + "\n" for r in two_target_rows(make_predictions)), encoding="utf-8")
    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, ["compare", str(predictions), "--by", "outlet,target", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 outlet comparison(s) differ between targets" in result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "the studio" in page and "the union" in page and 'href="the-union/report.html"' in page
    assert (out / "the-studio" / "report.html").is_file() and (out / "targets.png").read_bytes()[:4] == b"\x89PNG"
    header = (out / "differences.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("outlet,target_a,target_b,n_articles")


def test_multi_target_compare_needs_two_targets(make_predictions, tmp_path: Path) -> None:
    predictions = tmp_path / "p.jsonl"
    rows = make_predictions({"A": [["against"]] * 3})
    predictions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = CliRunner().invoke(app, ["compare", str(predictions), "--by", "outlet,target", "--out", str(tmp_path / "c")])
    assert result.exit_code == 1 and "needs predictions toward two targets" in result.output
    assert not (tmp_path / "c").exists()

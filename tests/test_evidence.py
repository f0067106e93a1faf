"""Evidence words in the outlet report: the quoted sentences explained with the model that labeled them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from mediaframe.cli import app
from mediaframe.compare.evidence import marked_text


def test_evidence_marked_text_wraps_each_span_and_escapes_the_rest() -> None:
    text = "A <b> firm cut jobs & pay."
    spans = [[11, 14], [22, 25]]
    assert marked_text(text, spans, lambda w: f"[{w}]", lambda t: t.replace("<", "&lt;")) == "A &lt;b> firm [cut] jobs & [pay]."


def test_evidence_compare_marks_the_words_the_model_relied_on(
    confident_teacher: Path, orbital_corpus: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    predictions = tmp_path / "p.jsonl"
    settings = ["--set", "predict.threads=1", "--set", "predict.dtype=fp32"]
    result = runner.invoke(app, ["predict", str(confident_teacher), str(orbital_corpus), "--target", "Orbital Foods",
                                 "--out", str(predictions), *settings])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines()]
    assert any(r["stance"] in ("against", "favor") for r in rows)
    out = tmp_path / "report"
    result = runner.invoke(app, ["compare", str(predictions), "--out", str(out), "--model", str(confident_teacher),
                                 "--set", "comparison.bootstrap_samples=100", "--set", "comparison.permutations=100",
                                 *settings])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("<mark>") >= 1 and "Highlighted: the words that carry" in page
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "**" in report.split("## Characteristic sentences")[1]


def test_evidence_none_leaves_quotes_unmarked(make_predictions, tmp_path: Path) -> None:
    predictions = tmp_path / "p.jsonl"
    predictions.write_text("".join(json.dumps(r) + "\n" for r in make_predictions({"A": [["against"]] * 3})))
    result = CliRunner().invoke(app, ["compare", str(predictions), "--out", str(tmp_path / "r"), "--model", "none"])
    assert result.exit_code == 0, result.output
    assert "<mark>" not in (tmp_path / "r" / "report.html").read_text(encoding="utf-8")


def test_evidence_finds_the_target_by_the_aliases_of_a_targets_file(
    make_predictions, tiny_model_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    import mediaframe.compare.evidence as evidence

    rows = make_predictions({"A": [["against"] * 2]}, target="SAG-AFTRA")
    for row in rows:
        row["text"] = "The guild walked out of the talks."
    predictions = tmp_path / "p.jsonl"
    predictions.write_text("".join(json.dumps(r) + "\n" for r in rows))
    targets = tmp_path / "targets.jsonl"
    targets.write_text(json.dumps({"target": "SAG-AFTRA", "aliases": ["the guild"]}) + "\n")
    seen = []
    real = evidence.explain_sentences
    monkeypatch.setattr(evidence, "explain_sentences", lambda predictor, texts, names, mentions: seen.extend(mentions)
                        or real(predictor, texts, names, mentions))
    args = ["compare", str(predictions), "--model", str(tiny_model_dir), "--set", "comparison.bootstrap_samples=100",
            "--set", "comparison.permutations=100"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "plain")])
    assert result.exit_code == 0, result.output
    assert seen and all(m == [] for m in seen), "without the file, the guild is no mention of SAG-AFTRA"
    seen.clear()
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "aliased"), "--targets", str(targets)])
    assert result.exit_code == 0, result.output
    assert seen and all([(m["start"], m["end"]) for m in found] == [(0, 9)] for found in seen)

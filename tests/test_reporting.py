"""Reporting: summary.csv, pairwise.csv, report.md, a self-contained report.html, PNG charts, the CLI."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from mediaframe.cli import app
from mediaframe.compare.comparison import Comparison, Grouping, compare
from mediaframe.compare.reporting import headline, render_report, write_report
from mediaframe.config import ComparisonConfig, ReportConfig

FAST = ComparisonConfig(bootstrap_samples=300, permutations=300)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_reporting_renders_every_file(files: dict[str, bytes]) -> None:
    assert set(files) == {"summary.csv", "pairwise.csv", "report.md", "report.html", "net_stance.png",
                          "sentiment.png", "frames.png"}
    assert all(files[name].startswith(PNG_MAGIC) for name in files if name.endswith(".png"))


def test_reporting_summary_csv_has_contract_columns(files: dict[str, bytes]) -> None:
    summary = pd.read_csv(io.BytesIO(files["summary.csv"]), keep_default_na=False)
    for column in ("outlet", "n_articles", "n_sentences", "against_share", "against_share_low", "neutral_share",
                   "favor_share_high", "net_stance", "net_stance_low", "net_stance_high", "sentiment_mean",
                   "sentiment_mean_low", "sentiment_mean_high", "frame_legality_share", "frame_economic_share_low",
                   "flag"):
        assert column in summary.columns, column
    assert list(summary["outlet"]) == ["Harsh Herald", "Solo Sentinel", "Balanced Bugle", "Friendly Flyer"]
    assert summary.loc[0, ["net_stance", "net_stance_low", "net_stance_high"]].tolist() == [-1.0, -1.0, -1.0]
    assert summary.loc[1, "flag"].startswith("few articles")


def test_reporting_pairwise_csv_has_tests(files: dict[str, bytes]) -> None:
    pairwise = pd.read_csv(io.BytesIO(files["pairwise.csv"]))
    assert list(pairwise.columns) == ["outlet_a", "outlet_b", "net_stance_a", "net_stance_b", "difference",
                                      "p_value", "p_adjusted", "significant", "smallest_p"]
    assert len(pairwise) == 6 and pairwise["p_value"].between(0, 1).all()


def test_reporting_headline_names_most_negative_and_certainty(comparison: Comparison) -> None:
    text = headline(comparison)
    assert text.startswith("Most negative toward Netflix: Harsh Herald. Net stance \u22121.00")
    assert "95% CI \u22121.00 to \u22121.00" in text and "entirely below 0" in text
    assert re.search(r"significantly more negative than \d of 3 other outlets", text)


def test_reporting_headline_warns_when_most_negative_is_flagged(make_predictions) -> None:
    rows = make_predictions({"Lone": [["against"] * 3], "Many": [["against", "favor"]] * 4})
    text = headline(compare(rows, Grouping(), FAST, seed=1))
    assert "Lone" in text and "1 article, 3 sentences" in text
    assert "Caution: few articles (1 < 3); interval from one article's sentences understates uncertainty." in text


def test_reporting_headline_says_when_no_test_can_succeed(make_predictions) -> None:
    rows = make_predictions({"Lone": [["against"] * 3], "Other": [["favor"] * 3]})
    text = headline(compare(rows, Grouping(), FAST, seed=1))
    assert "than 0 of 1 other outlets" in text and "no such test can reach significance" in text


def test_reporting_html_is_self_contained(files: dict[str, bytes]) -> None:
    page = files["report.html"].decode("utf-8")
    assert page.count('src="data:image/png;base64,') == 3
    assert "<script" not in page.lower()
    assert not re.search(r'(src|href)="(?!data:|https://news\.example/)', page), "only article links may leave"
    assert '<table id="summary">' in page and page.count("<tr>") == 5


def test_reporting_html_links_characteristic_sentences(files: dict[str, bytes]) -> None:
    page = files["report.html"].decode("utf-8")
    assert '<a href="https://news.example/harshherald-0">Harsh Herald story 0</a>' in page
    assert "Harsh Herald sentence 0 on Netflix (against)." in page


def test_reporting_html_escapes_user_text(make_predictions) -> None:
    rows = make_predictions({"<script>alert(1)</script>": [["against"]] * 3})
    rows[0]["url"] = "javascript:alert(1)"
    page = render_report(compare(rows, Grouping(), FAST, seed=1), ReportConfig(dpi=50))["report.html"].decode()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "javascript:" not in page


def test_reporting_markdown_points_at_png_files(files: dict[str, bytes]) -> None:
    markdown = files["report.md"].decode("utf-8")
    for name in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown):
        assert name in files
    assert "| Harsh Herald | 4 | 16 | \u22121.00 [\u22121.00, \u22121.00] | 100% | 0% | 0% |" in markdown


def test_reporting_by_date_adds_time_series(outlet_predictions: list[dict]) -> None:
    result = compare(outlet_predictions, Grouping(by="date", period="week"), FAST, seed=1)
    files = render_report(result, ReportConfig(dpi=50))
    assert files["time_series.png"].startswith(PNG_MAGIC)
    assert "Over time" in files["report.html"].decode()


def test_reporting_write_report_writes_and_overwrites(files: dict[str, bytes], tmp_path: Path) -> None:
    out = tmp_path / "report"
    paths = write_report(files, out)
    assert sorted(p.name for p in paths) == sorted(files)
    write_report({"summary.csv": b"changed\n"}, out)
    assert (out / "summary.csv").read_bytes() == b"changed\n"
    assert not list(out.glob(".*.tmp"))


def write_jsonl(rows: list[dict], path: Path) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_reporting_cli_compare_writes_report(outlet_predictions: list[dict], tmp_path: Path) -> None:
    predictions = write_jsonl(outlet_predictions, tmp_path / "predictions.jsonl")
    out = tmp_path / "compare"
    args = ["compare", str(predictions), "--out", str(out), "--set", "comparison.bootstrap_samples=200",
            "--set", "comparison.permutations=200", "--set", "report.dpi=50"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (out / "report.html").is_file() and (out / "net_stance.png").is_file()
    assert "Harsh Herald" in result.output
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 1 and "--force" in again.output


def test_reporting_cli_compare_missing_column_is_one_line(outlet_predictions: list[dict], tmp_path: Path) -> None:
    rows = [{k: v for k, v in row.items() if k != "author"} for row in outlet_predictions]
    predictions = write_jsonl(rows, tmp_path / "predictions.jsonl")
    result = CliRunner().invoke(app, ["compare", str(predictions), "--by", "author", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "error:" in result.output and "--by author" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_reporting_cli_compare_refuses_unknown_filter(outlet_predictions: list[dict], tmp_path: Path) -> None:
    predictions = write_jsonl(outlet_predictions, tmp_path / "predictions.jsonl")
    result = CliRunner().invoke(app, ["compare", str(predictions), "--filter", "quotes", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "expected 'mentions'" in result.output

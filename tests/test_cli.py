"""The command line, driven with typer's CliRunner (stderr is captured apart from stdout)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mediaframe.cli import app
from mediaframe.errors import MediaframeError

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: its data/ and configs/

SEED = REPO_ROOT / "data" / "seed"
ROW_FIELDS = {"id", "article_id", "index", "text", "start", "end", "outlet", "date", "title", "author", "url", "target",
              "mentions_target", "mentions", "context"}


def rows_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def assert_one_line_error(result, *parts: str) -> None:
    """Exit 1, one error line on stderr naming the problem and the fix, and no traceback."""
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    for part in parts:
        assert part in errors[0], errors[0]
    assert "Traceback" not in result.output


def test_cli_sentences_writes_one_json_line_per_sentence(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "sentences.jsonl"
    result = runner.invoke(app, ["sentences", str(SEED), "--target", "Netflix", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = rows_of(out)
    assert len(rows) > 80 and all(set(row) == ROW_FIELDS for row in rows)
    first = rows[0]
    assert first["id"] == "000_d4c574d9e64efa1b:0" and first["index"] == 0
    assert (first["outlet"], first["date"], first["target"]) == ("We Got This Covered", "2023-07-26", "Netflix")
    assert first["mentions_target"] is True and first["mentions"][0]["text"] == "Netflix"
    assert all(row["end"] - row["start"] == len(row["text"]) for row in rows)
    mentioning = sum(row["mentions_target"] for row in rows)
    assert result.stderr.strip() == f"5 articles -> {len(rows)} sentences ({mentioning} mention Netflix) -> {out}"
    assert result.stdout == ""


def test_cli_sentences_rows_of_the_test_articles(runner: CliRunner, tmp_path: Path, txt_corpus: Path) -> None:
    out = tmp_path / "sentences.jsonl"
    result = runner.invoke(app, ["sentences", str(txt_corpus), "-t", "Netflix", "-o", str(out), "--set",
                                 'targets.descriptors={"Orbital Foods": ["the snack maker"], "Netflix": ["the streamer"]}'])
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in rows_of(out)}
    assert rows["boilerplate:1"]["text"] == "The streamer is betting that viewers will pay more for fewer shows."
    assert rows["boilerplate:1"]["mentions"] == [{"start": 0, "end": 12, "text": "The streamer"}]
    assert rows["headers:2"]["target"] == "Orbital Foods"  # the article's own target line wins
    assert rows["headers:2"]["mentions"] == [{"start": 0, "end": 15, "text": "The snack maker"}]
    assert rows["no_target:2"]["mentions_target"] is False
    assert not any("Read More" in row["text"] or row["text"].startswith("Photo:") for row in rows.values())


def test_cli_sentences_table_with_column_map(runner: CliRunner, tmp_path: Path, article_tables: Path) -> None:
    out = tmp_path / "sentences.jsonl"
    mapping = json.dumps({"uid": "id", "source": "outlet", "headline": "title", "published": "date", "body": "text"})
    result = runner.invoke(app, ["sentences", str(article_tables / "feed.jsonl"), "--target", "Orbital Foods",
                                 "--out", str(out), "--set", f"data.column_map={mapping}"])
    assert result.exit_code == 0, result.output
    rows = rows_of(out)
    assert [row["id"] for row in rows[:3]] == ["tide-1:0", "tide-1:1", "tide-1:2"]
    assert rows[0]["outlet"] == "Coastline Daily" and rows[0]["date"] == "2024-02-20"


def test_cli_sentences_refuses_to_overwrite(runner: CliRunner, tmp_path: Path, txt_corpus: Path) -> None:
    out = tmp_path / "sentences.jsonl"
    out.write_text("old\n", encoding="utf-8")
    result = runner.invoke(app, ["sentences", str(txt_corpus), "--target", "Netflix", "--out", str(out)])
    assert_one_line_error(result, str(out), "pass --force")
    assert out.read_text(encoding="utf-8") == "old\n"
    forced = runner.invoke(app, ["sentences", str(txt_corpus), "--target", "Netflix", "--out", str(out), "--force"])
    assert forced.exit_code == 0 and len(rows_of(out)) == 28


@pytest.mark.parametrize(
    ("kind", "parts"),
    [
        ("empty_folder", ["holds no .txt, .html or JSONL/CSV file", "add article files"]),
        ("no_text_csv", ["articles.csv", "expected a 'text' column", "data.text_field"]),
        ("empty", ["empty.txt", "file is empty"]),
        ("binary", ["image.txt", "binary"]),
        ("header_only", ["header_only.txt", "body is empty"]),
    ],
)
def test_cli_sentences_nothing_usable_exits_1_with_one_line(
    runner: CliRunner, tmp_path: Path, make_bad_input, kind: str, parts: list[str]
) -> None:
    out = tmp_path / "out" / "sentences.jsonl"
    result = runner.invoke(app, ["sentences", str(make_bad_input(kind)), "--target", "Netflix", "--out", str(out)])
    assert_one_line_error(result, *parts)
    assert not out.exists() and not out.parent.exists()


def test_cli_sentences_missing_corpus(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["sentences", str(tmp_path / "nope"), "--target", "Netflix", "--out", str(tmp_path / "o.jsonl")])
    assert_one_line_error(result, "nope not found")


def test_cli_sentences_html_page_without_body(runner: CliRunner, tmp_path: Path, html_pages: Path) -> None:
    result = runner.invoke(app, ["sentences", str(html_pages / "no_body.html"), "--target", "Netflix",
                                 "--out", str(tmp_path / "o.jsonl")])
    assert_one_line_error(result, "no_body.html", "no article body found", "save the article page itself")


def test_cli_sentences_skips_bad_files_with_one_line_each(runner: CliRunner, tmp_path: Path, mixed_corpus: Path) -> None:
    out = tmp_path / "sentences.jsonl"
    result = runner.invoke(app, ["sentences", str(mixed_corpus), "--target", "Netflix", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    for name in ("empty.txt", "image.txt", "no_body.html", "missing.txt"):
        [line] = [line for line in lines if name in line]
        assert line.startswith("WARNING ")
    assert lines[-1].startswith("3 articles -> 28 sentences")
    assert len(lines) == 5  # four warnings and the summary: no wrapped lines, no traceback
    assert {row["article_id"] for row in rows_of(out)} == {"boilerplate", "headers", "no_target"}


def test_cli_sentences_decodes_a_cp1252_file(runner: CliRunner, tmp_path: Path, make_bad_input, cp1252_text: str) -> None:
    out = tmp_path / "sentences.jsonl"
    result = runner.invoke(app, ["sentences", str(make_bad_input("cp1252")), "--target", "Netflix", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "windows.txt: not UTF-8; decoded as cp1252" in result.stderr
    assert [row["text"] for row in rows_of(out)] == [line for line in cp1252_text.splitlines() if line]
    assert [m["text"] for m in rows_of(out)[0]["mentions"]] == ["the streamer", "Netflix"]


def test_cli_sentences_failed_write_leaves_nothing_behind(
    runner: CliRunner, tmp_path: Path, txt_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mediaframe.files

    real_dumps, written = json.dumps, []

    def dumps_until_the_disk_fills(obj, **kwargs):
        if isinstance(obj, dict) and "mentions" in obj:
            written.append(obj)
            if len(written) == 5:
                raise MediaframeError("disk full while writing; free some space")
        return real_dumps(obj, **kwargs)

    monkeypatch.setattr(mediaframe.files.json, "dumps", dumps_until_the_disk_fills)
    out = tmp_path / "out" / "sentences.jsonl"
    result = runner.invoke(app, ["sentences", str(txt_corpus), "--target", "Netflix", "--out", str(out)])
    assert_one_line_error(result, "disk full")
    assert list((tmp_path / "out").iterdir()) == []  # no partial output, no temp file


def test_cli_sentences_too_long_article_is_skipped(runner: CliRunner, tmp_path: Path, txt_corpus: Path) -> None:
    out = tmp_path / "sentences.jsonl"
    result = runner.invoke(app, ["sentences", str(txt_corpus), "--target", "Netflix", "--out", str(out),
                                 "--set", "data.max_article_chars=900"])
    assert result.exit_code == 0, result.output
    assert "article boilerplate: 1,294 characters, above data.max_article_chars=900" in result.stderr
    assert "--set data.max_article_chars=N" in result.stderr
    assert "boilerplate" not in {row["article_id"] for row in rows_of(out)}


def test_cli_predict_engine_choice_and_refusals() -> None:
    from mediaframe.cli.score import engine_runner
    from mediaframe.predict.run import run_job
    from mediaframe.scale.engine import run_ray_job

    assert engine_runner("local", None, None) is run_job
    ray_runner = engine_runner("ray", "auto", 3)
    assert ray_runner.func is run_ray_job and ray_runner.keywords == {"address": "auto", "workers": 3}
    with pytest.raises(MediaframeError, match="expected local .* or ray"):
        engine_runner("spark", None, None)
    with pytest.raises(MediaframeError, match="go with --engine ray"):
        engine_runner("local", None, 2)

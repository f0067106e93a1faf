"""`mediaframe build` end to end: another company's corpus, gold, folds, the card, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from datasets import load_from_disk
from typer.testing import CliRunner

from mediaframe.cli import app
from mediaframe.config import load_config
from mediaframe.dataset.builder import build
from mediaframe.dataset.splits import COLUMNS
from mediaframe.errors import MediaframeError

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: its data/ and configs/

TARGET = "Orbital Foods"
NO_MODEL = ["labeling.embedding_model=none"]


def write_gold(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def gold_rows(orbital_gold: Path) -> list[dict]:
    return [json.loads(line) for line in orbital_gold.read_text(encoding="utf-8").splitlines()]


def test_builder_builds_another_company_with_no_code_change(tmp_path: Path, orbital_corpus, orbital_gold, fake_embed):
    out = tmp_path / "ds"
    result = build(orbital_corpus, TARGET, out, load_config(), [orbital_gold], folds=True, embed=fake_embed)
    dataset = load_from_disk(str(out))
    assert set(dataset) == {"train", "validation", "test"}
    assert sum(len(part) for part in dataset.values()) == result.sentences == 20
    assert dataset["train"].column_names == list(COLUMNS)
    every = [row for part in dataset.values() for row in part]
    assert {row["target"] for row in every} == {TARGET}
    by_id = {row["id"]: row for row in every}
    assert by_id["a2:1"]["stance"] == "against" and by_id["a2:1"]["stance_source"] == "gold"
    assert by_id["a3:2"]["stance_source"] in ("weak", None)
    splits = {part: {row["article_id"] for row in dataset[part]} for part in dataset}
    assert not splits["train"] & splits["test"] and not splits["train"] & splits["validation"]


def test_builder_writes_sentences_card_info_quality_and_folds(tmp_path: Path, orbital_corpus, orbital_gold, fake_embed):
    out = tmp_path / "ds"
    build(orbital_corpus, TARGET, out, load_config(), [orbital_gold], folds=True, embed=fake_embed)
    lines = [json.loads(x) for x in (out / "sentences.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 20 and {"weak_stance", "weak_stance_rules", "split"} <= set(lines[0])
    info = json.loads((out / "dataset_info.json").read_text())
    assert info["target"] == TARGET and info["codebook"]["name"] == "mediaframe-mfc" and info["config"]["seed"] == 13
    quality = json.loads((out / "weak_quality.json").read_text())
    assert quality["stance"]["gold"] == 10
    assert set(quality["stance"]["aggregate"]) == {"default_weights", "fitted_in_sample",
                                                   "fitted_cross_validated_by_article"}
    card = (out / "card.md").read_text()
    assert "## Weak-label quality against gold" in card and "stance_cue_against" in card and TARGET in card
    folds = json.loads((out / "folds" / "folds.json").read_text())
    assert [f["test"] for f in folds] == ["a1", "a2", "a3", "a4"]
    fold = load_from_disk(str(out / "folds" / folds[1]["name"]))
    assert {row["article_id"] for row in fold["test"]} == {"a2"}


def test_builder_is_stable_when_the_corpus_is_unchanged(tmp_path: Path, orbital_corpus, fake_embed) -> None:
    infos = []
    for name in ("one", "two"):
        build(orbital_corpus, TARGET, tmp_path / name, load_config(), embed=fake_embed)
        infos.append(json.loads((tmp_path / name / "dataset_info.json").read_text()))
    assert infos[0]["splits"] == infos[1]["splits"] and infos[0]["fingerprint"] == infos[1]["fingerprint"]


def bad_label(rows: list[dict]) -> list[dict]:
    return [dict(rows[0], stance="hostile"), *rows[1:]]


def duplicate_id(rows: list[dict]) -> list[dict]:
    return [*rows, dict(rows[0])]


def other_target(rows: list[dict]) -> list[dict]:
    return [dict(row, target="Netflix") for row in rows]


def unmatched(rows: list[dict]) -> list[dict]:
    return [dict(row, id=f"zz:{i}") for i, row in enumerate(rows)]


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (bad_label, r"stance label 'hostile' is not in the codebook"),
        (duplicate_id, r"sentence id 'a1:0' appears on line 1 and line 11"),
        (other_target, r"gold labels are for target 'Netflix' .* expected 'Orbital Foods'"),
        (unmatched, r"none of the 10 rows .* matches a sentence of this corpus"),
    ],
)
def test_builder_refuses_bad_gold_and_writes_nothing(
    tmp_path, orbital_corpus, orbital_gold, fake_embed, spoil, message
) -> None:
    gold = write_gold(tmp_path / "gold.jsonl", spoil(gold_rows(orbital_gold)))
    out = tmp_path / "ds"
    with pytest.raises(MediaframeError, match=message):
        build(orbital_corpus, TARGET, out, load_config(), [gold], embed=fake_embed)
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["gold.jsonl"]


def test_builder_refuses_a_corpus_empty_after_cleaning(tmp_path: Path, fake_embed) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "only.txt").write_text("Share This Article\nRead More\n", encoding="utf-8")
    with pytest.raises(MediaframeError, match="no sentence left after cleaning"):
        build(corpus, TARGET, tmp_path / "ds", load_config(), embed=fake_embed)
    assert not (tmp_path / "ds").exists()


def test_builder_refuses_the_same_sentence_in_two_gold_files(tmp_path, orbital_corpus, orbital_gold, fake_embed):
    rows = gold_rows(orbital_gold)
    first, second = write_gold(tmp_path / "g1.jsonl", rows[:3]), write_gold(tmp_path / "g2.jsonl", rows[2:])
    with pytest.raises(MediaframeError, match="sentence id 'a1:4' is in both"):
        build(orbital_corpus, TARGET, tmp_path / "ds", load_config(), [first, second], embed=fake_embed)


def test_builder_cli_builds_and_refuses_to_overwrite(tmp_path: Path, orbital_corpus, orbital_gold) -> None:
    out = tmp_path / "ds"
    args = ["build", str(orbital_corpus), "--target", TARGET, "--gold", str(orbital_gold), "--out", str(out),
            "--set", NO_MODEL[0]]
    runner = CliRunner()
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "aggregate: fitted cross validated" in result.output and "4 articles -> 20 sentences" in result.output
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "exists; pass --force" in again.output


def test_builder_cli_bad_gold_is_one_red_line(tmp_path: Path, orbital_corpus, orbital_gold) -> None:
    gold = write_gold(tmp_path / "gold.jsonl", bad_label(gold_rows(orbital_gold)))
    result = CliRunner().invoke(app, ["build", str(orbital_corpus), "--target", TARGET, "--gold", str(gold),
                                      "--out", str(tmp_path / "ds"), "--set", NO_MODEL[0]])
    assert result.exit_code == 1 and "error:" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "ds").exists()


@pytest.mark.slow
def test_builder_seed_corpus_end_to_end_with_the_real_model(tmp_path: Path) -> None:
    out = tmp_path / "seed"
    result = build(REPO_ROOT / "data" / "seed", "Netflix", out, load_config(),
                   [REPO_ROOT / "data" / "gold" / "seed_gold.jsonl"], folds=True)
    dataset = load_from_disk(str(out))
    assert sum(len(part) for part in dataset.values()) == 94 == result.sentences
    quality = json.loads((out / "weak_quality.json").read_text())
    honest = quality["stance"]["aggregate"]["fitted_cross_validated_by_article"]
    assert honest["n"] == 94 and honest["macro_f1"] > 0.4  # loose floor: the weak labels beat chance
    assert len(json.loads((out / "folds" / "folds.json").read_text())) == 5


def test_builder_imports_a_labeled_table_as_a_dataset(tmp_path: Path) -> None:
    from mediaframe.dataset.builder import import_labeled

    table = tmp_path / "labeled.jsonl"
    rows = [{"id": f"r{i}", "article_id": f"art{i % 4}", "text": f"Acme item {i}.", "target": "Acme",
             "stance": ["against", "neutral", "favor"][i % 3]} for i in range(12)]
    table.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = import_labeled(table, tmp_path / "ds", load_config())
    dataset = load_from_disk(str(tmp_path / "ds"))
    assert result.sentences == 12 and sum(len(p) for p in dataset.values()) == 12
    every = [row for part in dataset.values() for row in part]
    assert {row["stance_source"] for row in every} == {"import"} and {row["sentiment"] for row in every} == {None}
    assert "imported from the labeled file" in (tmp_path / "ds" / "card.md").read_text()


def test_builder_import_cli_reads_newsmtsc(tmp_path: Path) -> None:
    flat = tmp_path / "flat.jsonl"
    flat.write_text("".join(json.dumps({"mention": "Ann", "polarity": p, "from": 0, "to": 3, "sentence": "Ann spoke.",
                                        "id": f"allsides_{i}_1_0_Ann_0_3"}) + "\n" for i, p in enumerate([-1, 0, 1])))
    result = CliRunner().invoke(app, ["import-labeled", str(flat), "--out", str(tmp_path / "ds")])
    assert result.exit_code == 0, result.output
    dataset = load_from_disk(str(tmp_path / "ds"))
    assert sorted(row["stance"] for part in dataset.values() for row in part) == ["against", "favor", "neutral"]

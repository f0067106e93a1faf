"""suggest: typical or uncertain sentences picked for labeling, written so that `annotate import` reads them back."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mediaframe.analyst.selection import normalised_entropy, pick_typical, pick_uncertain, uncertainty
from mediaframe.analyst.suggest import suggest
from mediaframe.cli import app
from mediaframe.config import load_config
from mediaframe.errors import MediaframeError
from mediaframe.labels.annotation_import import import_annotation

TARGET = "Orbital Foods"


@pytest.fixture()
def fake_embedder(monkeypatch: pytest.MonkeyPatch, fake_embed):
    """The CLI's sentence embedder replaced by the hashed bag of words (no model loaded)."""
    monkeypatch.setattr("mediaframe.labels.embeddings.load_embedder", lambda *args, **kwargs: fake_embed)


def test_suggest_entropy_is_zero_when_sure_and_one_when_uniform() -> None:
    probs = np.array([[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.8, 0.1, 0.1]])
    np.testing.assert_allclose(normalised_entropy(probs)[:2], [0.0, 1.0], atol=1e-6)
    assert 0.0 < normalised_entropy(probs)[2] < 1.0
    sure = {"stance": probs[[0]], "frame": np.array([[1.0, 0.0]])}
    assert uncertainty(sure)[0] == pytest.approx(0.0, abs=1e-6)


def test_suggest_picks_one_of_each_near_duplicate_group_over_a_second_copy() -> None:
    # two groups of near-identical sentences; the three most uncertain are all in group A
    embeddings = np.array([[1.0, 0.0], [0.99, 0.01], [0.98, 0.02], [0.0, 1.0], [0.01, 0.99]])
    doubt = np.array([0.95, 0.94, 0.93, 0.60, 0.50])
    picked = pick_uncertain(doubt, embeddings, ["a1", "a2", "a3", "a4", "a5"], n=2, per_article=5, seed=13)
    assert picked == [0, 3]  # the most uncertain of A, then B's best, not A's second copy


@pytest.mark.parametrize(("picker", "seed", "rows", "dims", "articles", "n"), [
    (pick_uncertain, 0, 30, 8, 3, 6),
    (pick_typical, 1, 12, 4, 4, 8),  # more clusters than articles allow: places filled
])
def test_suggest_keeps_the_cap_per_article_and_orders_by_doubt(picker, seed: int, rows: int, dims: int, articles: int,
                                                               n: int) -> None:
    rng = np.random.default_rng(seed)
    embeddings = rng.normal(size=(rows, dims))
    doubt = rng.uniform(size=rows)
    groups = [f"art{i % articles}" for i in range(rows)]
    picked = picker(doubt, embeddings, groups, n=n, per_article=2, seed=13)
    assert len(picked) == n and len(set(picked)) == n
    assert all(sum(groups[i] == g for i in picked) <= 2 for g in set(groups))
    assert list(doubt[picked]) == sorted(doubt[picked], reverse=True)


def test_suggest_typical_picks_cover_every_cluster_from_its_dense_core_not_an_outlier() -> None:
    rng = np.random.default_rng(0)
    centres = np.array([[10.0, 0.0], [0.0, 10.0], [-10.0, -10.0]])
    cores = np.concatenate([centre + rng.normal(scale=0.3, size=(20, 2)) for centre in centres])
    strays = centres + 3.0  # one sentence far from each core, and the most uncertain of all
    embeddings = np.concatenate([cores, strays])
    doubt = np.concatenate([np.full(60, 0.5), np.full(3, 0.99)])
    picked = pick_typical(doubt, embeddings, [f"a{i}" for i in range(63)], n=3, per_article=1, seed=13)
    assert sorted(i // 20 for i in picked) == [0, 1, 2], "one from each core, none a stray"
    capped = pick_typical(doubt, embeddings, ["same"] * 63, n=3, per_article=2, seed=13)
    assert len(capped) == 2, "at most per_article from one article"


def test_suggest_writes_tasks_that_annotate_import_reads_back(
    tiny_model_dir: Path, orbital_corpus: Path, tmp_path: Path, fake_embed
) -> None:
    cfg = load_config(None, ["predict.threads=1"])
    result = suggest(tiny_model_dir, orbital_corpus, TARGET, 5, tmp_path / "tasks", cfg, per_article=2, embed=fake_embed)
    tasks_json, interface, tasks_csv = result.files
    assert result.picked == 5 and interface.read_text().startswith("<View>")
    tasks = json.loads(tasks_json.read_text(encoding="utf-8"))
    assert len(tasks) == 5 and all(t["predictions"][0]["model_version"] == "mediaframe-suggest" for t in tasks)
    articles = [t["data"]["article_id"] for t in tasks]
    assert max(articles.count(a) for a in articles) <= 2
    with tasks_csv.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == [t["data"]["id"] for t in tasks]
    for row in rows:  # the analyst labels the CSV
        row.update(stance="neutral", sentiment="neutral", frame="economic")
    with tasks_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    count, _ = import_annotation([tasks_csv], tmp_path / "gold.jsonl", cfg)
    assert count == 5


def test_suggest_leaves_labeled_sentences_out(
    tiny_model_dir: Path, orbital_corpus: Path, orbital_gold: Path, tmp_path: Path, fake_embed
) -> None:
    cfg = load_config(None, ["predict.threads=1"])
    gold_ids = {json.loads(line)["id"] for line in orbital_gold.read_text(encoding="utf-8").splitlines()}
    result = suggest(tiny_model_dir, orbital_corpus, TARGET, 100, tmp_path / "tasks", cfg, per_article=100,
                     labeled=[orbital_gold], embed=fake_embed)
    tasks = json.loads(result.files[0].read_text(encoding="utf-8"))
    assert result.already_labeled == len(gold_ids)
    assert not gold_ids & {t["data"]["id"] for t in tasks}
    assert len(tasks) == result.candidates  # every unlabeled sentence, when n is larger than the corpus


@pytest.mark.parametrize(("extra", "expected"), [
    (["--n", "0"], "--n 0: expected the number of sentences to suggest, 1 or more"),
    (["--per-article", "0"], "--per-article 0: expected 1 or more"),
])
def test_suggest_cli_refuses_bad_counts_and_writes_nothing(
    tiny_model_dir: Path, orbital_corpus: Path, tmp_path: Path, extra: list[str], expected: str, fake_embedder
) -> None:
    result = CliRunner().invoke(app, ["suggest", str(tiny_model_dir), str(orbital_corpus), "--target", TARGET,
                                      "--out", str(tmp_path / "tasks"), *extra])
    assert result.exit_code == 1
    assert expected in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_suggest_cli_offers_every_picker() -> None:
    from typing import get_args

    from mediaframe.analyst.selection import PICKERS
    from mediaframe.cli.analyst import Selection

    assert list(get_args(Selection)) == list(PICKERS)


def test_suggest_typical_takes_every_sentence_when_asked_for_more() -> None:
    rng = np.random.default_rng(1)
    embeddings, doubt = rng.normal(size=(12, 4)), rng.uniform(size=12)
    groups = [f"art{i % 4}" for i in range(12)]
    assert sorted(pick_typical(doubt, embeddings, groups, n=50, per_article=50, seed=13)) == list(range(12))


def test_suggest_unknown_selection_is_one_clear_line(tiny_model_dir: Path, orbital_corpus: Path, tmp_path: Path) -> None:
    with pytest.raises(MediaframeError, match="selection 'newest': expected one of typical, uncertain"):
        suggest(tiny_model_dir, orbital_corpus, TARGET, 3, tmp_path / "tasks", load_config(), selection="newest")
    assert list(tmp_path.iterdir()) == []


def test_suggest_cli_bad_inputs_are_one_line(
    tiny_model_dir: Path, orbital_corpus: Path, tmp_path: Path, make_bad_input, fake_embedder
) -> None:
    not_ours = tmp_path / "not-a-model"
    not_ours.mkdir()
    (not_ours / "config.json").write_text("{}")
    cases = [
        ([str(tiny_model_dir), str(make_bad_input("empty_folder"))], "holds no .txt, .html or JSONL/CSV file"),
        ([str(not_ours), str(orbital_corpus), "--target", TARGET], "not-a-model"),
        ([str(tiny_model_dir), str(orbital_corpus)], "pass --target"),
    ]
    out = tmp_path / "out" / "tasks"
    for args, expected in cases:
        result = CliRunner().invoke(app, ["suggest", *args, "--out", str(out)])
        assert result.exit_code == 1, result.output
        assert expected in result.output and "Traceback" not in result.output
        assert not out.parent.exists()


@pytest.mark.parametrize("selection", ["uncertain", "typical"])
def test_suggest_cli_prints_the_batch_and_the_stopping_hint(
    tiny_model_dir: Path, orbital_corpus: Path, tmp_path: Path, fake_embedder, selection: str
) -> None:
    result = CliRunner().invoke(app, ["suggest", str(tiny_model_dir), str(orbital_corpus), "--target", TARGET,
                                      "--n", "3", "--out", str(tmp_path / "tasks"), "--set", "predict.threads=1",
                                      "--selection", selection])
    assert result.exit_code == 0, result.output
    assert "3 of " in result.output and "tasks.json" in result.output
    assert "next: the model expects to get the stance of" in result.output
    assert (tmp_path / "tasks.csv").is_file() and (tmp_path / "tasks.label_config.xml").is_file()


def test_suggest_refuses_a_corpus_whose_sentences_are_all_labeled(
    tiny_model_dir: Path, tmp_path: Path, fake_embed
) -> None:
    corpus = tmp_path / "one.txt"
    corpus.write_text("Orbital Foods opened a plant in Ohio on Monday.\n", encoding="utf-8")
    labeled = tmp_path / "gold.jsonl"
    labeled.write_text(json.dumps({"id": "x", "text": "Orbital Foods opened a plant in Ohio on Monday.",
                                   "target": TARGET}) + "\n", encoding="utf-8")
    with pytest.raises(MediaframeError, match="no unlabeled sentence left"):
        suggest(tiny_model_dir, corpus, TARGET, 5, tmp_path / "tasks", load_config(None), labeled=[labeled],
                embed=fake_embed)

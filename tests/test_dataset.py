"""Dataset rows, grouped stratified splits, leave-one-article-out folds and the DatasetDict."""

from __future__ import annotations

import random
from pathlib import Path

from datasets import load_from_disk

from mediaframe.config import DatasetConfig
from mediaframe.dataset.splits import (
    COLUMNS,
    article_folds,
    assign_splits,
    built_sentence_row,
    dataset_row,
    fingerprint,
    fold_splits,
    label_counts,
    save_dataset_dict,
    to_dataset_dict,
)
from mediaframe.records import LabeledSentence, Mention, Sentence, WeakLabel


def rows_for(n_articles: int, per_article: int = 6) -> list[dict]:
    stances = ["against", "neutral", "favor"]
    return [
        {"id": f"art{a:02d}:{i}", "article_id": f"art{a:02d}", "index": i, "text": f"s{a}-{i}",
         "stance": stances[(a + i) % 3], "sentiment": None, "frame": None}
        for a in range(n_articles) for i in range(per_article)
    ]


def labeled(stance_source: str = "weak", confidence: float = 0.9) -> LabeledSentence:
    s = Sentence("art", 2, "Acme rose.", 10, 20, outlet="O", date="2024-01-01", target="Acme",
                 mentions=(Mention(0, 4, "Acme"),))
    weak = {"stance": WeakLabel("favor", confidence, ("r1",)), "sentiment": WeakLabel(None, 0.0),
            "frame": WeakLabel("economic", 0.6, ("r2",))}
    labels = {"stance": "neutral" if stance_source == "gold" else "favor", "sentiment": None, "frame": "economic"}
    return LabeledSentence(s, labels, {"stance": stance_source, "frame": "weak"}, weak)


def test_dataset_row_has_the_contract_columns_and_sources() -> None:
    row = dataset_row(labeled("gold"))
    assert tuple(row) == COLUMNS
    assert row["id"] == "art:2" and row["mentions"] == [{"start": 0, "end": 4, "text": "Acme"}]
    assert (row["stance"], row["stance_source"], row["stance_confidence"]) == ("neutral", "gold", 1.0)
    assert (row["frame"], row["frame_source"], row["frame_confidence"]) == ("economic", "weak", 0.6)
    assert (row["sentiment"], row["sentiment_source"], row["sentiment_confidence"]) == (None, None, None)


def test_dataset_min_confidence_leaves_weak_labels_empty() -> None:
    row = dataset_row(labeled("weak", confidence=0.4), min_confidence=0.5)
    assert row["stance"] is None and row["stance_source"] is None
    assert dataset_row(labeled("gold"), min_confidence=0.99)["stance"] == "neutral"


def test_dataset_sentence_row_keeps_the_overridden_weak_label() -> None:
    row = built_sentence_row(labeled("gold"), "test")
    assert row["stance"] == "neutral" and row["weak_stance"] == "favor" and row["weak_stance_rules"] == ["r1"]
    assert row["split"] == "test" and row["mentions_target"] is True


def test_dataset_splits_never_share_an_article() -> None:
    rows = rows_for(20)
    split_of = assign_splits(rows, DatasetConfig(), seed=13)
    assert set(split_of.values()) == {"train", "validation", "test"}
    counts = {name: sum(1 for v in split_of.values() if v == name) for name in ("train", "validation", "test")}
    assert counts["test"] == 4 and counts["validation"] == 4 and counts["train"] == 12


def test_dataset_splits_are_stable_under_row_order_and_follow_the_seed() -> None:
    rows = rows_for(20)
    shuffled = list(rows)
    random.Random(1).shuffle(shuffled)
    assert assign_splits(rows, DatasetConfig(), 13) == assign_splits(shuffled, DatasetConfig(), 13)
    seeds = {tuple(sorted(assign_splits(rows, DatasetConfig(), s).items())) for s in range(5)}
    assert len(seeds) > 1


def test_dataset_splits_with_few_articles() -> None:
    assert set(assign_splits(rows_for(1), DatasetConfig(), 13).values()) == {"train"}
    assert sorted(assign_splits(rows_for(2), DatasetConfig(), 13).values()) == ["test", "train"]
    assert sorted(assign_splits(rows_for(5), DatasetConfig(), 13).values()) == ["test", "train", "train", "train",
                                                                               "validation"]


def test_dataset_leave_one_article_out_folds_test_every_article_once() -> None:
    ids = ["c", "a", "b", "d"]
    folds = article_folds(ids)
    assert [f.test for f in folds] == ["a", "b", "c", "d"]
    assert [f.name for f in folds][0] == "0-a"
    for fold in folds:
        split = fold_splits(fold, ids)
        assert list(split.values()).count("test") == 1 and list(split.values()).count("validation") == 1
        assert split[fold.test] == "test" and fold.validation != fold.test


def test_dataset_dict_round_trips_through_disk(tmp_path: Path) -> None:
    rows = [dataset_row(labeled("weak"))]
    split_of = {"art": "validation"}
    dataset = to_dataset_dict(rows, split_of)
    save_dataset_dict(dataset, str(tmp_path / "d"))
    loaded = load_from_disk(str(tmp_path / "d"))
    assert loaded["validation"][0]["mentions"] == [{"start": 0, "end": 4, "text": "Acme"}]
    assert len(loaded["train"]) == 0 and loaded["train"].column_names == list(COLUMNS)
    counts = label_counts(rows, split_of)
    assert counts["validation"]["stance"] == {"favor": {"weak": 1}}
    assert counts["validation"]["sentiment"] == {"(none)": {"-": 1}}


def test_dataset_fingerprint_changes_with_labels_not_order() -> None:
    rows = rows_for(3)
    assert fingerprint(rows) == fingerprint(list(reversed(rows)))
    changed = [dict(rows[0], stance="favor" if rows[0]["stance"] != "favor" else "against"), *rows[1:]]
    assert fingerprint(changed) != fingerprint(rows)


def test_dataset_held_out_article_has_the_stance_mix_closest_to_the_whole() -> None:
    rows = [{"id": f"a{a}:{i}", "article_id": f"a{a}", "index": i, "text": "t",
             "stance": "neutral" if a == 0 or i % 2 else "against"} for a in range(5) for i in range(6)]
    for seed in range(6):
        split_of = assign_splits(rows, DatasetConfig(), seed)
        assert split_of["a0"] == "train"  # the all-neutral article is never the whole test or validation split

"""The sentences a teacher labels for its student: labeled rows, the rest of their articles, the teacher's held-out
articles left out."""

from __future__ import annotations

from pathlib import Path

import pytest
from datasets import DatasetDict
from tests.test_sources import ARTICLE, fake_benchmarks, nfc_label, write_jsonl

from mediaframe.config import config_toml, load_config
from mediaframe.errors import MediaframeError
from mediaframe.labels.codebook import codebook_for
from mediaframe.labels.registry import load_source
from mediaframe.records import TASKS
from mediaframe.training.data import extra_sources, rows_dataset
from mediaframe.training.distillation_rows import distillation_rows, teacher_validation_articles
from mediaframe.training.train import prepare_splits

REPO_ROOT = Path(__file__).resolve().parents[1]


def nfc_config(tmp_path: Path, *overrides: str, tested: str = "Residents"):
    """One fold-2 article with two of its four sentences labeled toward Acme Corp; the same text as a fold-5 article
    with the sentence starting with `tested` labeled."""
    bench = fake_benchmarks(tmp_path)
    second, third, fourth = (ARTICLE.index(word) for word in ("Regulators", "The company", "Residents"))
    start = ARTICLE.index(tested)
    write_jsonl(tmp_path / "labels" / "narrative_frames.jsonl", [
        nfc_label("1", "2", second, third - 1, 1), nfc_label("1", "2", third, fourth - 1, 2, stance="neutral"),
        nfc_label("2", "5", start, ARTICLE.index(".", start) + 1, 3),  # the same story in the test fold
    ])
    return load_config(overrides=[f"sources.benchmarks={bench}", f"sources.labels={tmp_path / 'labels'}",
                                  'distill.sources=["narrative_frames"]', "distill.hold_out=false", *overrides])


def test_distillation_rows_add_the_unlabeled_sentences_of_training_articles_only(tmp_path: Path) -> None:
    rows = distillation_rows(nfc_config(tmp_path, "distill.article_sentences=-1"))
    labeled = [r for r in rows if r["stance"]]
    added = [r for r in rows if not r["stance"]]
    assert [r["text"] for r in labeled] == ["Regulators fined Acme Corp $2 million on Monday.",
                                            "The company said it would appeal."]
    assert [r["text"] for r in added] == ["Acme Corp fined over spill."], "not the sentence labeled in the test fold"
    assert {r["article_id"] for r in rows} == {"nfc-1"}, "the fold-5 article gives no sentence"
    first = next(r for r in added if r["text"].startswith("Acme"))
    assert first["target"] == "Acme Corp" and [m["text"] for m in first["mentions"]] == ["Acme Corp"]
    assert all(r["sentiment"] is None and r["frame"] is None for r in added), "added sentences carry no gold"
    assert len({r["id"] for r in rows}) == len(rows)


def with_distill(cfg, **settings):
    return cfg.model_copy(update={"distill": cfg.distill.model_copy(update=settings)})


def test_distillation_rows_add_none_by_default_and_a_seeded_sample_of_the_number_asked(tmp_path: Path) -> None:
    cfg = nfc_config(tmp_path, tested="Regulators")  # both unlabeled sentences of the fold-2 article are candidates
    assert len(distillation_rows(cfg)) == 2, "none added by default"
    assert len(distillation_rows(with_distill(cfg, article_sentences=-1))) == 4
    one = [r for r in distillation_rows(with_distill(cfg, article_sentences=1)) if not r["stance"]]
    assert len(one) == 1
    assert one == [r for r in distillation_rows(with_distill(cfg, article_sentences=1)) if not r["stance"]], "seeded"
    assert len(distillation_rows(with_distill(cfg, article_sentences=5))) == 4, "a larger number takes them all"


def test_distillation_rows_leave_out_the_articles_the_teacher_was_validated_on(tmp_path: Path) -> None:
    written = f"sources.written={REPO_ROOT / 'data' / 'written'}"
    recorded = load_config(overrides=[written, "seed=7", 'training.extra_sources=["written"]',
                                      'training.extra_stance_data=""', "training.replay_rows=300"])
    teacher = tmp_path / "teacher"
    teacher.mkdir()
    (teacher / "config.toml").write_text(config_toml(recorded), encoding="utf-8")
    own = [dict(row, id=f"own-{i}", article_id=f"own-{i // 5}") for i, row in enumerate(load_source("written", recorded).rows[:40])]
    labels = {task: list(codebook_for(recorded.labeling).labels(task)) for task in TASKS}
    splits = prepare_splits(DatasetDict({"train": rows_dataset(own)}), recorded, labels, extra_sources(recorded))
    validated = {row["article_id"] for row in splits["validation"].to_list()} - {row["article_id"] for row in own}

    cfg = load_config(overrides=[written, 'distill.sources=["written"]'])  # another seed: the teacher's is what counts
    held = teacher_validation_articles(teacher, cfg)
    assert validated and held == validated
    rows = distillation_rows(cfg, held)
    assert not held & {r["article_id"] for r in rows}
    assert len(rows) + sum(1 for r in load_source("written", cfg).rows if r["article_id"] in held) == len(load_source("written", cfg).rows)
    assert len(distillation_rows(cfg)) == len(load_source("written", cfg).rows), "nothing held out without a teacher's"


def test_distillation_hold_out_names_its_way_out_when_the_teachers_sources_are_missing(tmp_path: Path) -> None:
    teacher = tmp_path / "teacher"
    teacher.mkdir()
    (teacher / "config.toml").write_text(config_toml(load_config()), encoding="utf-8")  # trained on NewsMTSC and more
    cfg = load_config(overrides=[f"sources.benchmarks={tmp_path / 'nowhere'}"])
    with pytest.raises(MediaframeError, match="cannot be read here.*--set distill.hold_out=false"):
        teacher_validation_articles(teacher, cfg)
    assert teacher_validation_articles(teacher, with_distill(cfg, sources=[])) == set(), "no source row, nothing to read"

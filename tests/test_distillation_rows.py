"""The sentences a teacher labels for its student: labeled rows, the rest of their articles, the teacher's held-out
articles left out."""

from __future__ import annotations

from pathlib import Path

from tests.test_sources import ARTICLE, fake_benchmarks, nfc_label, write_jsonl

from mediaframe.config import load_config
from mediaframe.labels.registry import load_source
from mediaframe.training.distillation_rows import distillation_rows
from mediaframe.training.train import hold_out_articles

REPO_ROOT = Path(__file__).resolve().parents[1]


def nfc_config(tmp_path: Path, *overrides: str):
    """One fold-2 article with two of its four sentences labeled toward Acme Corp, one fold-5 article labeled."""
    bench = fake_benchmarks(tmp_path)
    second, third, fourth = (ARTICLE.index(word) for word in ("Regulators", "The company", "Residents"))
    write_jsonl(tmp_path / "labels" / "narrative_frames.jsonl", [
        nfc_label("1", "2", second, third - 1, 1), nfc_label("1", "2", third, fourth - 1, 2, stance="neutral"),
        nfc_label("2", "5", second, third - 1, 1),
    ])
    return load_config(overrides=[f"sources.benchmarks={bench}", f"sources.labels={tmp_path / 'labels'}",
                                  'distill.sources=["narrative_frames"]', "distill.hold_out=false", *overrides])


def test_distillation_rows_add_the_unlabeled_sentences_of_training_articles_only(tmp_path: Path) -> None:
    rows = distillation_rows(nfc_config(tmp_path, "distill.article_sentences=-1"))
    labeled = [r for r in rows if r["stance"]]
    added = [r for r in rows if not r["stance"]]
    assert [r["text"] for r in labeled] == ["Regulators fined Acme Corp $2 million on Monday.",
                                            "The company said it would appeal."]
    assert sorted(r["text"] for r in added) == ["Acme Corp fined over spill.", "Residents were relieved."]
    assert {r["article_id"] for r in rows} == {"nfc-1"}, "the fold-5 article gives no sentence"
    first = next(r for r in added if r["text"].startswith("Acme"))
    assert first["target"] == "Acme Corp" and [m["text"] for m in first["mentions"]] == ["Acme Corp"]
    assert all(r["sentiment"] is None and r["frame"] is None for r in added), "added sentences carry no gold"
    assert len({r["id"] for r in rows}) == len(rows)


def with_distill(cfg, **settings):
    return cfg.model_copy(update={"distill": cfg.distill.model_copy(update=settings)})


def test_distillation_rows_take_a_seeded_sample_of_the_added_sentences(tmp_path: Path) -> None:
    cfg = nfc_config(tmp_path)
    assert len(distillation_rows(cfg)) == 2, "none added by default"
    one = distillation_rows(with_distill(cfg, article_sentences=1))
    assert len(one) == 3
    assert one == distillation_rows(with_distill(cfg, article_sentences=1)), "the sample is seeded"
    assert one != distillation_rows(with_distill(cfg.model_copy(update={"seed": 14}), article_sentences=1))


def test_distillation_rows_leave_out_the_articles_the_teacher_was_validated_on() -> None:
    cfg = load_config(overrides=[f"sources.written={REPO_ROOT / 'data' / 'written'}", 'distill.sources=["written"]'])
    every = load_source("written", cfg).rows
    _, validation = hold_out_articles(every, cfg.training.extra_validation_fraction, cfg.seed)  # as `train` holds out
    held = {r["article_id"] for r in validation}
    rows = distillation_rows(cfg)
    assert held and not held & {r["article_id"] for r in rows}
    assert len(rows) == len(every) - len(validation)
    assert len(distillation_rows(with_distill(cfg, hold_out=False))) == len(every)

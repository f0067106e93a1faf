"""Labeled sources: labels kept by id and offsets, joined with texts read from the benchmark folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mediaframe.config import load_config
from mediaframe.errors import MediaframeError
from mediaframe.labels.registry import load_source
from mediaframe.labels.sources import text_hash

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: its data/
SHARED = REPO_ROOT.parent / "shared" / "benchmarks"
needs_shared = pytest.mark.skipif(not (SHARED / "narrative_frames").is_dir(), reason=f"benchmarks not at {SHARED}")

ARTICLE = ("Acme Corp fined over spill. Regulators fined Acme Corp $2 million on Monday. "
           "The company said it would appeal. Residents were relieved.")


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def fake_benchmarks(tmp_path: Path) -> Path:
    """A Narrative Frames folder with one fold-2 and one fold-5 article, and a NewsMTSC train file."""
    nfc = tmp_path / "bench" / "narrative_frames"
    nfc.mkdir(parents=True)
    header = "ID\tsource\tmbfc\tdate\ttext\tRE\tHI\tCO\tMO\tEC\n"
    body = "".join(f"{i}\tdailyplanet\tleft_bias\t2019-01-0{i}\t\"{ARTICLE}\"\tTrue\tFalse\tFalse\tFalse\tFalse\n" for i in (1, 2))
    (nfc / "articles_metadata.tsv").write_text(header + body, encoding="utf-8")
    (nfc / "folds.tsv").write_text("ID\ttest_fold\n1\t2\n2\t5\n", encoding="utf-8")
    write_jsonl(tmp_path / "bench" / "newsmtsc" / "split_flat" / "train.jsonl", [
        {"mention": "Vale", "polarity": 1, "from": 0, "to": 4, "sentence": "Vale won praise.", "id": "allsides_1_2_3_Vale_0_4"},
        {"mention": "Ross", "polarity": -1, "from": 0, "to": 4, "sentence": "Ross lost.", "id": "allsides_1_2_4_Ross_0_4"},
    ])
    return tmp_path / "bench"


def nfc_label(article_id: str, fold: str, start: int, end: int, index: int, **labels: object) -> dict:
    return {"article_id": article_id, "index": index, "start": start, "end": end, "entity": "Acme Corp", "fold": fold,
            "mbfc": "left_bias", "sha1": text_hash(ARTICLE[start:end]), "stance": "against", "sentiment": "neutral",
            "frame": "legality", "mentions_target": True} | labels


def config(tmp_path: Path, bench: Path):
    return load_config(overrides=[f"sources.benchmarks={bench}", f"sources.labels={tmp_path / 'labels'}",
                                  f"sources.written={tmp_path / 'written'}"])


def test_sources_narrative_frames_join_texts_by_offsets_and_keep_fold_5_apart(tmp_path: Path) -> None:
    bench = fake_benchmarks(tmp_path)
    second = ARTICLE.index("Regulators")
    third = ARTICLE.index("The company")
    write_jsonl(tmp_path / "labels" / "narrative_frames.jsonl", [
        nfc_label("1", "2", second, third - 1, 1),
        nfc_label("1", "2", third, ARTICLE.index("Residents") - 1, 2, stance="neutral"),
        nfc_label("2", "5", second, third - 1, 1),
    ])
    cfg = config(tmp_path, bench)
    train, test = load_source("narrative_frames", cfg), load_source("narrative_frames_test", cfg)
    assert [r["text"] for r in train.rows] == ["Regulators fined Acme Corp $2 million on Monday.",
                                               "The company said it would appeal."]
    assert [[m["text"] for m in r["mentions"]] for r in train.rows] == [["Acme Corp"], ["The company"]]
    assert [r["stance"] for r in train.rows] == ["against", "neutral"] and train.rows[0]["stance_source"] == "gold"
    assert [r["article_id"] for r in test.rows] == ["nfc-2"], "fold 5 is only in the test source"
    summary = train.summary()
    assert summary["rows"] == 2 and summary["origin"] == "real news" and summary["kind"] == "gold"
    assert summary["label_counts"]["stance"] == {"against": 1, "neutral": 1}


def test_sources_changed_text_at_the_offsets_is_refused(tmp_path: Path) -> None:
    bench = fake_benchmarks(tmp_path)
    label = nfc_label("1", "2", 0, 10, 0) | {"sha1": "0000000000"}
    write_jsonl(tmp_path / "labels" / "narrative_frames.jsonl", [label])
    with pytest.raises(MediaframeError, match="text at the labeled offsets changed"):
        load_source("narrative_frames", config(tmp_path, bench))


def test_sources_newsmtsc_gets_the_team_sentence_labels_and_its_own_stance(tmp_path: Path) -> None:
    bench = fake_benchmarks(tmp_path)
    write_jsonl(tmp_path / "labels" / "newsmtsc_train.jsonl", [
        {"key": "allsides_1_2_3", "sha1": text_hash("Vale won praise."), "sentiment": "positive", "frame": "political"}])
    write_jsonl(tmp_path / "labels" / "agreement.json", [])
    (tmp_path / "labels" / "agreement.json").write_text(json.dumps({"newsmtsc": {"kappa": {"sentiment": 0.8}}}))
    source = load_source("newsmtsc", config(tmp_path, bench))
    by_id = {r["id"]: r for r in source.rows}
    assert by_id["allsides_1_2_3_Vale_0_4"]["sentiment"] == "positive" and by_id["allsides_1_2_3_Vale_0_4"]["stance"] == "favor"
    assert by_id["allsides_1_2_4_Ross_0_4"]["sentiment"] is None and by_id["allsides_1_2_4_Ross_0_4"]["stance"] == "against"
    assert source.summary()["kappa"] == {"sentiment": 0.8}


def test_sources_missing_texts_are_one_clear_line(tmp_path: Path) -> None:
    cfg = config(tmp_path, tmp_path / "nowhere")
    with pytest.raises(MediaframeError, match=r"NewsMTSC not found: expected .*nowhere/newsmtsc"):
        load_source("newsmtsc", cfg)
    write_jsonl(tmp_path / "labels" / "narrative_frames.jsonl", [nfc_label("1", "2", 0, 5, 0)])
    with pytest.raises(MediaframeError, match="Narrative Frames Corpus not found"):
        load_source("narrative_frames", cfg)
    with pytest.raises(MediaframeError, match="written coverage not found"):
        load_source("written", cfg)
    with pytest.raises(MediaframeError, match="unknown labeled source 'nfc'"):
        load_source("nfc", cfg)


def test_sources_written_articles_find_descriptions_in_context(tmp_path: Path) -> None:
    article = {"id": "w1", "target": "Orbital Foods", "outlet": "The Ledger", "date": "2025-01-02", "sentences": [
        {"text": "The company is hiring.", "stance": "neutral", "sentiment": "neutral", "frame": "economic", "mentions_target": False},
        {"text": "Orbital Foods beat forecasts.", "stance": "favor", "sentiment": "positive", "frame": "economic", "mentions_target": True},
        {"text": "The snack maker's shares rose.", "stance": "favor", "sentiment": "positive", "frame": "economic", "mentions_target": True},
    ]}
    write_jsonl(tmp_path / "written" / "articles.jsonl", [article])
    rows = load_source("written", config(tmp_path, tmp_path)).rows
    assert [r["id"] for r in rows] == ["w1:0", "w1:1", "w1:2"]
    assert [[m["text"] for m in r["mentions"]] for r in rows] == [[], ["Orbital Foods"], ["The snack maker"]]


@needs_shared
def test_sources_the_project_sets_meet_their_size_and_balance() -> None:
    cfg = load_config(overrides=[f"sources.benchmarks={SHARED}", f"sources.labels={REPO_ROOT / 'data' / 'labels'}",
                                 f"sources.written={REPO_ROOT / 'data' / 'written'}"])
    newsmtsc, nfc, test, written = (load_source(n, cfg) for n in
                                    ("newsmtsc", "narrative_frames", "narrative_frames_test", "written"))
    assert len({r["text"] for r in newsmtsc.rows if r["sentiment"] and r["frame"]}) >= 2000
    assert len(nfc.rows) >= 1500 and len({r["article_id"] for r in nfc.rows}) >= 150
    assert len(test.rows) >= 400 and not {r["article_id"] for r in test.rows} & {r["article_id"] for r in nfc.rows}
    assert len(written.rows) >= 2000 and len({r["target"] for r in written.rows}) >= 80
    for task in ("stance", "sentiment"):
        counts = written.summary()["label_counts"][task]
        assert min(counts.values()) >= len(written.rows) / 4, f"every {task} class is a quarter of the written rows"
    for source in (newsmtsc, nfc, test, written):
        assert source.kappa, f"{source.name}: agreement recorded"


def test_sources_label_lines_missing_a_field_are_one_clear_line(tmp_path: Path) -> None:
    bench = fake_benchmarks(tmp_path)
    label = nfc_label("1", "2", 0, 10, 0)
    del label["start"]
    write_jsonl(tmp_path / "labels" / "narrative_frames.jsonl", [label])
    with pytest.raises(MediaframeError, match=r"narrative_frames.jsonl line 1: .*missing start"):
        load_source("narrative_frames", config(tmp_path, bench))
    write_jsonl(tmp_path / "written" / "articles.jsonl", [{"id": "w1", "target": "Acme", "sentences": [{"text": "Hi."}]}])
    with pytest.raises(MediaframeError, match=r"written article 'w1' sentence 0: missing stance, sentiment, frame"):
        load_source("written", config(tmp_path, bench))


def test_sources_finentity_joins_passages_by_number_and_keeps_its_test_part_apart(tmp_path: Path) -> None:
    bench = tmp_path / "bench"
    passages = [{"content": ARTICLE, "annotations": [{"value": "Acme Corp", "start": 0, "end": 9, "label": "Negative"}]},
                {"content": "Zeta Inc shares rose 4%.", "annotations": [{"value": "Zeta Inc", "start": 0, "end": 8}]}]
    (bench / "finentity").mkdir(parents=True)
    (bench / "finentity" / "FinEntity.json").write_text(json.dumps(passages), encoding="utf-8")
    second = ARTICLE.index("Regulators")
    unit = {"entity": "Acme Corp", "stance": "against", "sentiment": "negative", "frame": "legality", "mentions_target": True}
    write_jsonl(tmp_path / "labels" / "finentity.jsonl", [
        {"unit": "fe-0:1:0", "article_id": "fe-0", "passage": 0, "index": 1, "start": second,
         "end": ARTICLE.index("The company") - 1, "split": "train", "sha1": text_hash(ARTICLE[second:ARTICLE.index("The company") - 1]),
         **unit},
        {"unit": "fe-1:0:0", "article_id": "fe-1", "passage": 1, "index": 0, "start": 0, "end": 24, "split": "test",
         "sha1": text_hash("Zeta Inc shares rose 4%."), **unit, "entity": "Zeta Inc", "stance": "favor"},
    ])
    cfg = config(tmp_path, bench)
    train, test = load_source("finentity", cfg), load_source("finentity_test", cfg)
    assert [r["text"] for r in train.rows] == ["Regulators fined Acme Corp $2 million on Monday."]
    assert train.rows[0]["target"] == "Acme Corp" and train.rows[0]["mentions"][0]["text"] == "Acme Corp"
    assert [(r["target"], r["stance"]) for r in test.rows] == [("Zeta Inc", "favor")]


@pytest.mark.skipif(not (SHARED / "finentity").is_dir(), reason=f"FinEntity not at {SHARED}")
def test_sources_finentity_test_fifth_is_fixed_and_shares_no_passage_text_with_training() -> None:
    cfg = load_config(overrides=[f"sources.benchmarks={SHARED}", f"sources.labels={REPO_ROOT / 'data' / 'labels'}"])
    train, test = load_source("finentity", cfg), load_source("finentity_test", cfg)
    passages = json.loads((SHARED / "finentity" / "FinEntity.json").read_text(encoding="utf-8"))
    text_of = lambda rows: {passages[int(r["article_id"].removeprefix("fe-"))]["content"] for r in rows}  # noqa: E731
    assert not text_of(train.rows) & text_of(test.rows)
    share = len({r["article_id"] for r in test.rows}) / len({r["article_id"] for r in train.rows + test.rows})
    assert 0.17 < share < 0.23


def test_sources_distillation_never_reads_a_test_set(tmp_path: Path) -> None:
    from mediaframe.training.distillation_rows import distillation_rows

    cfg = load_config(overrides=['distill.sources=["finentity_test"]'])
    with pytest.raises(MediaframeError, match="a test set is never trained on"):
        distillation_rows(cfg)

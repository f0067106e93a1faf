"""explain: occlusion weights that measure what they claim, the target's mentions apart, similar labeled sentences."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mediaframe.analyst.examples import example_index
from mediaframe.analyst.explain import explain_sentences, faithfulness, sentence_words, without
from mediaframe.cli import app
from mediaframe.inference.predictor import Predictor

SENTENCES = [
    ("Critics said Orbital Foods ignored its workers and misled regulators about the recall.", "Orbital Foods"),
    ("Orbital Foods won praise for its generous new pension plan and record sales.", "Orbital Foods"),
    ("Shares of Orbital Foods fell sharply after the company cut its forecast again.", "Orbital Foods"),
    ("The union thanked Orbital Foods for a fair deal that raised wages across every plant.", "Orbital Foods"),
    ("Regulators fined Orbital Foods over unsafe conditions at two packing sites last year.", "Orbital Foods"),
]


def mentions_of(text: str, target: str) -> list[dict]:
    start = text.index(target)
    return [{"start": start, "end": start + len(target), "text": target}]


@pytest.fixture()
def teacher_predictor(confident_teacher: Path) -> Predictor:
    return Predictor(confident_teacher, 32, "fp32", threads=1)


@pytest.fixture()
def fake_embedder(monkeypatch: pytest.MonkeyPatch, fake_embed, cache_home: Path):
    monkeypatch.setattr("mediaframe.labels.embeddings.load_embedder", lambda *args, **kwargs: fake_embed)


def test_explain_words_inside_a_mention_are_marked() -> None:
    text = "Critics said Orbital Foods ignored U.S. workers."
    words = sentence_words(text, mentions_of(text, "Orbital Foods"))
    assert [w.text for w in words] == ["Critics", "said", "Orbital", "Foods", "ignored", "U.S", "workers"]
    assert [w.text for w in words if w.mention] == ["Orbital", "Foods"]


def test_explain_removing_words_moves_the_mentions_with_the_text() -> None:
    text = "Critics said Orbital Foods ignored workers."
    mentions = mentions_of(text, "Orbital Foods")
    words = sentence_words(text, mentions)
    shorter, moved = without(text, mentions, [words[0], words[5]])
    assert shorter == "said Orbital Foods ignored ."
    assert shorter[moved[0]["start"] : moved[0]["end"]] == "Orbital Foods"


def test_explain_removing_several_words_before_a_mention_moves_it_by_all_of_them() -> None:
    text = "aa bb Netflix won"
    mentions = mentions_of(text, "Netflix")
    words = sentence_words(text, mentions)
    shorter, moved = without(text, mentions, [words[0], words[1]])
    assert shorter == "Netflix won" and shorter[moved[0]["start"] : moved[0]["end"]] == "Netflix"


def test_explain_cli_reads_mentions_given_as_json_text_in_a_csv(confident_teacher: Path, tmp_path: Path) -> None:
    import csv

    text, target = SENTENCES[0]
    rows = tmp_path / "rows.csv"
    with rows.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["text", "target", "mentions"])
        writer.writeheader()
        writer.writerow({"text": text, "target": target, "mentions": json.dumps(mentions_of(text, target))})
        writer.writerow({"text": text, "target": target, "mentions": ""})
    out = tmp_path / "explained.jsonl"
    result = CliRunner().invoke(app, ["explain", str(confident_teacher), "--input", str(rows), "--out", str(out),
                                      "--neighbours", "0", "--set", "predict.threads=1"])
    assert result.exit_code == 0, result.output
    explained = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [[w["text"] for w in e["words"] if w["mention"]] for e in explained] == [["Orbital", "Foods"]] * 2


def test_explain_weight_is_the_drop_of_the_predicted_label_without_that_word(teacher_predictor: Predictor) -> None:
    text, target = SENTENCES[0]
    mentions = mentions_of(text, target)
    explanation = explain_sentences(teacher_predictor, [text], [target], [mentions])[0]
    for task in ("stance", "sentiment", "frame"):
        assert sum(explanation.probabilities[task].values()) == pytest.approx(1.0, abs=1e-3)
    open_words = [w for w in explanation.words if not w.mention]
    assert all(set(w.weight) == {"stance", "frame"} for w in open_words)
    assert all(not w.weight for w in explanation.words if w.mention)
    word = open_words[4]
    shorter, moved = without(text, mentions, [word])
    label = explanation.label("stance")
    column = teacher_predictor.labels["stance"].index(label)
    full = teacher_predictor.predict_proba([text], [target], [mentions])["stance"][0, column]
    after = teacher_predictor.predict_proba([shorter], [target], [moved])["stance"][0, column]
    assert word.weight["stance"] == pytest.approx(full - after, abs=1e-5)


def test_explain_a_context_model_reads_the_sentences_context_with_every_variant(confident_teacher: Path, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "context-model"
    shutil.copytree(confident_teacher, folder)
    meta = json.loads((folder / "mediaframe.json").read_text(encoding="utf-8")) | {"target_mode": "marked", "context": "before"}
    (folder / "mediaframe.json").write_text(json.dumps(meta), encoding="utf-8")
    predictor, (text, target) = Predictor(folder), SENTENCES[0]
    mentions, context = mentions_of(text, target), "The union called it an insult."
    explanation = explain_sentences(predictor, [text], [target], [mentions], [context])[0]
    probs = predictor.predict_proba([text], [target], [mentions], [context])["stance"][0]
    assert list(explanation.probabilities["stance"].values()) == pytest.approx(probs.tolist(), abs=1e-4)
    word = [w for w in explanation.words if not w.mention][2]
    shorter, moved = without(text, mentions, [word])
    column = predictor.labels["stance"].index(explanation.label("stance"))
    after = predictor.predict_proba([shorter], [target], [moved], [context])["stance"][0, column]
    assert word.weight["stance"] == pytest.approx(probs[column] - after, abs=1e-5)


def test_explain_top_words_move_the_label_more_than_random_ones(teacher_predictor: Predictor) -> None:
    texts, targets = [s for s, _ in SENTENCES], [t for _, t in SENTENCES]
    mentions = [mentions_of(s, t) for s, t in SENTENCES]
    explanations = explain_sentences(teacher_predictor, texts, targets, mentions)
    check = faithfulness(teacher_predictor, explanations, mentions, k=2, seed=13)
    assert check["sentences"] == len(SENTENCES)
    assert check["top_k_drop"] > check["random_k_drop"]


def test_explain_nearest_examples_are_the_most_similar_labeled_rows(fake_embed, tmp_path: Path) -> None:
    rows = [{"text": "Orbital Foods shares fell after the forecast cut.", "target": "Orbital Foods", "stance": "against"},
            {"text": "The weather was mild in Ohio on Monday.", "target": "Ohio", "stance": "neutral"}]
    index = example_index(rows, fake_embed, cache=tmp_path)
    near = index.nearest(fake_embed(["Shares fell after Orbital Foods cut its forecast."]), k=1)[0]
    assert near[0]["text"] == rows[0]["text"] and near[0]["stance"] == "against"
    cached = example_index(rows, lambda texts: pytest.fail("embeddings are read from the cache"), cache=tmp_path)
    np.testing.assert_allclose(cached.vectors, index.vectors)


def test_explain_cli_prints_labels_evidence_and_examples_and_writes_jsonl(
    confident_teacher: Path, tmp_path: Path, fake_embedder
) -> None:
    examples = tmp_path / "examples.jsonl"
    examples.write_text("".join(json.dumps({"text": s, "target": t, "stance": "against", "sentiment": "negative",
                                            "frame": "economic"}) + "\n" for s, t in SENTENCES[2:]), encoding="utf-8")
    out = tmp_path / "explained.jsonl"
    text, target = SENTENCES[0]
    result = CliRunner().invoke(app, ["explain", str(confident_teacher), "--text", text, "--target", target,
                                      "--examples", str(examples), "--out", str(out), "--set", "predict.threads=1"])
    assert result.exit_code == 0, result.output
    assert "stance" in result.output and "similar labeled sentences" in result.output
    row = json.loads(out.read_text(encoding="utf-8"))
    assert row["labels"]["stance"] in row["probabilities"]["stance"]
    assert len(row["neighbours"]) == 3 and {n["source"] for n in row["neighbours"]} == {"examples.jsonl"}
    assert [w["text"] for w in row["words"] if w["mention"]] == ["Orbital", "Foods"]


def test_explain_cli_bad_input_is_one_line(confident_teacher: Path, tmp_path: Path, fake_embedder) -> None:
    not_ours = tmp_path / "not-a-model"
    not_ours.mkdir()
    bad_rows = tmp_path / "rows.jsonl"
    bad_rows.write_text('{"text": "Orbital Foods grew.", "target": "Orbital Foods"}\nnot json\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    cases = [
        ([str(confident_teacher)], "expected --text"),
        ([str(confident_teacher), "--text", "Orbital Foods grew."], "has no target"),
        ([str(not_ours), "--text", "Orbital Foods grew.", "--target", "Orbital Foods"], "not-a-model"),
        ([str(confident_teacher), "--input", str(bad_rows)], "line 2: not valid JSON"),
    ]
    for args, expected in cases:
        result = CliRunner().invoke(app, ["explain", *args, "--out", str(out), "--neighbours", "0"])
        assert result.exit_code == 1, result.output
        assert expected in result.output and "Traceback" not in result.output
        assert not out.exists()

"""Predictor: probabilities in input order, batching invariance, rows, precisions, hardware choices."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mediaframe.corpus.mentions import MentionFinder
from mediaframe.errors import MediaframeError
from mediaframe.predict.prediction_rows import score_rows
from mediaframe.records import TASKS

SENTENCES = [
    "Netflix praised the writers.",
    "The strike was bad for the company and its actors, and it slammed the new pay record of the year.",
    "Netflix said profits were great.",
    "It was terrible.",
    "Netflix praised the writers.",
]


def test_inference_probabilities_sum_to_one_in_input_order(predictor) -> None:
    probs = predictor.predict_proba(SENTENCES, ["Netflix"] * 5, [[]] * 5)
    for task in TASKS:
        assert probs[task].shape == (5, len(predictor.labels[task]))
        assert np.allclose(probs[task].sum(1), 1.0, atol=1e-5)
    single = predictor.predict_proba([SENTENCES[1]], ["Netflix"], [[]])
    assert np.allclose(single["stance"][0], probs["stance"][1], atol=1e-5)


def test_inference_batch_size_does_not_change_results(tiny_model_dir: Path) -> None:
    from mediaframe.inference.predictor import Predictor

    a = Predictor(tiny_model_dir, batch_size=1).predict_proba(SENTENCES, ["Netflix"] * 5)
    b = Predictor(tiny_model_dir, batch_size=64).predict_proba(SENTENCES, ["Netflix"] * 5)
    for task in TASKS:
        assert np.allclose(a[task], b[task], atol=1e-5)


def test_inference_matches_the_model_forward(tiny_model_dir: Path) -> None:
    import torch

    from mediaframe.inference.predictor import Predictor
    from mediaframe.model.modeling import encode, load_model

    loaded = load_model(tiny_model_dir)
    batch = encode(loaded.tokenizer, SENTENCES, ["Netflix"] * 5, None, 64, loaded.meta["target_mode"], padding=True)
    with torch.inference_mode():
        logits = loaded.model(**{k: torch.tensor(v) for k, v in batch.items()})["frame_logits"]
    probs = Predictor(loaded, batch_size=2).predict_proba(SENTENCES, ["Netflix"] * 5)
    assert np.allclose(torch.softmax(logits, -1).numpy(), probs["frame"], atol=1e-5)


def test_inference_empty_input_gives_empty_arrays(predictor) -> None:
    probs = predictor.predict_proba([], [], [])
    assert all(probs[task].shape[0] == 0 for task in TASKS)


def test_inference_counts_truncated_inputs(tiny_model_dir: Path) -> None:
    from mediaframe.inference.predictor import Predictor

    predictor = Predictor(tiny_model_dir)
    probs = predictor.predict_proba(["the strike " * 5000, "Netflix praised it."], ["Netflix"] * 2)
    assert predictor.truncated == 1
    assert np.isfinite(probs["stance"]).all()


def test_inference_rows_follow_the_predictions_contract(predictor) -> None:
    rows = score_rows(
        predictor, MentionFinder(), [{"id": "a:0", "article_id": "a", "index": 0, "text": "The streamer praised Netflix.", "outlet": "X"},
         {"id": "b:3", "text": "Orbital Foods was bad.", "target": "Orbital Foods"}],
        default_target="Netflix",
    )
    first, second = rows
    assert first["id"] == "a:0" and first["outlet"] == "X" and first["target"] == "Netflix"
    assert first["mentions_target"] is True
    assert second["target"] == "Orbital Foods" and second["mentions_target"] is True  # a row's own target wins
    for task in TASKS:
        assert first[task] in predictor.labels[task]
        assert set(first[f"{task}_probs"]) == set(predictor.labels[task])
        assert first[f"{task}_confidence"] == max(first[f"{task}_probs"].values())


@pytest.mark.parametrize("dtype", ["bf16", "int8"])
def test_inference_low_precision_stays_close_to_fp32(tiny_model_dir: Path, dtype: str) -> None:
    from mediaframe.inference.predictor import Predictor

    exact = Predictor(tiny_model_dir, dtype="fp32").predict_proba(SENTENCES, ["Netflix"] * 5)
    fast = Predictor(tiny_model_dir, dtype=dtype)
    assert fast.dtype == dtype
    low = fast.predict_proba(SENTENCES, ["Netflix"] * 5)
    for task in TASKS:
        assert np.abs(exact[task] - low[task]).max() < 0.05


def test_inference_unknown_dtype_is_refused(tiny_model_dir: Path) -> None:
    from mediaframe.inference.predictor import Predictor

    with pytest.raises(MediaframeError, match="expected one of auto, fp32, bf16, int8"):
        Predictor(tiny_model_dir, dtype="fp8")


@pytest.mark.parametrize("mode", ["pair", "marked", "marked_pair", "none"])
def test_inference_fast_tokenization_matches_encode(tiny_model_copy: Path, mode: str) -> None:
    from mediaframe.inference.predictor import Predictor
    from mediaframe.model.modeling import encode

    meta_file = tiny_model_copy / "mediaframe.json"
    meta_file.write_text(meta_file.read_text(encoding="utf-8").replace('"target_mode": "pair"', f'"target_mode": "{mode}"'), encoding="utf-8")
    predictor = Predictor(tiny_model_copy)
    assert predictor.loaded.meta["target_mode"] == mode
    texts, targets = [*SENTENCES, "the strike " * 200], ["Netflix"] * 6
    mentions = [[{"start": 0, "end": 7}] if t.startswith("Netflix") else [] for t in texts]
    fast = predictor.tokenize(texts, targets, mentions, list(range(6)))
    meta = predictor.loaded.meta
    slow = encode(predictor.loaded.tokenizer, texts, targets, mentions, meta["max_length"], meta["target_mode"])
    assert fast["input_ids"] == slow["input_ids"] and fast["token_type_ids"] == slow["token_type_ids"]
    assert predictor.truncated == 1


def context_model(folder: Path) -> Path:
    """The tiny model folder turned into one that reads context (model.context "before", marked mentions)."""
    meta_file = folder / "mediaframe.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8")) | {"target_mode": "marked", "context": "before"}
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    return folder


@pytest.mark.parametrize("contexts", [["The studio cut jobs.", "", "Netflix: a headline. Shares fell.", "x " * 200, ""], None])
def test_inference_context_is_the_second_segment_in_fast_and_slow_tokenizing(tiny_model_copy: Path, contexts) -> None:
    from mediaframe.inference.predictor import Predictor
    from mediaframe.model.modeling import encode

    predictor = Predictor(context_model(tiny_model_copy))
    mentions = [[{"start": 0, "end": 7}] if t.startswith("Netflix") else [] for t in SENTENCES]
    fast = predictor.tokenize(list(SENTENCES), ["Netflix"] * 5, mentions, list(range(5)), contexts)
    slow = encode(predictor.loaded.tokenizer, SENTENCES, ["Netflix"] * 5, mentions, 64, "marked",
                  contexts=contexts or [""] * 5)
    assert fast["input_ids"] == slow["input_ids"] and fast["token_type_ids"] == slow["token_type_ids"]
    assert all(1 in types for types in fast["token_type_ids"])  # a second segment, empty where there is no context
    if contexts:
        assert len(fast["input_ids"][3]) == 64 and predictor.truncated == 1  # the long context is cut, the sentence kept
        assert sum(1 for t in fast["token_type_ids"][0] if t == 1) > sum(1 for t in fast["token_type_ids"][1] if t == 1)


def test_inference_context_changes_a_context_model_only(tiny_model_dir: Path, tiny_model_copy: Path) -> None:
    from mediaframe.inference.predictor import Predictor

    texts, targets = SENTENCES[:3], ["Netflix"] * 3
    with_context = ["The union called the offer an insult."] * 3
    reading = Predictor(context_model(tiny_model_copy), remember=100)
    alone, before = reading.predict_proba(texts, targets, None), reading.predict_proba(texts, targets, None, with_context)
    assert not np.allclose(alone["stance"], before["stance"])  # the remembered inputs are keyed by context too
    assert np.allclose(alone["stance"], reading.predict_proba(texts, targets, None, ["", None, ""])["stance"])
    blind = Predictor(tiny_model_dir)
    assert np.allclose(blind.predict_proba(texts, targets)["stance"], blind.predict_proba(texts, targets, None, with_context)["stance"])


def test_inference_row_labels_follow_unrounded_argmax(predictor) -> None:
    rows = score_rows(predictor, MentionFinder(), [{"text": t, "target": "Netflix"} for t in SENTENCES])
    probs = predictor.predict_proba(SENTENCES, ["Netflix"] * 5, [[{"start": 0, "end": 7}]] * 5)
    for task in TASKS:
        assert [r[task] for r in rows] == [predictor.labels[task][i] for i in probs[task].argmax(1)]


def test_inference_sentence_rows_find_descriptions_in_their_article_order(tiny_model_dir: Path) -> None:
    from mediaframe.inference.predictor import Predictor

    rows = [  # given out of order: the article's sentence 1 names the target, sentence 2 describes it
        {"text": "The company declined to comment.", "article_id": "a", "index": 2},
        {"text": "Orbital Foods raised prices.", "article_id": "a", "index": 1},
        {"text": "The company is new.", "article_id": "a", "index": 0},
        {"text": "The company declined to comment.", "article_id": "b", "index": 0},
    ]
    predictor = Predictor(tiny_model_dir)
    found = MentionFinder().rows(rows, ["Orbital Foods"] * 4)
    assert [[m["text"] for m in mentions] for mentions in found] == [["The company"], ["Orbital Foods"], [], []]
    out = score_rows(predictor, MentionFinder(), rows, default_target="Orbital Foods")
    assert [row["mentions_target"] for row in out] == [True, True, False, False]


def test_inference_rows_without_an_article_are_read_alone_even_as_nan() -> None:
    rows = [{"text": "Orbital Foods raised prices.", "article_id": float("nan"), "index": 0},
            {"text": "The company declined to comment.", "article_id": float("nan"), "index": 1}]
    found = MentionFinder().rows(rows, ["Orbital Foods"] * 2)
    assert [[m["text"] for m in mentions] for mentions in found] == [["Orbital Foods"], []]


def test_inference_remembered_inputs_are_not_scored_again(tiny_model_dir: Path) -> None:
    from mediaframe.inference.predictor import Predictor

    predictor = Predictor(tiny_model_dir, batch_size=2, remember=3)
    scored: list[int] = []
    start = predictor.start_encoded
    predictor.start_encoded = lambda encoded: scored.append(len(encoded["input_ids"])) or start(encoded)
    first = predictor.predict_proba(SENTENCES[:3], ["Netflix"] * 3, [[]] * 3)
    again = predictor.predict_proba([SENTENCES[2], SENTENCES[0], SENTENCES[3]], ["Netflix"] * 3, [[]] * 3)
    assert scored == [3, 1], "only the sentence not seen before is scored"
    assert np.array_equal(again["frame"][:2], first["frame"][[2, 0]])
    assert len(predictor.memo.entries) == 3, "the oldest input is forgotten beyond the capacity"
    predictor.predict_proba([SENTENCES[1]], ["Netflix"], [[]])
    assert scored == [3, 1, 1], "the forgotten input is scored again"
    predictor.predict_proba([SENTENCES[3]], ["the company"], [[]])
    assert scored == [3, 1, 1, 1], "another target is another input"


def test_inference_batches_are_padded_to_a_multiple_of_tokens_within_the_cap() -> None:
    from mediaframe.inference.batching import pad_batch

    encoded = {"input_ids": [[5] * 3, [6] * 10, [7] * 62], "token_type_ids": [[0] * 3, [0] * 10, [1] * 62]}
    lengths = np.array([3, 10, 62])
    short = pad_batch(encoded, np.array([0, 1]), lengths, pad_id=0, multiple=8, cap=64)
    assert short["input_ids"].shape == (2, 16)
    assert short["attention_mask"].sum(1).tolist() == [3, 10], "the padding is masked"
    assert (short["input_ids"][1, 10:] == 0).all()
    assert pad_batch(encoded, np.array([2]), lengths, 0, multiple=8, cap=64)["input_ids"].shape == (1, 64)
    assert pad_batch(encoded, np.array([2]), lengths, 0, multiple=8, cap=63)["input_ids"].shape == (1, 63), "never past the cap"
    assert pad_batch(encoded, np.array([0, 1]), lengths, 0)["input_ids"].shape == (2, 10)

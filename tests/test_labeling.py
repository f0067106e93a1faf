"""Weak supervision: labeling functions, the label model and the labeling pipeline (no real model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediaframe.config import LabelingConfig
from mediaframe.labels.codebook import load_codebook
from mediaframe.labels.label_model import (
    aggregate,
    cross_validate,
    default_model,
    fit_model,
    function_stats,
    score_labels,
)
from mediaframe.labels.labeling import weak_label
from mediaframe.labels.weak_rules import (
    compile_lexicon,
    frame_keywords,
    mention_clause,
    rule_inputs,
    sentiment_vader,
    sentiment_vader_news,
    stance_clause_valence,
    stance_cue_against,
    stance_cue_favor,
    stance_negated_praise,
    stance_off_target,
    stance_quoted_critics,
    stance_sarcasm,
)
from mediaframe.records import GoldLabel, Mention, Sentence

CFG = LabelingConfig()


def sentence(text: str, target: str = "Acme", index: int = 0, article: str = "a") -> Sentence:
    """A sentence with every occurrence of `target` marked as a mention."""
    mentions, start = [], text.find(target)
    while start >= 0:
        mentions.append(Mention(start, start + len(target), target))
        start = text.find(target, start + 1)
    return Sentence(article, index, text, 0, len(text), target=target, mentions=tuple(mentions))


def rule_input(text: str, before: str | None = None):
    sentences = [sentence(before, index=0), sentence(text, index=1)] if before else [sentence(text)]
    return rule_inputs(sentences, CFG)[-1]


@pytest.mark.parametrize(
    ("rule", "text", "expected"),
    [
        (stance_cue_against, "Critics say Acme slammed the door on its workers.", "against"),
        (stance_cue_against, "Acme reported results on Monday.", None),
        (stance_cue_favor, "Acme beat forecasts for the third quarter.", "favor"),
        (stance_cue_favor, "Acme is not a success story.", None),
        (stance_negated_praise, "Acme is not a success story.", "against"),
        (stance_quoted_critics, "Critics of Acme warned that prices will rise.", "against"),
        (stance_quoted_critics, "Acme said prices will rise.", None),
        (stance_sarcasm, "What a great way for Acme to treat its staff.", "against"),
        (stance_off_target, "The weather was cold on Monday.", "neutral"),
        (stance_off_target, "Acme opened a store.", None),
    ],
)
def test_labeling_stance_rules_vote_or_abstain(resources, rule, text: str, expected: str | None) -> None:
    assert rule(rule_input(text), resources) == expected


def test_labeling_stance_cue_outside_the_mention_clause_abstains(resources) -> None:
    text = "Rivals were slammed by regulators; meanwhile Acme opened two stores."
    assert stance_cue_against(rule_input(text), resources) is None


def test_labeling_clause_stops_at_strong_breaks() -> None:
    clause = mention_clause(sentence("The rival is awful, but Acme is fine."), window=12)
    assert "awful" not in clause and "Acme is fine." in clause


def test_labeling_sarcasm_counts_in_the_sentence_after_a_mention(resources) -> None:
    x = rule_input("What a great way to treat the workers.", before="Acme cut pay again.")
    assert x.near_target and not x.mentions_target
    assert stance_sarcasm(x, resources) == "against"


def test_labeling_clause_valence_reads_only_the_clause(resources) -> None:
    assert stance_clause_valence(rule_input("Acme delivered a wonderful, excellent product."), resources) == "favor"
    assert stance_clause_valence(rule_input("Acme opened a store."), resources) is None


def test_labeling_news_valence_neutralises_names(resources) -> None:
    x = rule_input("The report went to the Justice Department and the Supreme Court.")
    assert sentiment_vader(x, resources) == "positive"  # plain VADER reads 'justice', 'supreme' as praise
    assert sentiment_vader_news(x, resources) == "neutral"


def test_labeling_frame_keywords_pick_the_most_hit_frame(resources) -> None:
    assert frame_keywords(rule_input("The court ruled the contract illegal after a lawsuit."), resources) == "legality"
    assert frame_keywords(rule_input("It was a sunny day."), resources) is None


def test_labeling_lexicon_wildcards_and_phrases() -> None:
    pattern = compile_lexicon(["criticis*", "beat forecasts"])
    assert pattern.search("The plan was criticised widely.")
    assert pattern.search("They beat   forecasts.")
    assert not pattern.search("An uncriticised plan.")


def test_labeling_weighted_vote_confidence_and_abstention() -> None:
    votes = {"a": ["favor", None, "against"], "b": ["favor", None, "favor"]}
    labels = default_model(["a", "b"], ["against", "neutral", "favor"])
    weak = aggregate(votes, labels)
    assert weak[0].label == "favor" and weak[0].confidence > 0.5 and weak[0].rules == ("a", "b")
    assert weak[1].label is None and weak[1].confidence == 0.0
    assert weak[2].confidence < weak[0].confidence


def test_labeling_fit_trusts_the_accurate_rule_and_reads_the_inverted_one() -> None:
    gold = ["against"] * 6 + ["favor"] * 6
    votes = {"good": list(gold), "noise": ["favor", "against"] * 6, "inverted": ["favor"] * 6 + ["against"] * 6}
    model = fit_model(votes, gold, ["against", "neutral", "favor"])
    assert model.weights["good"] > model.weights["noise"] > model.weights["inverted"]
    only_inverted = aggregate({"inverted": ["favor"]}, model)[0]
    assert only_inverted.label == "against"  # a vote that is always wrong on gold is read the other way


def test_labeling_without_gold_the_model_is_an_equal_vote() -> None:
    model = default_model(["a", "b", "c"], ["against", "neutral", "favor"])
    assert len(set(model.weights.values())) == 1 and model.weights["a"] > 0
    weak = aggregate({"a": ["favor"], "b": ["against"], "c": ["favor"]}, model)[0]
    assert weak.label == "favor" and weak.rules == ("a", "b", "c")


def test_labeling_cross_validation_scores_each_group_with_a_model_fit_elsewhere() -> None:
    labels = ["against", "neutral", "favor"]
    gold = ["against", "against", "favor", "favor", "neutral", "neutral"]
    groups = ["g1", "g1", "g2", "g2", "g3", "g3"]
    votes = {"r": ["against", "favor", "favor", None, "neutral", "against"]}
    held_out = cross_validate(votes, gold, groups, labels)
    for group in ("g1", "g2", "g3"):
        masked = [y if g != group else None for g, y in zip(groups, gold, strict=True)]
        expected = aggregate(votes, fit_model(votes, masked, labels))
        assert [held_out[i] for i, g in enumerate(groups) if g == group] == [
            expected[i] for i, g in enumerate(groups) if g == group
        ]
    assert held_out != aggregate(votes, fit_model(votes, gold, labels))


def test_labeling_function_stats_coverage_overlap_conflict_accuracy() -> None:
    votes = {"a": ["x", "x", None, None], "b": ["x", "y", "y", None]}
    stats = {s["name"]: s for s in function_stats(votes, ["x", "y", None, None])}
    assert stats["a"]["coverage"] == 0.5 and stats["a"]["overlap"] == 0.5 and stats["a"]["conflict"] == 0.25
    assert stats["a"]["accuracy"] == 0.5 and stats["b"]["gold_votes"] == 2 and stats["b"]["accuracy"] == 1.0


def test_labeling_score_counts_abstention_as_error() -> None:
    weak = aggregate({"a": ["x", None]}, default_model(["a"], ["x", "y"]))
    score = score_labels(weak, ["x", "y"], ["x", "y"])
    assert score["accuracy"] == 0.5 and score["coverage"] == 0.5


def test_labeling_gold_overrides_weak_and_keeps_the_weak_label(fake_embed) -> None:
    sentences = [sentence("Critics slammed Acme over layoffs.", index=0), sentence("Acme opened a store.", index=1)]
    gold = {"a:0": GoldLabel("a:0", sentences[0].text, stance="neutral")}
    result = weak_label(sentences, load_codebook(), LabelingConfig(fit_weights=False), fake_embed, gold)
    first, second = result.labeled
    assert first.labels["stance"] == "neutral" and first.sources["stance"] == "gold"
    assert first.weak["stance"].label == "against"
    assert second.sources["stance"] == "weak"
    assert result.quality is not None and result.quality["stance"]["gold"] == 1


def test_labeling_without_gold_has_no_quality_report(fake_embed) -> None:
    result = weak_label([sentence("Acme opened a store.")], load_codebook(), CFG, fake_embed)
    assert result.quality is None and result.labeled[0].sources["stance"] == "weak"


def test_labeling_frame_similarity_uses_the_injected_embedder() -> None:
    calls: list[int] = []

    def embed(texts: list[str]):
        import numpy as np

        calls.append(len(texts))
        return np.eye(len(texts), 8, dtype=np.float32) if len(texts) <= 8 else np.ones((len(texts), 8), np.float32)

    weak_label([sentence("Acme opened a store.")], load_codebook(), CFG, embed)
    assert calls and calls[-1] == 1


def test_labeling_user_codebook_brings_its_own_frames(tmp_path: Path, fake_embed) -> None:
    book = tmp_path / "book.toml"
    book.write_text(
        'name = "mine"\nstance = ["against", "neutral", "favor"]\nsentiment = ["negative", "neutral", "positive"]\n'
        '[lexicons.stance]\nagainst = ["botched"]\nfavor = ["nailed it"]\n'
        '[frames.weather]\ndescription = "rain and sun"\nkeywords = ["rain", "sunny"]\n'
        '[frames.sport]\ndescription = "games"\nkeywords = ["match", "goal"]\n',
        encoding="utf-8",
    )
    codebook = load_codebook(book)
    result = weak_label([sentence("Acme botched the rain forecast.")], codebook, CFG, fake_embed)
    assert result.labeled[0].labels["frame"] == "weather"
    assert result.labeled[0].labels["stance"] == "against"

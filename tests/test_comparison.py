"""Outlet comparison: aggregation, cluster-bootstrap intervals, permutation tests, flags, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from mediaframe.compare.comparison import Comparison, Grouping, compare, rank_agreement
from mediaframe.config import ComparisonConfig
from mediaframe.errors import MediaframeError
from mediaframe.tables import read_table

FAST = ComparisonConfig(bootstrap_samples=500, permutations=500)


def run(rows: list[dict], **grouping: object) -> Comparison:
    return compare(rows, Grouping(**grouping), FAST, seed=13)


def by_outlet(result: Comparison) -> dict[str, dict]:
    return {row["outlet"]: row for row in result.summary}


def test_comparison_all_against_outlet_has_net_minus_one_and_degenerate_ci(outlet_predictions: list[dict]) -> None:
    harsh = by_outlet(run(outlet_predictions))["Harsh Herald"]
    assert harsh["net_stance"] == -1.0
    assert harsh["net_stance_low"] == -1.0 and harsh["net_stance_high"] == -1.0
    assert harsh["against_share"] == 1.0 and harsh["favor_share"] == 0.0
    assert harsh["sentiment_mean"] == -1.0


def test_comparison_known_mixes_give_known_net_stance(outlet_predictions: list[dict]) -> None:
    rows = by_outlet(run(outlet_predictions))
    assert rows["Balanced Bugle"]["net_stance"] == pytest.approx(0.0)
    assert rows["Friendly Flyer"]["net_stance"] == pytest.approx(6 / 16)
    assert rows["Solo Sentinel"]["net_stance"] == pytest.approx(-0.25)


def test_comparison_summary_ranks_most_negative_first(outlet_predictions: list[dict]) -> None:
    order = [row["outlet"] for row in run(outlet_predictions).summary]
    assert order == ["Harsh Herald", "Solo Sentinel", "Balanced Bugle", "Friendly Flyer"]


def test_comparison_counts_articles_and_sentences(outlet_predictions: list[dict]) -> None:
    rows = by_outlet(run(outlet_predictions))
    assert (rows["Harsh Herald"]["n_articles"], rows["Harsh Herald"]["n_sentences"]) == (4, 16)
    assert (rows["Solo Sentinel"]["n_articles"], rows["Solo Sentinel"]["n_sentences"]) == (1, 4)


def test_comparison_flags_single_article_group_without_hiding_it(outlet_predictions: list[dict]) -> None:
    rows = by_outlet(run(outlet_predictions))
    assert "few articles (1 < 3)" in rows["Solo Sentinel"]["flag"]
    assert all(rows[o]["flag"] == "" for o in ("Harsh Herald", "Balanced Bugle", "Friendly Flyer"))


def test_comparison_single_article_interval_comes_from_its_sentences(make_predictions) -> None:
    rows = make_predictions({"Solo": [["against"] * 6 + ["favor"] * 4], "Pair": [["against"]] * 2})
    solo = by_outlet(run(rows))["Solo"]
    assert solo["net_stance"] == pytest.approx(-0.2)
    assert solo["net_stance_low"] < -0.4 and solo["net_stance_high"] > 0.0
    assert "understates uncertainty" in solo["flag"]
    assert "understates" not in by_outlet(run(rows))["Pair"]["flag"]


def test_comparison_cluster_bootstrap_reflects_article_clustering(make_predictions) -> None:
    # Two all-against and two all-favor articles: 40 sentences, but only 4 independent units.
    rows = make_predictions({"Split": [["against"] * 10, ["against"] * 10, ["favor"] * 10, ["favor"] * 10]})
    split = run(rows).summary[0]
    assert split["net_stance"] == 0.0
    assert split["net_stance_low"] <= -0.5 and split["net_stance_high"] >= 0.5


def test_comparison_interval_narrows_with_more_articles(make_predictions) -> None:
    article_mix = [["against", "against", "favor"], ["favor", "neutral", "against"], ["favor", "favor", "neutral"]]
    few = run(make_predictions({"Few": article_mix})).summary[0]
    many = run(make_predictions({"Many": article_mix * 10})).summary[0]
    assert few["net_stance"] == pytest.approx(many["net_stance"])
    width = lambda row: row["net_stance_high"] - row["net_stance_low"]
    assert width(many) < width(few)
    assert many["net_stance_low"] <= many["net_stance"] <= many["net_stance_high"]


def test_comparison_is_seeded(outlet_predictions: list[dict]) -> None:
    first = compare(outlet_predictions, Grouping(), FAST, seed=1)
    again = compare(outlet_predictions, Grouping(), FAST, seed=1)
    other = compare(outlet_predictions, Grouping(), FAST, seed=2)
    assert first.summary == again.summary and first.pairwise == again.pairwise
    assert [r["p_value"] for r in first.pairwise] != [r["p_value"] for r in other.pairwise]


def test_comparison_pairwise_detects_clear_difference_only(make_predictions) -> None:
    rows = make_predictions({
        "Harsh": [["against", "against", "neutral"]] * 10,
        "Mild": [["against", "favor", "neutral"]] * 9 + [["against", "neutral", "neutral"]],
        "Kind": [["favor", "favor", "neutral"]] * 10,
    })
    pairs = {(p["outlet_a"], p["outlet_b"]): p for p in run(rows).pairwise}
    assert set(pairs) == {("Harsh", "Mild"), ("Harsh", "Kind"), ("Mild", "Kind")}
    assert pairs[("Harsh", "Kind")]["significant"] and pairs[("Harsh", "Kind")]["p_adjusted"] < 0.01
    assert pairs[("Harsh", "Kind")]["difference"] == pytest.approx(-2 / 3 - 2 / 3)


def test_comparison_pairwise_no_difference_is_not_significant(make_predictions) -> None:
    same = [["against", "favor", "neutral"], ["against", "against", "favor"], ["favor", "neutral", "neutral"]]
    rows = make_predictions({"One": same * 3, "Two": same[::-1] * 3})
    pair = run(rows).pairwise[0]
    assert pair["difference"] == pytest.approx(0.0) and pair["p_value"] > 0.9 and not pair["significant"]


def test_comparison_adjusted_p_values_are_no_smaller(outlet_predictions: list[dict]) -> None:
    pairwise = run(outlet_predictions).pairwise
    assert len(pairwise) == 6
    assert all(p["p_adjusted"] >= p["p_value"] for p in pairwise)


def test_comparison_fdr_correction_is_no_stricter_than_holm(outlet_predictions: list[dict]) -> None:
    holm = compare(outlet_predictions, Grouping(), FAST, seed=3).pairwise
    bh = compare(outlet_predictions, Grouping(), FAST.model_copy(update={"correction": "fdr_bh"}), seed=3).pairwise
    assert all(b["p_adjusted"] <= h["p_adjusted"] + 1e-12 for h, b in zip(holm, bh, strict=True))


def test_comparison_missing_outlet_column_names_by(outlet_predictions: list[dict]) -> None:
    rows = [{k: v for k, v in row.items() if k != "outlet"} for row in outlet_predictions]
    with pytest.raises(MediaframeError, match=r"--by outlet.*choose another --by"):
        run(rows)


def test_comparison_missing_author_column_names_by(outlet_predictions: list[dict]) -> None:
    rows = [{k: v for k, v in row.items() if k != "author"} for row in outlet_predictions]
    with pytest.raises(MediaframeError, match=r"--by author"):
        run(rows, by="author")


def test_comparison_mixed_targets_refused_with_clear_line(make_predictions) -> None:
    rows = make_predictions({"A": [["against"]] * 3}, target="Netflix")
    rows += make_predictions({"A": [["favor"]] * 3}, target="Disney")
    with pytest.raises(MediaframeError, match=r"2 targets \(.*Netflix.*Disney.*\).*--target"):
        run(rows)


def test_comparison_target_option_compares_one_target(make_predictions) -> None:
    rows = make_predictions({"A": [["against"]] * 3}, target="Netflix")
    rows += make_predictions({"A": [["favor"]] * 3}, target="Disney")
    result = run(rows, target="Disney")
    assert result.target == "Disney" and result.summary[0]["net_stance"] == 1.0
    with pytest.raises(MediaframeError, match="no row has target 'Apple'"):
        run(rows, target="Apple")


def test_comparison_unknown_stance_label_is_refused(outlet_predictions: list[dict]) -> None:
    outlet_predictions[0]["stance"] = "2"
    with pytest.raises(MediaframeError, match=r"expected stance labels .*found \['2'\]"):
        run(outlet_predictions)


def test_comparison_missing_labels_do_not_count(make_predictions) -> None:
    rows = make_predictions({"A": [["against", "favor", "favor"]] * 3})
    for row in rows[::3]:
        row["stance"] = None
    a = run(rows).summary[0]
    assert a["n_sentences"] == 9 and a["n_stance"] == 6 and a["net_stance"] == 1.0


def test_comparison_filter_mentions_keeps_target_sentences(outlet_predictions: list[dict]) -> None:
    harsh = by_outlet(run(outlet_predictions, mentions_only=True))["Harsh Herald"]
    assert harsh["n_sentences"] == 8


def test_comparison_by_week_keys_periods_in_time_order(outlet_predictions: list[dict]) -> None:
    result = run(outlet_predictions, by="date", period="week")
    assert [row["date"] for row in result.summary] == ["2023-07-03", "2023-07-10", "2023-07-17", "2023-07-24"]
    assert len(result.pairwise) == 3  # consecutive periods only
    assert result.period == "week"


def test_comparison_by_month_pools_the_month(outlet_predictions: list[dict]) -> None:
    result = run(outlet_predictions, by="date", period="month")
    assert [(row["date"], row["n_articles"]) for row in result.summary] == [("2023-07", 13)]


def test_comparison_unparseable_dates_are_refused(outlet_predictions: list[dict]) -> None:
    for row in outlet_predictions:
        row["date"] = "someday"
    with pytest.raises(MediaframeError, match="no 'date' value parses as a date"):
        run(outlet_predictions, by="date")


def test_comparison_reads_csv_with_string_values(outlet_predictions: list[dict], tmp_path: Path) -> None:
    frame = pd.DataFrame(outlet_predictions)
    for column in ("stance_probs", "sentiment_probs", "frame_probs"):
        frame[column] = frame[column].map(json.dumps)
    frame.drop(columns=["stance_confidence"]).to_csv(tmp_path / "predictions.csv", index=False)
    rows = read_table(tmp_path / "predictions.csv")
    from_csv = run(rows, mentions_only=True)
    from_json = run(outlet_predictions, mentions_only=True)
    assert [r["net_stance"] for r in from_csv.summary] == [r["net_stance"] for r in from_json.summary]
    assert from_csv.examples["Harsh Herald"]["against"][0]["confidence"] == pytest.approx(0.95)


def test_comparison_examples_are_most_confident_first(outlet_predictions: list[dict]) -> None:
    examples = compare(outlet_predictions, Grouping(), FAST, seed=13, examples_per_group=2).examples
    against = examples["Harsh Herald"]["against"]
    assert [e["confidence"] for e in against] == [0.95, 0.95]
    assert against[0]["url"].startswith("https://news.example/harshherald-")
    assert examples["Harsh Herald"]["favor"] == []


def test_comparison_bad_by_is_refused() -> None:
    with pytest.raises(MediaframeError, match="--by 'source': expected one of outlet, date, author"):
        Grouping(by="source")


def test_comparison_rank_agreement_perfect_and_reversed() -> None:
    gold = [{"outlet": o, "net_stance": v} for o, v in (("a", -0.5), ("b", 0.0), ("c", 0.4))]
    same = [{"outlet": o, "net_stance": v} for o, v in (("a", -0.9), ("b", -0.1), ("c", 0.1))]
    reversed_ = [{"outlet": o, "net_stance": -v} for o, v in (("a", -0.9), ("b", -0.1), ("c", 0.1))]
    assert rank_agreement(same, gold) == pytest.approx(1.0)
    assert rank_agreement(pd.DataFrame(reversed_), gold) == pytest.approx(-1.0)


def test_comparison_rank_agreement_needs_shared_groups() -> None:
    with pytest.raises(MediaframeError, match="needs >= 2 outlet groups"):
        rank_agreement([{"outlet": "a", "net_stance": 0.1}], [{"outlet": "b", "net_stance": 0.2}])
    with pytest.raises(MediaframeError, match="gold summary: expected columns"):
        rank_agreement([{"outlet": "a", "net_stance": 0.1}], [{"source": "a"}])


def test_comparison_net_stance_from_probabilities_is_the_mean_expected_score(make_predictions) -> None:
    rows = make_predictions({"A": [["against", "favor"]] * 3})
    for row in rows:  # full distributions, as predict writes them
        row["stance_probs"] = {"against": 0.6, "neutral": 0.3, "favor": 0.1} if row["stance"] == "against" else \
            {"against": 0.2, "neutral": 0.2, "favor": 0.6}
        row["stance_probs"] = json.dumps(row["stance_probs"])  # as a CSV gives them back
    expected = sum(0.1 - 0.6 if r["stance"] == "against" else 0.6 - 0.2 for r in rows) / len(rows)
    by_probs = compare(rows, Grouping(), FAST.model_copy(update={"net_stance": "probabilities"}), seed=13).summary[0]
    by_labels = compare(rows, Grouping(), FAST.model_copy(update={"net_stance": "labels"}), seed=13).summary[0]
    assert by_probs["net_stance"] == pytest.approx(expected) and by_probs["neutral_share"] == pytest.approx(0.25)
    assert by_labels["net_stance"] == pytest.approx(0.0) and by_labels["neutral_share"] == 0.0
    assert by_probs["n_stance"] == by_labels["n_stance"] == 6

"""Row preparation for comparisons: booleans and confidences from CSV strings, date periods, article ids."""

from __future__ import annotations

import pytest

from mediaframe.compare.grouping import (
    MISSING,
    Grouping,
    date_keys,
    group_keys,
    stance_confidence,
    truthy,
    with_article_id,
)


@pytest.mark.parametrize(("value", "expected"), [(True, True), ("True", True), ("1", True), ("false", False),
                                                 ("", False), (None, False), (0, False), (float("nan"), False)])
def test_grouping_truthy_reads_json_and_csv_booleans(value: object, expected: bool) -> None:
    assert truthy(value) is expected


@pytest.mark.parametrize(
    ("period", "expected"),
    [("day", ["2023-07-19", "2023-07-23"]), ("week", ["2023-07-17", "2023-07-17"]), ("month", ["2023-07", "2023-07"])],
)
def test_grouping_date_keys_by_period(period: str, expected: list[str]) -> None:
    assert date_keys(["2023-07-19", "2023-07-23T10:00:00Z"], period, "p") == expected


def test_grouping_unparseable_date_goes_to_missing_group() -> None:
    assert date_keys(["2023-07-19", "n/a"], "day", "p") == ["2023-07-19", MISSING]


def test_grouping_empty_outlet_goes_to_missing_group() -> None:
    rows = [{"outlet": "A"}, {"outlet": ""}, {"outlet": None}]
    assert group_keys(rows, Grouping()) == ["A", MISSING, MISSING]


def test_grouping_stance_confidence_falls_back_to_probs() -> None:
    assert stance_confidence({"stance_confidence": "0.8"}, "favor") == 0.8
    assert stance_confidence({"stance_confidence": "", "stance_probs": '{"favor": 0.7}'}, "favor") == 0.7
    assert stance_confidence({"stance_probs": "not json"}, "favor") != stance_confidence({}, "favor")  # both NaN


def test_grouping_article_id_from_sentence_id() -> None:
    assert with_article_id({"id": "reuters-3:12"})["article_id"] == "reuters-3"
    assert with_article_id({"id": "x:1", "article_id": "given"})["article_id"] == "given"

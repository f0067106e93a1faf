"""The records that flow through mediaframe: articles -> sentences -> labels -> predictions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Stance(StrEnum):
    AGAINST = "against"
    NEUTRAL = "neutral"
    FAVOR = "favor"


class Sentiment(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


TASKS: tuple[str, ...] = ("stance", "sentiment", "frame")


@dataclass(frozen=True, slots=True)
class Article:
    """One news article. Only `id` and `text` are required; unknown metadata stays empty."""

    id: str
    text: str
    outlet: str = ""
    title: str = ""
    author: str = ""
    date: str = ""
    url: str = ""
    target: str = ""
    source: str = ""  # the file it was read from


@dataclass(frozen=True, slots=True)
class Mention:
    """A target mention: character offsets into the sentence text (end exclusive)."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a cleaned article, with its span in the cleaned text."""

    article_id: str
    index: int
    text: str
    start: int
    end: int
    outlet: str = ""
    date: str = ""
    title: str = ""
    author: str = ""
    url: str = ""
    target: str = ""
    mentions: tuple[Mention, ...] = ()
    context: str = ""  # what a reader has read just before the sentence (sentence_context): the title, the sentence before

    @property
    def id(self) -> str:
        return f"{self.article_id}:{self.index}"

    @property
    def mentions_target(self) -> bool:
        return bool(self.mentions)


@dataclass(frozen=True, slots=True)
class WeakLabel:
    """An aggregated weak label for one task, with its provenance."""

    label: str | None  # None: every labeling function abstained
    confidence: float
    rules: tuple[str, ...] = ()  # names of the labeling functions that voted


@dataclass(frozen=True, slots=True)
class GoldLabel:
    """A hand-written label row for one sentence (a label may be missing: None)."""

    sentence_id: str
    text: str
    stance: str | None = None
    sentiment: str | None = None
    frame: str | None = None
    mentions_target: bool | None = None
    target: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class LabeledSentence:
    """A sentence with its three labels; `sources` tells 'gold' or 'weak' per task."""

    sentence: Sentence
    labels: dict[str, str | None] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    weak: dict[str, WeakLabel] = field(default_factory=dict)


def cell_text(value: Any) -> str:
    """A record field as stripped text; '' for every form of "missing": None, NaN (how pandas and Parquet give an
    empty cell) and blank strings. The one rule for missing values of every reader."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def sentence_context(title: str, previous: str, text: str = "") -> str:
    """The context a model that reads one (`model.context = "before"`) gets with a sentence (`text`): the article's
    title and the sentence before it, each once (a cleaned article opens with its title as a sentence of its own);
    '' for a sentence with neither (an input row without context)."""
    title, previous = title.strip(), previous.strip()
    if title and title[-1] not in ".?!:":
        title += "."
    if not title or same_sentence(title, text):
        return previous
    return title if same_sentence(title, previous) or not previous else f"{title} {previous}"


def given_context(row: Mapping[str, Any], text: str) -> str:
    """The context of an input row (a table's or a sentence file's): its `context` cell where it has one (also an
    empty one), else one made from its `title` and `previous` cells."""
    value = row.get("context")
    if value is not None and value == value:  # a cell, also an empty one (NaN, an empty Parquet cell, is none)
        return cell_text(value)
    return sentence_context(cell_text(row.get("title")), cell_text(row.get("previous")), text)


def same_sentence(one: str, other: str) -> bool:
    return one.strip().rstrip(".") == other.strip().rstrip(".")


def mention_rows(mentions: Iterable[Mention]) -> list[dict[str, Any]]:
    """Mentions as JSON objects: start, end, text."""
    return [{"start": m.start, "end": m.end, "text": m.text} for m in mentions]


def sentence_row(sentence: Sentence, fields: Sequence[str] | None = None) -> dict[str, Any]:
    """The one JSON shape of a sentence (docs/FORMATS.md, "Sentence rows"): its id, article, place, text and span,
    the article's metadata, the target and its mentions; only `fields` of it where given."""
    row = {"id": sentence.id, **asdict(sentence), "mentions": mention_rows(sentence.mentions),
           "mentions_target": sentence.mentions_target}
    return row if fields is None else {name: row[name] for name in fields}

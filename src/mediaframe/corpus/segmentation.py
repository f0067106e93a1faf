"""Sentence segmentation with character offsets into the cleaned article text.

Each line of a cleaned article (a headline, deck, paragraph or bullet item) is split on
its own, so bullets and headlines are sentences and huge articles are handled one
paragraph at a time. The splitter is syntok, chosen over pysbd by measurement on news
text (bench/segmenters.py; docs/BENCHMARKS.md).

syntok is pure Python (about 1 MB of text a second), so two shortcuts give exactly its
answer for less: a line is first cut where syntok always splits (a lowercase word that is
no abbreviation, a full stop, a space, a capital, away from brackets), and a piece with no
terminal where syntok would weigh a split is one sentence without asking syntok.
tests/test_segmentation.py checks that the shortcuts agree with plain syntok. Two rules
differ from syntok on purpose, where it is wrong on news: a sentence that ends in a decimal
("closed at $61.30. Volume was light.") and titles it does not know ("Gov. Ann Reyes").
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from collections.abc import Iterator

from syntok._segmentation_states import State
from syntok.segmenter import segment
from syntok.tokenizer import Tokenizer

from mediaframe.config import SegmentationConfig
from mediaframe.records import Article, Sentence, sentence_context

logger = logging.getLogger(__name__)

LINE = re.compile(r"[^\n]+")
TEXT = re.compile(r"[^\s\u200b]")  # what syntok counts as text (it treats the zero-width space as a space)
TERMINAL_CHARS = "".join(sorted({c for t in State.terminals for c in t}))
OPENING = "".join(sorted(State.opening_brackets))
CLOSING = "".join(sorted(State.closing_brackets))
OPENING_BRACKET = re.compile(f"[{re.escape(OPENING)}]")
TERMINAL_RUN = re.compile(f"[{re.escape(TERMINAL_CHARS)}]+")
# After a terminal, at most one closing quote, a space and a lowercase word: syntok never splits there ("U.S. plants").
NO_SPLIT_AFTER = re.compile(r"[\"'”’]? +[a-z]")
TAIL_CHARS = TERMINAL_CHARS + CLOSING + "".join(State.closing_quotes)
# Where syntok always splits: ' word. Capital', ' word." Capital', ' word. "Capital', with `word` lowercase
# letters and neither one of syntok's abbreviations nor "no" ("no. 5").
SURE_BREAK = re.compile(r"(?<![^ \t])([a-z]{2,})[.!?][\"”’]? +(?=[A-Z\"“])")
NOT_SURE = frozenset(State.abbreviations) | {"no"}
TOKENIZER = Tokenizer(replace_not_contraction=False)
# A sentence that ends in a number with a decimal part: "closed at $61.30. Volume was light."
DECIMAL_END = re.compile(r"(?<![\w.])[$€£]?\d[\d,]*\.\d+%?[.!?][\"”’]? +(?=[A-Z\"“])")
# Titles before a name that syntok does not know as abbreviations.
TITLES = "Gov|Govs|Rep|Reps|Sens|Rev|Lt|Sgt|Atty|Supt|Cmdr|Maj|Cpl|Pvt|Hon|Pres|Insp|Det|Amb|Messrs|Mmes"
TITLE_END = re.compile(rf"(?<![^\s(\"“])(?:{TITLES})\.$")
BRACKET = re.compile(f"[{re.escape(OPENING + CLOSING)}]")
WORD = re.compile(r"\S+")
# "word (a short aside) word": syntok moves over it inside the sentence, so it does not block cuts.
NOT_IN_ASIDE = re.escape(TERMINAL_CHARS + OPENING + CLOSING)
SIMPLE_BRACKETS = re.compile(rf"(?<=[\w,] )\([^{NOT_IN_ASIDE}\n]{{1,60}}\)(?=,| [a-z])")
BRACKET_REACH = 60  # words; syntok's bracket look-ahead stops after 50 tokens (a word is one token or more)


def split_article(article: Article, cfg: SegmentationConfig | None = None) -> list[Sentence]:
    """Split one cleaned article into sentences; `article.text[s.start:s.end] == s.text`.

    Args:
        article: a cleaned article (see cleaning.clean); each line is split on its own.
        cfg: the segmentation settings.

    Returns:
        The sentences in order, indexed from 0, carrying the article's metadata.
    """
    cfg = cfg or SegmentationConfig()
    spans = [span for line in LINE.finditer(article.text) for span in line_spans(line.group(), line.start(), cfg)]
    before = [""] + [article.text[start:end] for start, end in spans[:-1]]  # each sentence's previous one
    return [make_sentence(article, index, start, end, before[index]) for index, (start, end) in enumerate(spans)]


def line_spans(line: str, offset: int, cfg: SegmentationConfig) -> Iterator[tuple[int, int]]:
    """Sentence spans of one line, shifted by the line's offset in the article."""
    spans: list[tuple[int, int]] = []
    for piece_start, piece_end in sure_pieces(line):
        piece = line[piece_start:piece_end]
        found = [trim(piece, 0, len(piece))] if is_one_sentence(piece) else syntok_spans(piece)
        spans.extend((piece_start + start, piece_start + end) for start, end in found if end > start)
    for start, end in join_after_titles(line, spans):
        yield from cap_length(line, offset, start, end, cfg.max_sentence_chars)


def join_after_titles(line: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Undo syntok's splits after a title it does not know ("Gov. Gavin Newsom", "Rep. Ada Brooks")."""
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        if joined and TITLE_END.search(line, joined[-1][0], joined[-1][1]) and line[start : start + 1].isupper():
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def syntok_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a text by syntok (the reference the shortcuts must agree with)."""
    spans = []
    for tokens in segment(TOKENIZER.tokenize(text)):
        if tokens:
            spans.append(trim(text, tokens[0].offset, tokens[-1].offset + len(tokens[-1].value)))
    return spans


def sure_pieces(line: str) -> list[tuple[int, int]]:
    """Cut a line where syntok is sure to split, and after a price or decimal that ends a sentence.

    The pieces cover the line. syntok looks up to 50 tokens past an opening bracket, so a
    sure cut must lie more than BRACKET_REACH words after the last bracket before it (a short
    aside in parentheses, followed by a comma or a lowercase word, does not count).
    syntok never splits after a token with a dot inside ("closed at $61.30. Volume was
    light."), so DECIMAL_END cuts are added whatever syntok would say.
    """
    cuts = [m.end() for m in SURE_BREAK.finditer(line) if m.group(1) not in NOT_SURE]
    brackets = [m.start() for m in BRACKET.finditer(SIMPLE_BRACKETS.sub(blank, line))] if cuts else []
    if brackets:
        words = [m.start() for m in WORD.finditer(line)]
        cuts = [cut for cut in cuts if far_from_brackets(cut, brackets, words)]
    decimals = [m.end() for m in DECIMAL_END.finditer(line)]
    bounds = [0, *(sorted(set(cuts + decimals)) if decimals else cuts), len(line)]
    return list(zip(bounds, bounds[1:], strict=False))


def blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def far_from_brackets(cut: int, brackets: list[int], words: list[int]) -> bool:
    """More than BRACKET_REACH words lie between the last bracket before `cut` and `cut`."""
    before = bisect_left(brackets, cut)
    if before == 0:
        return True
    return bisect_left(words, cut) - bisect_left(words, brackets[before - 1]) > BRACKET_REACH


def is_one_sentence(piece: str) -> bool:
    """True when syntok cannot split the piece: before its final run of terminals, quotes and
    brackets it has no opening bracket and no terminal where syntok would weigh a split."""
    body = piece.rstrip().rstrip(TAIL_CHARS)
    if not body.strip() or OPENING_BRACKET.search(body):
        return False
    return all(
        inside_word(body, m.start(), m.end()) or NO_SPLIT_AFTER.match(body, m.end()) for m in TERMINAL_RUN.finditer(body)
    )


def inside_word(text: str, start: int, end: int) -> bool:
    """A lone '.', '!' or '?' between two letters or digits ("4.5", "U.S"): syntok keeps it inside the token,
    unless it joins a lowercase to an uppercase letter ("end.The"), where its tokenizer splits."""
    if end - start != 1 or text[start] not in ".!?" or start == 0 or end == len(text):
        return False
    before, after = text[start - 1], text[end]
    return ascii_alnum(before) and ascii_alnum(after) and not (before.islower() and after.isupper())


def ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span to its first and last text character."""
    first = TEXT.search(text, start, end)
    if first is None:
        return start, start
    while end > first.start() and not TEXT.match(text, end - 1):
        end -= 1
    return first.start(), end


def cap_length(text: str, offset: int, start: int, end: int, limit: int) -> Iterator[tuple[int, int]]:
    """Cut a run-on span of `text` into pieces of at most `limit` characters, at a space where there is one."""
    if end - start > limit:
        logger.warning("a sentence of %d characters was cut into pieces of at most %d", end - start, limit)
    while end - start > limit:
        cut = text.rfind(" ", start + limit // 2, start + limit + 1)
        cut = cut if cut > start else start + limit
        piece_start, piece_end = trim(text, start, cut)
        if piece_end > piece_start:
            yield offset + piece_start, offset + piece_end
        start = trim(text, cut, end)[0]
    yield offset + start, offset + end


def make_sentence(article: Article, index: int, start: int, end: int, previous: str = "") -> Sentence:
    return Sentence(
        article_id=article.id,
        index=index,
        text=article.text[start:end],
        start=start,
        end=end,
        outlet=article.outlet,
        date=article.date,
        title=article.title,
        author=article.author,
        url=article.url,
        target=article.target,
        context=sentence_context(article.title, previous, article.text[start:end]),
    )

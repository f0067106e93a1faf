"""Boilerplate removal: every kind of page furniture goes, headlines, decks, body and bullets stay."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediaframe.config import CleaningConfig
from mediaframe.corpus.cleaning import clean
from mediaframe.corpus.reading import read_articles
from mediaframe.records import Article

HEADLINE = "Orbital Foods opens a plant in Dayton"
FIRST = "Orbital Foods opened a plant in Dayton on Monday."
LAST = "The plant will employ about 200 people."


def cleaned_lines(text: str, **fields: str) -> list[str]:
    return clean(Article(id="a", text=text, **fields)).text.splitlines()


def around(line: str) -> str:
    """A small article with `line` between two body paragraphs."""
    return f"{HEADLINE}\n\n{FIRST}\n\n{line}\n\n{LAST}\n"


@pytest.mark.parametrize(
    "line",
    [
        "Summer Collection | Mugs, Caps, Hoodies and MoreSHOP NOW",
        "SUMMER SALE: 30% off all hoodies | Shop Now",
        "Get free shipping on every order today",
        "via Lantern Films",
        "Image via Orbital Press",
        "Photo: Jane Roe",
        "Photo by Jane Roe/Getty Images",
        "Image credit: Orbital Foods",
        "© 2024 Valley Post. All rights reserved.",
        "By Jordan Pike",
        "UTC by Ann Writer · 3 min read",
        "5 min read",
        "Updated July 3, 2024 at 4:05 p.m. ET",
        "July 3, 2024",
        "Share This Article",
        "Share on Facebook",
        "Facebook Twitter LinkedIn Email",
        "Read More",
        "READ MORE",
        "Read More: Why streaming bundles are back",
        "More on streaming and AI: Studios want digital actors",
        "Related Articles",
        "You may also like",
        "Advertisement",
        "Tags: Netflix, Streaming, Prices",
        "Streaming, Media, Business News, Technology",
        "#OrbitalFoods #Snacks #Dayton",
        "Plant tour: the new line | Editor Picks",
    ],
)
def test_cleaning_drops_boilerplate_line(line: str) -> None:
    assert cleaned_lines(around(line)) == [HEADLINE, FIRST, LAST]


@pytest.mark.parametrize(
    "line",
    [
        "By then, prices may rise again.",
        "Via its ad tier, Netflix hopes to keep price-sensitive viewers.",
        "Shares rose 3% off a weak start before closing flat.",
        "Reuters reported the deal on Friday, citing three people familiar with it.",
        "Copyright law is changing fast.",
        "Subscribers can share their accounts for a fee.",
        "Netflix, Disney and Warner Bros. all raised prices.",
        "The union said: the cuts would hurt families.",
        "Analysts were split.",
        "Photographers lined the street outside the plant.",
    ],
)
def test_cleaning_keeps_body_sentence_that_resembles_boilerplate(line: str) -> None:
    assert cleaned_lines(around(line)) == [HEADLINE, FIRST, line, LAST]


def test_cleaning_drops_caption_above_its_credit() -> None:
    text = around("a family watching television at night\nImage via Orbital Press")
    assert cleaned_lines(text) == [HEADLINE, FIRST, LAST]


def test_cleaning_caption_length_follows_the_config() -> None:
    text = around("a family watching television at night\nImage via Orbital Press")
    lines = clean(Article(id="a", text=text), CleaningConfig(max_caption_words=3)).text.splitlines()
    assert lines == [HEADLINE, FIRST, "a family watching television at night", LAST]  # 6 words: not a caption


def test_cleaning_drops_caption_with_trailing_credit() -> None:
    text = around("The new Dayton line on opening day. (Photo: Jane Roe/Valley Post)")
    assert cleaned_lines(text) == [HEADLINE, FIRST, LAST]


def test_cleaning_keeps_short_sentence_before_a_credit() -> None:
    text = f"{HEADLINE}\n\n{FIRST}\n\nShares fell 5%.\nPhoto: Jane Roe\n\n{LAST}"
    assert cleaned_lines(text) == [HEADLINE, FIRST, "Shares fell 5%.", LAST]


def test_cleaning_author_box_closes_the_article() -> None:
    text = f"{HEADLINE}\n\n{FIRST}\n\n{LAST}\n\nAbout the author\n\nJordan Pike\n\nJordan Pike covers snacks for us."
    assert cleaned_lines(text) == [HEADLINE, FIRST, LAST]


def test_cleaning_author_box_inside_the_text_keeps_the_text_after_it() -> None:
    later = [f"Paragraph {i} of the story goes on here." for i in range(8)]
    text = "\n\n".join([HEADLINE, FIRST, "About the author", "Jordan Pike", *later])
    assert cleaned_lines(text) == [HEADLINE, FIRST, *later]


def test_cleaning_drops_the_author_name_line() -> None:
    assert cleaned_lines(around("Kim Osei"), author="Kim Osei") == [HEADLINE, FIRST, LAST]


def test_cleaning_breadcrumb_only_at_the_top() -> None:
    assert cleaned_lines(f"Home › Business\n\n{HEADLINE}\n\n{FIRST}") == [HEADLINE, FIRST]


def test_cleaning_keeps_headline_and_deck() -> None:
    deck = "The snack maker is betting on Ohio"
    assert cleaned_lines(f"{HEADLINE}\n\n{deck}\n\n{FIRST}") == [HEADLINE, deck, FIRST]


def test_cleaning_drops_a_repeated_headline() -> None:
    text = f"{HEADLINE}\n\n3 min read\n{HEADLINE}\nPhoto: Jane Roe\n\n{FIRST}"
    assert cleaned_lines(text) == [HEADLINE, FIRST]


def test_cleaning_keeps_a_repeated_body_sentence() -> None:
    assert cleaned_lines(f"{FIRST}\n\n{LAST}\n\n{FIRST}") == [FIRST, LAST, FIRST]


def test_cleaning_prepends_the_title_when_the_body_lacks_it() -> None:
    assert cleaned_lines(f"{FIRST}\n\n{LAST}", title=HEADLINE) == [HEADLINE, FIRST, LAST]


def test_cleaning_keeps_a_title_that_looks_like_a_byline() -> None:
    title = "By Design How Snacks Get Made"
    assert cleaned_lines(f"{title}\n\n{FIRST}", title=title) == [title, FIRST]


def test_cleaning_bullets_become_their_own_lines() -> None:
    text = (f"{FIRST}\n\nThe plan has three parts:\n  • Hire 200 people.\n  - Train them in Dayton.\n"
            "  1. Open in June\n* Review in a year")
    assert cleaned_lines(text) == [FIRST, "The plan has three parts:", "Hire 200 people.", "Train them in Dayton.",
                                   "Open in June", "Review in a year"]


def test_cleaning_normalises_spaces_and_invisible_characters() -> None:
    assert cleaned_lines("  Orbital\u00a0Foods   opened a\u200b plant in Day\u00adton.  ") == [
        "Orbital Foods opened a plant in Dayton."]


def test_cleaning_disabled_keeps_every_line() -> None:
    text = around("Read More")
    assert clean(Article(id="a", text=text), CleaningConfig(enabled=False)).text.splitlines() == [
        HEADLINE, FIRST, "Read More", LAST]


def test_cleaning_keeps_metadata(txt_corpus: Path) -> None:
    article = next(a for a in read_articles(txt_corpus) if a.id == "boilerplate")
    cleaned = clean(article)
    assert (cleaned.id, cleaned.outlet, cleaned.author, cleaned.date, cleaned.source) == (
        article.id, article.outlet, article.author, article.date, article.source)


def test_cleaning_boilerplate_article_exactly(txt_corpus: Path) -> None:
    article = next(a for a in read_articles(txt_corpus) if a.id == "boilerplate")
    assert clean(article).text.splitlines() == [
        "Netflix raises prices again as subscriber growth slows",
        "The streamer is betting that viewers will pay more for fewer shows.",
        "Netflix said on Monday it would raise the price of its standard plan by $2 a month in the U.S. and Canada. "
        "The streaming giant told investors that higher prices would fund more live events.",
        "The company listed three changes for subscribers:",
        "The standard plan rises to $17.49 a month.",
        "The ad-supported plan keeps its $6.99 price.",
        "Extra members cost $8.99 each.",
        "Analysts were split on the move. \"Price rises work until they don't,\" said one media analyst.",
        "Via its ad tier, Netflix hopes to keep price-sensitive viewers.",
        "By then, prices may rise again.",
        "Shares rose 3% off a weak start before closing flat.",
    ]


def test_cleaning_many_short_lines_are_each_kept() -> None:
    text = "\n".join(f"Item number {i} of the list" for i in range(20_000))
    lines = cleaned_lines(text)  # its time, linear in the lines, is measured by bench/text_speed.py
    assert len(lines) == 20_000


def test_cleaning_rejoins_hard_wrapped_paragraphs() -> None:
    text = (
        "Orbital Foods said on Monday that its quarterly profit rose\n"
        "sharply, beating the forecasts of analysts who had expected\n"
        "a weaker quarter.\n\nIts shares rose 4% in early trading.\n- cheaper plans\n- more ads\n"
    )
    lines = clean(Article(id="wrapped", text=text)).text.splitlines()
    assert lines[0].endswith("who had expected a weaker quarter.")
    assert lines[1:] == ["Its shares rose 4% in early trading.", "cheaper plans", "more ads"]

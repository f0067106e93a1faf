"""Articles to sentences (clean, segment, find the target), judged on the seed corpus and on bad input."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

from mediaframe.config import load_config
from mediaframe.corpus.cleaning import clean
from mediaframe.corpus.reading import read_articles
from mediaframe.corpus.sentences import article_sentences, corpus_sentences
from mediaframe.records import Article

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: its data/ and configs/

SEED = REPO_ROOT / "data" / "seed"

# The page furniture of each seed file, listed by hand. Every other line of a file is article body.
SEED_BOILERPLATE = {
    "000_d4c574d9e64efa1b": [
        "Home Movies", "terminator 2 judgement day", "via Tri-Star Pictures", "one piece netflix", "Image via Netflix",
        "About the author", "Scott Campbell", "News, reviews, interviews. To paraphrase Keanu Reeves; Words. Lots of words.",
    ],
    "001_d22ac498e73055c2": [
        "More on streaming and AI: Studios Want to Replace Background Actors With AI After Paying Them for Only One Day",
        "Share This Article",
    ],
    "002_7f7da9fce1d4bf12": ["Father's Day Collection | T-Shirts, Hats, Polos, Crewnecks, Q-Zips and MoreSHOP NOW"],
    "003_04696197e750f9a7": [
        "Netflix Passwords, ChatGPT Can’t Detect AI, and No More CoTweets | Editor Picks", "Read More", "Kevin Hurler",
    ],
    "004_6a35ec191f6cc795": [
        "UTC by Ibukun Ogundare · 3 min read", "Photo: Netflix", "Artificial Intelligence, Business News, News, Technology News",
        "Related Articles",
    ],
}
TAG_LIST = re.compile(r"^[A-Z][\w ]{1,30}(?:, [A-Z][\w ]{1,30}){2,}$")


def normalise(line: str) -> str:
    return " ".join(line.replace("\u2022", " ").split())


def test_corpus_seed_has_no_boilerplate_sentence(seed_sentences: dict[str, list[str]]) -> None:
    for article_id, texts in seed_sentences.items():
        for text in texts:
            assert text not in {"Read More", "Share This Article", "Related Articles", "About the author"}, text
            assert "SHOP NOW" not in text and "min read" not in text and "Editor Picks" not in text, text
            assert not text.startswith(("Image via", "Photo:", "via ", "About the author")), text
            assert not TAG_LIST.match(text), text
        for line in SEED_BOILERPLATE[article_id]:
            assert not any(line in text for text in texts), line


def test_corpus_seed_loses_no_body_line(seed_sentences: dict[str, list[str]]) -> None:
    for path in sorted(SEED.glob("*.txt")):
        body = " ".join(seed_sentences[path.stem])
        furniture = {normalise(line) for line in SEED_BOILERPLATE[path.stem]}
        lines = [normalise(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for line in lines:
            if line not in furniture and not line.startswith("Netflix Lists AI Jobs as Industry-Wide"):
                assert line in body, f"{path.name}: lost {line!r}"


def test_corpus_seed_keeps_headlines_bullets_and_last_sentences(seed_sentences: dict[str, list[str]]) -> None:
    assert seed_sentences["004_6a35ec191f6cc795"].count("Netflix Lists AI Jobs as Industry-Wide Strike Continues") == 1
    bullets = seed_sentences["000_d4c574d9e64efa1b"][6:12]
    assert [b.split()[0] for b in bullets] == ["Define", "Collect", "Ensure", "Socialize", "Create", "Follow"]
    assert bullets[-1] == "Follow and assess external industry trends and innovations."
    last = {article_id: texts[-1] for article_id, texts in seed_sentences.items()}
    assert last["000_d4c574d9e64efa1b"].endswith("to enhance its machine learning capabilities.")
    assert last["001_d22ac498e73055c2"].endswith("well, enjoy the high life, buddy.")
    assert last["002_7f7da9fce1d4bf12"] == "I wish them the best luck on the war against robots."
    assert last["003_04696197e750f9a7"] == "It’s good to see where Netflix is putting its priorities."
    assert last["004_6a35ec191f6cc795"] == (
        "While the Technical Director’s pay is between $450,000 – $650,000, the Product Manager may receive between "
        "$300,000 and $900,000.")


def test_corpus_seed_offsets_and_mentions() -> None:
    cfg = load_config()
    for article in read_articles(SEED):
        cleaned = clean(article, cfg.cleaning).text
        sentences = article_sentences(article, "Netflix", cfg)
        assert [s.index for s in sentences] == list(range(len(sentences)))
        for sentence in sentences:
            assert cleaned[sentence.start:sentence.end] == sentence.text
            assert all(sentence.text[m.start:m.end] == m.text for m in sentence.mentions)
            assert sentence.target == "Netflix" and sentence.outlet == article.outlet
    texts = {s.text: s for s in corpus_sentences(read_articles(SEED), "Netflix", cfg)}
    ticker = next(s for t, s in texts.items() if "(NASDAQ: NFLX)" in t)
    assert [m.text for m in ticker.mentions] == ["Netflix Inc", "NFLX"]
    assert [m.text for m in texts["Netflix Lists AI Jobs Worth $900,000"].mentions] == ["Netflix"]


def test_corpus_article_target_wins_over_the_argument(txt_corpus: Path, orbital_targets) -> None:
    cfg = load_config().model_copy(update={"targets": orbital_targets})
    article = next(a for a in read_articles(txt_corpus) if a.id == "headers")
    sentences = article_sentences(article, "Netflix", cfg)
    assert {s.target for s in sentences} == {"Orbital Foods"}
    assert [[m.text for m in s.mentions] for s in sentences][:4] == [
        ["Orbital Foods"], ["Orbital Foods Inc"], ["The snack maker"], ["the company"]]


def test_corpus_boilerplate_article_sentences_and_mentions(txt_corpus: Path) -> None:
    article = next(a for a in read_articles(txt_corpus) if a.id == "boilerplate")
    sentences = article_sentences(article, "Netflix", load_config())
    assert len(sentences) == 13 and sentences[-1].text == "Shares rose 3% off a weak start before closing flat."
    assert [s.index for s in sentences if s.mentions_target] == [0, 1, 2, 3, 4, 10]
    assert [m.text for m in sentences[3].mentions] == ["The streaming giant"]


def test_corpus_article_without_target_has_no_mentions(txt_corpus: Path) -> None:
    article = next(a for a in read_articles(txt_corpus) if a.id == "no_target")
    sentences = article_sentences(article, "Netflix", load_config())
    assert len(sentences) == 5 and not any(s.mentions_target for s in sentences)


def test_corpus_5mb_article_takes_a_few_seconds() -> None:
    seed_text = "\n\n".join(path.read_text(encoding="utf-8") for path in sorted(SEED.glob("*.txt")))
    article = Article(id="huge", text=(seed_text * (5_000_000 // len(seed_text) + 1))[:5_000_000])
    start = time.process_time()
    count = sum(1 for _ in corpus_sentences([article], "Netflix", load_config()))
    seconds = time.process_time() - start
    assert count > 25_000
    assert seconds < 15, f"5 MB took {seconds:.1f} s"  # about 3.5 s on a 2-core box (docs/BENCHMARKS.md)


def test_corpus_too_long_article_is_skipped_with_one_clear_line(caplog) -> None:
    cfg = load_config(None, ["data.max_article_chars=100"])
    articles = [Article(id="long", text="Netflix grew. " * 20), Article(id="short", text="Netflix grew.")]
    with caplog.at_level(logging.WARNING):
        sentences = list(corpus_sentences(articles, "Netflix", cfg))
    assert [s.article_id for s in sentences] == ["short"]
    [message] = [r.getMessage() for r in caplog.records]
    assert "article long: 280 characters, above data.max_article_chars=100" in message
    assert "--set data.max_article_chars=N" in message


def test_corpus_article_of_only_boilerplate_is_skipped_with_a_warning(caplog) -> None:
    article = Article(id="furniture", text="Share This Article\n\nRead More\n\nRelated Articles")
    with caplog.at_level(logging.WARNING):
        assert list(corpus_sentences([article], "Netflix", load_config())) == []
    assert any("article furniture: no sentence left after cleaning" in r.getMessage() for r in caplog.records)

"""Target mentions: names, aliases, tickers, possessives, descriptors, and no false hits."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mediaframe.config import TargetsConfig, load_config
from mediaframe.corpus.targets import attach_mentions, find_mentions, resolve_target
from mediaframe.errors import MediaframeError
from mediaframe.records import Sentence


def mentioned(text: str, spec, named_recently: bool = False) -> list[str]:
    mentions = find_mentions(text, spec, named_recently)
    for mention in mentions:
        assert text[mention.start:mention.end] == mention.text  # offsets into the sentence
    return [m.text for m in mentions]


def sentences(*texts: str, article_id: str = "a") -> list[Sentence]:
    return [Sentence(article_id=article_id, index=i, text=t, start=0, end=len(t)) for i, t in enumerate(texts)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Netflix raised prices.", ["Netflix"]),
        ("Netflix's shares fell.", ["Netflix"]),
        ("Netflix’s shares fell.", ["Netflix"]),
        ("NETFLIX'S BIG BET", ["NETFLIX"]),
        ("Analysts like netflix now.", ["netflix"]),
        ("Netflix Inc said so.", ["Netflix Inc"]),
        ("Netflix, Inc. said so.", ["Netflix, Inc."]),
        ("Shares of NFLX rose 2%.", ["NFLX"]),
        ("Netflix Inc (NASDAQ: NFLX) fell.", ["Netflix Inc", "NFLX"]),
        ("Watch it on Netflix.", ["Netflix"]),
        ('"Netflix," he said, "is winning."', ["Netflix"]),
        ("#Netflix trended all day.", ["Netflix"]),
    ],
)
def test_targets_names_aliases_and_possessives(netflix, text: str, expected: list[str]) -> None:
    assert mentioned(text, netflix) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Fans of netflixandchill.com met downtown.",
        "See www.netflix.com/title/80100172 for details.",
        "Write to press@netflix.com today.",
        "The #netflixandchill tag trended.",
        "Netflixian habits are hard to break.",
        "The fund sold nflx and bought bonds.",  # tickers match in capitals only
        "Pick it up from the https://example.org/netflix page.",
    ],
)
def test_targets_no_false_hit_inside_other_tokens(netflix, text: str) -> None:
    assert mentioned(text, netflix) == []


def test_targets_descriptor_counts_in_a_sentence_that_names_the_target(netflix) -> None:
    assert mentioned("Netflix said the streaming giant would grow.", netflix) == ["Netflix", "the streaming giant"]


def test_targets_descriptor_alone_needs_a_recent_name(netflix) -> None:
    assert mentioned("The company declined to comment.", netflix, named_recently=False) == []
    assert mentioned("The company declined to comment.", netflix, named_recently=True) == ["The company"]
    assert mentioned("The streamer’s plan failed.", netflix, named_recently=True) == ["The streamer"]


def test_targets_attach_mentions_uses_the_descriptor_window(netflix) -> None:
    texts = ("Netflix raised prices.", "The company said demand held.", "Rivals waited.", "Viewers grumbled.",
             "The company said more.", "Weeks passed.", "Then the company spoke again.")
    result = list(attach_mentions(sentences(*texts), replace(netflix, descriptor_window=3)))
    assert [[m.text for m in s.mentions] for s in result] == [
        ["Netflix"], ["The company"], [], [], [], [], []]  # window 3: sentence 4 is too far from sentence 0
    assert [s.mentions_target for s in result] == [True, True, False, False, False, False, False]
    assert {s.target for s in result} == {"Netflix"}


def test_targets_descriptor_window_restarts_per_article(netflix) -> None:
    first = sentences("Netflix raised prices.", article_id="a")
    second = sentences("The company declined to comment.", article_id="b")
    result = list(attach_mentions(first + second, netflix))
    assert [s.mentions_target for s in result] == [True, False]


def test_targets_article_without_the_target_has_no_mentions(netflix) -> None:
    texts = ("A local paving firm won the contract, and the company expects to finish by October.",
             "The streaming of council meetings starts next week.")
    assert not any(s.mentions_target for s in attach_mentions(sentences(*texts), netflix))


def test_targets_other_company_from_config(orbital_targets: TargetsConfig) -> None:
    spec = resolve_target("Orbital Foods", orbital_targets)
    assert mentioned("Orbital Foods Inc said the snack maker would hire.", spec) == ["Orbital Foods Inc", "the snack maker"]
    assert mentioned("Orbital Foods' rival declined to comment.", spec) == ["Orbital Foods"]
    assert mentioned("ORBF rose; orbf is not a ticker here.", spec) == ["ORBF"]
    assert mentioned("Netflix and the company grew.", spec) == []


def test_targets_unconfigured_target_matches_its_name_and_generic_descriptions() -> None:
    spec = resolve_target("Crestline Snacks", TargetsConfig())
    assert mentioned("Crestline Snacks’ chief said the company would grow.", spec) == ["Crestline Snacks", "the company"]
    assert mentioned("CRESTLINE  SNACKS RISES", spec) == ["CRESTLINE  SNACKS"]


def test_targets_name_is_spelled_as_the_config_spells_it() -> None:
    assert resolve_target(" netflix ", load_config().targets).name == "Netflix"
    assert resolve_target("Crestline Snacks", TargetsConfig()).name == "Crestline Snacks"


def test_targets_longest_alias_wins(netflix) -> None:
    assert mentioned("Netflix Inc and Netflix", netflix) == ["Netflix Inc", "Netflix"]


def test_targets_empty_target_is_refused() -> None:
    with pytest.raises(MediaframeError, match="expected a target name such as --target Netflix"):
        resolve_target("  ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The firm said demand held.", ["The firm"]),
        ("Shares of the US giant fell 3%.", ["the US giant"]),
        ("Analysts expect the streaming heavyweight to recover.", ["the streaming heavyweight"]),
        ("The Burbank-based studio declined to comment.", ["The Burbank-based studio"]),
        ("The platform's outage lasted an hour.", ["The platform"]),
        ("For a company that prides itself on service, it was a bad week.", ["a company"]),
        ("The rival studio gained viewers.", []),  # another entity
        ("The company Hulu said it would wait.", []),  # named as someone else
        ("The team behind the show celebrated.", []),  # a bare common head needs a modifier
        ("Fans called for a boycott of the theme park.", []),
    ],
)
def test_targets_generic_descriptions_count_once_the_article_named_the_target(text: str, expected: list[str]) -> None:
    spec = resolve_target("Orbital Foods", TargetsConfig())
    assert mentioned(text, spec, named_recently=True) == expected
    assert mentioned(text, spec, named_recently=False) == [], "never before the article names the target"


def test_targets_hashtags_that_contain_the_name_are_mentions() -> None:
    spec = resolve_target("Warner Bros", TargetsConfig())
    assert mentioned("Fans posted #BoycottWarnerBros all night.", spec) == ["#BoycottWarnerBros"]
    assert mentioned("#CancelNetflix trended.", resolve_target("Netflix", TargetsConfig())) == ["#CancelNetflix"]
    assert mentioned("The #WarnerBrothers tag was quiet.", spec) == []


def test_targets_the_default_window_covers_the_whole_article(netflix) -> None:
    texts = ("Netflix raised prices.", *(f"Filler sentence {i}." for i in range(20)), "The company said more.")
    result = list(attach_mentions(sentences(*texts), netflix))
    assert [m.text for m in result[-1].mentions] == ["The company"]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("the Dallas Cowboys", "Dallas Cowboys win again.", ["Dallas Cowboys"]),
        ("Calloway Foods", "Calloway raised prices.", ["Calloway"]),
        ("Orbital Foods", "The orbital launch slipped.", []),  # a derived short form matches in its own case only
        ("the World Health Organization", "The WHO said the outbreak was over.", ["WHO"]),
        ("the World Health Organization", "Who said that?", []),
        ("General Motors", "The Attorney General sued.", []),  # "Motors" is no suffix to drop
        ("the Screen Actors Guild", "The guild called a strike.", ["The guild"]),  # the kind the name gives itself
    ],
)
def test_targets_running_text_short_forms_of_multiword_names(name: str, text: str, expected: list[str]) -> None:
    assert mentioned(text, resolve_target(name, TargetsConfig()), named_recently=True) == expected


def test_targets_a_head_noun_that_modifies_another_noun_is_no_description() -> None:
    spec = resolve_target("Orbital Foods", TargetsConfig())
    assert mentioned("Jobs in the service sector grew.", spec, named_recently=True) == []
    assert mentioned("It beat the KBW bank index.", spec, named_recently=True) == []
    assert mentioned("Airbus leads the show with 140 firm orders.", spec, named_recently=True) == []


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("Netflix", "#NetflixAndChill and #CancelNetflix trended.", ["#NetflixAndChill", "#CancelNetflix"]),
        ("Trump", "A #Trumpet solo.", []),
        ("EPA", "Time to #prepare.", []),
        ("United Airlines", "The United Nations met.", []),
        ("US Steel", "US officials met.", []),
        ("Orbital Foods", "The CEO said the company would grow.", ["the company"]),
        ("Orbital Foods", "It was the end. The company waited.", ["The company"]),
    ],
)
def test_targets_no_false_mentions_from_tags_common_words_or_whole_clauses(name: str, text: str, expected: list[str]) -> None:
    assert mentioned(text, resolve_target(name, TargetsConfig()), named_recently=True) == expected


def test_targets_configured_descriptors_that_name_another_entity_are_no_mention(netflix) -> None:
    assert mentioned("The streaming service Hulu grew.", netflix, named_recently=True) == []


@pytest.mark.parametrize("text", [
    "Netflix said Netflix's plan and NETFLIX's too.",  # every match of the alternation is a whole token
    "Netflixes, @Netflix, netflix.com and Netflix-backed shows; then Netflix.",  # some are not: the whole pattern
    "The Orbital  Foods\nboard met Orbital; Orbitals did not.",  # whitespace inside a name, a longer word
    "",
])
def test_targets_terms_match_as_the_whole_pattern_would(text: str) -> None:
    import re

    from mediaframe.corpus.targets import AFTER, BEFORE, compile_terms

    for terms in (compile_terms(["Netflix", "NFLX"], 5), compile_terms(["Orbital Foods", "Orbital"], 5, exact=["OF"])):
        whole = re.compile(BEFORE + terms.alternation + AFTER)
        assert [m.span() for m in terms.finditer(text)] == [m.span() for m in whole.finditer(text)]
        first = terms.search(text)
        assert (first.span() if first else None) == next((m.span() for m in whole.finditer(text)), None)

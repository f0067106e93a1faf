"""Target mentions: names and aliases (with possessives), hashtags, and descriptions such as "the streamer".

A description counts as a mention only once the article has named the target within the last
few sentences, so that it most likely means the target. Descriptions are found for any target
without a per-target list: "the" with up to three modifiers and a head noun that names a kind
of organisation ("the firm", "the US giant", "the streaming heavyweight", "the Burbank-based
studio"); a configured list (`targets.descriptors`) adds more. A description that names
another entity ("the rival studio", "the company Hulu") is not a mention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import groupby

from mediaframe.config import TargetsConfig
from mediaframe.errors import MediaframeError
from mediaframe.records import Mention, Sentence

# A mention is a whole token: not glued to letters, digits, '@', '/', '-' or a domain dot.
BEFORE = r"(?<![\w@/.\-])"
AFTER = r"(?![\w@\-]|\.[A-Za-z0-9]|['’](?![sS]\b)\w)"
TOKEN_START, TOKEN_END = re.compile(BEFORE), re.compile(AFTER)
# Head nouns that name a kind of organisation: "the <modifiers> <kind>" means the target once it was named.
KINDS = (
    "company", "firm", "giant", "platform", "provider", "studio", "streamer", "conglomerate", "heavyweight", "titan",
    "behemoth", "powerhouse", "juggernaut", "corporation", "carrier", "airline", "automaker", "carmaker",
    "manufacturer", "retailer", "grocer", "lender", "insurer", "broadcaster", "publisher", "multinational",
    "startup", "start-up", "utility", "planemaker", "bank", "club", "organisation", "organization", "charity",
    "service", "app", "chain", "brand", "drugmaker", "steelmaker", "oil major", "chipmaker", "airline group",
)
# Heads too common alone ("the team behind the show"): they count with a modifier ("the streaming service").
MODIFIED_KINDS = (
    "group", "network", "business", "label", "developer", "operator", "maker",
    "outfit", "enterprise", "team", "league", "university", "body",
)
# Modifiers that point away from the target ("the rival studio", "another company").
OTHER = r"rival|other|another|competing|competitor|parent|sister|smaller|larger|former|new|second|same|first|last|next|central"
FUNCTION_WORDS = (r"the|a|an|this|that|these|those|with|of|for|in|on|at|to|by|from|and|or|which|who|behind|than|as|"
                  r"is|was|are|were|its|their|his|her|said|says|told|added")
# A modifier is one word, not a function word, and ends no sentence (a full stop only inside "U.S." and the like).
MODIFIER = rf"(?:(?!(?:{FUNCTION_WORDS})\b)(?:[A-Z]\.){{2,}}|(?!(?:{FUNCTION_WORDS})\b)[A-Za-z][\w&'’\-]*|\$?\d[\d,]*(?:\.\d+)?(?:-\w+)?)"
# "the service sector", "the KBW bank index": the head noun modifies the noun after it, so it is not the head.
NOUN_AFTER = r"(?!\s+(?:sector|index|industry|market|markets|stocks?|workers|staff|unions?|companies|firms|giants|apps?|rivals?)\b)"
DESCRIPTION = re.compile(
    rf"(?<![\w@#/])[Tt]he\s+(?!(?:{OTHER})\b)"
    rf"(?:(?:{MODIFIER}\s+){{0,3}}?(?:{'|'.join(KINDS)})|(?:{MODIFIER}\s+){{1,3}}?(?:{'|'.join(MODIFIED_KINDS)}))(?![\w\-])"
    + NOUN_AFTER
)
# "for a company that markets itself as...": an indefinite description of the subject, a common news idiom.
SUBJECT_DESCRIPTION = re.compile(
    rf"(?<=\b[Ff]or )an?\s+(?:{MODIFIER}\s+){{0,3}}?(?:{'|'.join(KINDS + MODIFIED_KINDS)})"
    r"(?=\s+(?:that|which|whose|long|still|already|once|so|with|now|used|known|accustomed)\b)"
)
# Words that end a company's name and are dropped in running text ("Calloway Foods" -> "Calloway").
NAME_SUFFIXES = frozenset({
    "foods", "labs", "telecom", "steel", "health", "mutual", "energy", "pictures", "air", "lines", "airlines",
    "inc", "inc.", "corp", "corp.", "co", "co.", "corporation", "company", "group", "holdings", "ltd", "plc",
    "technologies", "systems", "entertainment", "media", "studios", "bank", "insurance",
})
NAME_STOPWORDS = frozenset({"of", "and", "the", "for", "&", "de"})
LEGAL_FORMS = frozenset({"inc", "inc.", "corp", "corp.", "co", "co.", "corporation", "company", "ltd", "plc", "llc"})
# Short forms that are common words of their own ("United Airlines" is not "United", "US Steel" not "US").
COMMON_HEADS = frozenset({"us", "uk", "eu", "american", "united", "first", "national", "general", "international",
                          "global", "new", "royal", "standard", "british", "european", "world", "city", "state"})
# Last words of names that say what kind of body it is: "the committee" then means the International Olympic Committee.
OWN_KINDS = frozenset({"committee", "commission", "organization", "organisation", "guild", "union", "council",
                       "agency", "administration", "association", "federation", "foundation", "institute",
                       "university", "society", "league", "bureau", "authority", "department", "ministry", "fund",
                       "party", "court", "board", "network", "cowboys"})
# "the company Hulu", "the studio's rival Paramount": a capitalised name right after points elsewhere.
NAMED_AFTER = re.compile(r"\s*,?\s+[A-Z][\w&.\-]*")


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """A target with its compiled name and descriptor patterns."""

    name: str
    names: Terms
    descriptors: Terms | None
    descriptor_window: int
    hashtag_terms: tuple[str, ...] = ()  # names whose hashtags count (compiled on the first sentence with a '#')


def resolve_target(name: str, cfg: TargetsConfig | None = None) -> TargetSpec:
    """Build the mention patterns of a target from its configured aliases and descriptors.

    Raises:
        MediaframeError: the target name is empty.
    """
    cfg = cfg or TargetsConfig()
    if not name.strip():
        raise MediaframeError("expected a target name such as --target Netflix; found an empty one")
    aliases = lookup(cfg.aliases, name) or [name]
    descriptors = [*lookup(cfg.descriptors, name), *own_kind(name)]
    return TargetSpec(
        name=canonical_name(cfg, name),
        names=compile_terms([name, *aliases], cfg.case_sensitive_max_len, exact=short_forms(name)),
        descriptors=compile_terms(descriptors, cfg.case_sensitive_max_len) if descriptors else None,
        descriptor_window=cfg.descriptor_window,
        hashtag_terms=tuple(sorted({name, *aliases})),
    )


def own_kind(name: str) -> list[str]:
    """The kind a multiword name gives itself: "the committee" for the International Olympic Committee."""
    words = name.strip().split()
    last = words[-1].strip(".,").lower() if len(words) >= 2 else ""
    return [f"the {last}"] if last in OWN_KINDS else []


def short_forms(name: str) -> list[str]:
    """Forms running text uses for a multiword name: without a leading "the" ("the Dallas Cowboys" ->
    "Dallas Cowboys"), without its company suffix ("Calloway Foods" -> "Calloway", "Delta Air Lines" ->
    "Delta"), and the acronym of three or more capitalised words ("World Health Organization" -> "WHO").
    Derived forms are capitalised words, so they match in their own case only (see `term_pattern`)."""
    words = name.strip().split()
    if words and words[0].lower() == "the":
        words = words[1:]
    forms = [" ".join(words)] if words else []
    head = list(words)
    while len(head) > 1 and head[-1].lower() in NAME_SUFFIXES:
        head.pop()
    if len(head) < len(words) and head[0][:1].isupper() and " ".join(head).lower() not in COMMON_HEADS:
        forms.append(" ".join(head))
    capitals = [w for w in words if w.lower() not in NAME_STOPWORDS | LEGAL_FORMS]
    if len(capitals) >= 3 and all(w[:1].isupper() for w in capitals):
        forms.append("".join(w[0] for w in capitals).upper())
    return [f for f in forms if f != name.strip()]


@lru_cache(maxsize=4096)
def hashtag_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """Hashtags that hold a name (spaces removed) as a word of the tag: at its start or after a capital
    ("#CancelNetflix", "#DisneyPlus", "#netflix"), ending the tag or before a capital or digit; so neither
    "#Trumpet" for Trump nor "#prepare" for EPA."""
    squeezed = sorted({re.sub(r"[^\w]", "", t) for t in terms if len(re.sub(r"[^\w]", "", t)) >= 3}, key=len, reverse=True)
    if not squeezed:
        return None
    names = "|".join(rf"(?i:{re.escape(name[0])}){re.escape(name[1:])}" for name in squeezed)
    start = "|".join(rf"(?i:{re.escape(name)})" for name in squeezed)
    return re.compile(rf"#(?:(?:{start})|\w*?[a-z0-9](?:{names}))(?=[A-Z0-9_]|\b)\w*")


def canonical_name(cfg: TargetsConfig, name: str) -> str:
    """The target as the config spells it ("netflix" -> "Netflix"), else as given."""
    wanted = name.strip().casefold()
    return next((key for key in [*cfg.aliases, *cfg.descriptors] if key.casefold() == wanted), name.strip())


def lookup(table: dict[str, list[str]], name: str) -> list[str]:
    """Case-insensitive lookup of a target in an alias or descriptor table."""
    wanted = name.strip().casefold()
    return next((terms for key, terms in table.items() if key.casefold() == wanted), [])


def compile_terms(terms: Iterable[str], case_sensitive_max_len: int, exact: Iterable[str] = ()) -> Terms:
    """One alternation, longest term first; short all-caps terms (tickers) and `exact` ones match case-sensitively."""
    sensitive = {t.strip() for t in exact if t.strip()}
    unique = sorted({t.strip() for t in terms if t.strip()} | sensitive, key=len, reverse=True)
    parts = [term_pattern(t, t in sensitive or (len(t) <= case_sensitive_max_len and t.isupper())) for t in unique]
    return Terms("(?:" + "|".join(parts) + ")")


@dataclass(frozen=True)
class Terms:
    """A target's terms as a whole token: `BEFORE alternation AFTER`, matched as `re` would match that pattern.

    Only the alternation is compiled up front: with the token checks it takes two to four times as long to compile,
    which counts where each of thousands of rows names its own target (55 instead of 200 µs a target). A sentence
    where every match of the alternation passes the checks gives exactly the whole pattern's matches (a term's end
    is fixed, and the terms are tried in the same order); any other sentence is matched with the whole pattern,
    compiled on first need.
    """

    alternation: str
    compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", re.compile(self.alternation))

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        matches = list(self.compiled.finditer(text))
        if all(TOKEN_START.match(text, m.start()) and TOKEN_END.match(text, m.end()) for m in matches):
            return iter(matches)
        return re.compile(BEFORE + self.alternation + AFTER).finditer(text)  # re's own cache keeps it

    def search(self, text: str) -> re.Match[str] | None:
        return next(self.finditer(text), None)


def term_pattern(term: str, case_sensitive: bool) -> str:
    escaped = r"\s+".join(re.escape(word) for word in term.split())
    return escaped if case_sensitive else f"(?i:{escaped})"


def find_mentions(text: str, spec: TargetSpec, named_recently: bool) -> tuple[Mention, ...]:
    """Mentions of the target in one sentence, in order.

    Args:
        text: the sentence.
        spec: the target's patterns.
        named_recently: whether the article named the target within the descriptor window.
    """
    found = [Mention(m.start(), m.end(), m.group()) for m in spec.names.finditer(text)]
    hashtags = hashtag_pattern(spec.hashtag_terms) if "#" in text else None
    if hashtags is not None:
        add_free(found, hashtags.finditer(text))
    if found or named_recently:
        if spec.descriptors is not None:
            add_free(found, (m for m in spec.descriptors.finditer(text) if not NAMED_AFTER.match(text, m.end())))
        add_free(found, (m for m in DESCRIPTION.finditer(text) if not NAMED_AFTER.match(text, m.end())))
        add_free(found, SUBJECT_DESCRIPTION.finditer(text))
    return tuple(sorted(found, key=lambda m: m.start))


def add_free(found: list[Mention], matches: Iterable[re.Match[str]]) -> None:
    """Add the matches that overlap no mention found so far."""
    for match in matches:
        if not any(m.start < match.end() and match.start() < m.end for m in found):
            found.append(Mention(match.start(), match.end(), match.group()))


def attach_mentions(sentences: Iterable[Sentence], spec: TargetSpec) -> Iterator[Sentence]:
    """Set `target` and `mentions` on every sentence, article by article."""
    for _, group in groupby(sentences, key=lambda s: s.article_id):
        article = list(group)
        for sentence, mentions in zip(article, mentions_in_order([s.text for s in article], spec), strict=True):
            yield replace(sentence, target=spec.name, mentions=mentions)


def mentions_in_order(texts: Sequence[str], spec: TargetSpec) -> list[tuple[Mention, ...]]:
    """Mentions in each sentence of one article, in order: a description counts after a sentence that named it."""
    last_named = -10**9
    found = []
    for index, text in enumerate(texts):
        found.append(find_mentions(text, spec, index - last_named <= spec.descriptor_window))
        if spec.names.search(text):
            last_named = index
    return found

"""Target mentions: names and aliases (with possessives), and descriptors such as "the streamer".

A descriptor ("the company") counts as a mention only once the article has named the
target within the last few sentences, so that it most likely means the target.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import groupby

from mediaframe.config import TargetsConfig
from mediaframe.errors import MediaframeError
from mediaframe.records import Mention, Sentence

# A mention is a whole token: not glued to letters, digits, '@', '/', '-' or a domain dot.
BEFORE = r"(?<![\w@/.\-])"
AFTER = r"(?![\w@\-]|\.[A-Za-z0-9]|['’](?![sS]\b)\w)"


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """A target with its compiled name and descriptor patterns."""

    name: str
    names: re.Pattern[str]
    descriptors: re.Pattern[str] | None
    descriptor_window: int


def resolve_target(name: str, cfg: TargetsConfig | None = None) -> TargetSpec:
    """Build the mention patterns of a target from its configured aliases and descriptors.

    Raises:
        MediaframeError: the target name is empty.
    """
    cfg = cfg or TargetsConfig()
    if not name.strip():
        raise MediaframeError("expected a target name such as --target Netflix; found an empty one")
    aliases = lookup(cfg.aliases, name) or [name]
    descriptors = lookup(cfg.descriptors, name)
    return TargetSpec(
        name=canonical_name(cfg, name),
        names=compile_terms([name, *aliases], cfg.case_sensitive_max_len),
        descriptors=compile_terms(descriptors, cfg.case_sensitive_max_len) if descriptors else None,
        descriptor_window=cfg.descriptor_window,
    )


def canonical_name(cfg: TargetsConfig, name: str) -> str:
    """The target as the config spells it ("netflix" -> "Netflix"), else as given."""
    wanted = name.strip().casefold()
    return next((key for key in [*cfg.aliases, *cfg.descriptors] if key.casefold() == wanted), name.strip())


def lookup(table: dict[str, list[str]], name: str) -> list[str]:
    """Case-insensitive lookup of a target in an alias or descriptor table."""
    wanted = name.strip().casefold()
    return next((terms for key, terms in table.items() if key.casefold() == wanted), [])


def compile_terms(terms: Iterable[str], case_sensitive_max_len: int) -> re.Pattern[str]:
    """One alternation, longest term first; short all-caps terms (tickers) match case-sensitively."""
    unique = sorted({t.strip() for t in terms if t.strip()}, key=len, reverse=True)
    parts = [term_pattern(t, len(t) <= case_sensitive_max_len and t.isupper()) for t in unique]
    return re.compile(BEFORE + "(?:" + "|".join(parts) + ")" + AFTER)


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
    if spec.descriptors is not None and (found or named_recently):
        taken = [(m.start, m.end) for m in found]
        for match in spec.descriptors.finditer(text):
            if not any(s < match.end() and match.start() < e for s, e in taken):
                found.append(Mention(match.start(), match.end(), match.group()))
    return tuple(sorted(found, key=lambda m: m.start))


def attach_mentions(sentences: Iterable[Sentence], spec: TargetSpec) -> Iterator[Sentence]:
    """Set `target` and `mentions` on every sentence, article by article."""
    for _, article_sentences in groupby(sentences, key=lambda s: s.article_id):
        last_named = -10**9
        for sentence in article_sentences:
            named_recently = sentence.index - last_named <= spec.descriptor_window
            mentions = find_mentions(sentence.text, spec, named_recently)
            if spec.names.search(sentence.text):
                last_named = sentence.index
            yield replace(sentence, target=spec.name, mentions=mentions)

"""Labeling functions: named rules that vote a label for one task or abstain (None).

Stance rules read the clause around each target mention (cue words, negation, sarcasm,
quoted critics, VADER valence of the clause); sentiment rules read the whole sentence
(VADER, with and without news adjustments); frame rules read keyword lexicons and the
similarity of the sentence embedding to each frame's description and examples. The word
lists come from the codebook ([lexicons] and each frame's keywords), so a user codebook
brings its own. Aggregation is in labels.label_model; orchestration in labels.labeling.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from mediaframe.config import LabelingConfig
from mediaframe.labels.codebook import Codebook
from mediaframe.records import Sentence, Sentiment, Stance

AGAINST, NEUTRAL, FAVOR = Stance.AGAINST.value, Stance.NEUTRAL.value, Stance.FAVOR.value
NEGATIVE, POSITIVE = Sentiment.NEGATIVE.value, Sentiment.POSITIVE.value
CLAUSE_BREAK = re.compile(r"[;:()\[\]—–]|\s-\s|\b(?:but|while|whereas|although|though|however|yet)\b", re.IGNORECASE)
CAPITALISED = re.compile(r"(?<=[\w,’'\"“”)]\s)[A-Z][\w’'.-]*")
NEGATION_REACH = 25  # characters before a cue in which a negation word turns it


@dataclass(frozen=True, slots=True)
class RuleInput:
    """What the rules see of one sentence (apostrophes normalised to ')."""

    text: str
    clause: str  # the text around the target mentions ('' when the sentence has none)
    mentions_target: bool
    near_target: bool  # this sentence or the one before names the target
    frame_prototype: dict[str, float] = field(default_factory=dict)  # frame -> cosine to its centroid
    frame_nearest: dict[str, float] = field(default_factory=dict)  # frame -> best cosine to a prototype text


@dataclass(frozen=True, slots=True)
class Resources:
    """Compiled lexicons, VADER analyzers and thresholds shared by every rule."""

    cues: dict[str, re.Pattern[str]]
    negation: re.Pattern[str]
    sarcasm: re.Pattern[str]
    critics: re.Pattern[str]
    frame_keywords: dict[str, re.Pattern[str]]
    vader: SentimentIntensityAnalyzer
    vader_news: SentimentIntensityAnalyzer
    cfg: LabelingConfig


Rule = Callable[[RuleInput, Resources], str | None]


@dataclass(frozen=True, slots=True)
class LabelingFunction:
    name: str
    task: str
    apply: Rule


# ---------------------------------------------------------------- lexicon matching


def normalise(text: str) -> str:
    """Curly apostrophes and quotes to straight ones (same length, so offsets hold)."""
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


def term_regex(term: str) -> str:
    """One lexicon entry as a regex: whole words, flexible spaces, trailing '*' for any ending."""
    stem, wild = (term[:-1], True) if term.endswith("*") else (term, False)
    body = r"\s+".join(re.escape(word) for word in normalise(stem).split())
    left = r"(?<!\w)" if stem[:1].isalnum() and not stem.startswith("n'") else ""
    return left + body + (r"\w*" if wild else r"(?!\w)")


def compile_lexicon(terms: Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive alternation; a pattern that never matches for an empty list."""
    parts = [term_regex(t) for t in sorted(set(terms), key=len, reverse=True) if t.strip()]
    return re.compile("|".join(parts) if parts else r"(?!x)x", re.IGNORECASE)


def build_resources(codebook: Codebook, cfg: LabelingConfig) -> Resources:
    """Compile the codebook's lexicons and set up plain and news-adjusted VADER."""
    lex = codebook.lexicons
    news = SentimentIntensityAnalyzer()
    news.lexicon.update(lex.valence)
    return Resources(
        cues={label: compile_lexicon(terms) for label, terms in lex.stance_cues.items()},
        negation=compile_lexicon(lex.negation),
        sarcasm=compile_lexicon(lex.sarcasm),
        critics=compile_lexicon(lex.critics),
        frame_keywords={f.key: compile_lexicon(f.keywords) for f in codebook.frames if f.keywords},
        vader=SentimentIntensityAnalyzer(),
        vader_news=news,
        cfg=cfg,
    )


# ---------------------------------------------------------------- clauses


def mention_clause(sentence: Sentence, window: int) -> str:
    """The clause around each mention (between strong breaks, at most `window` words each side), joined."""
    text = normalise(sentence.text)
    pieces = []
    for mention in sentence.mentions:
        breaks = [m for m in CLAUSE_BREAK.finditer(text)]
        start = max((b.end() for b in breaks if b.end() <= mention.start), default=0)
        end = min((b.start() for b in breaks if b.start() >= mention.end), default=len(text))
        left = text[start : mention.start].split()[-window:] if window else []
        right = text[mention.end : end].split()[:window] if window else []
        pieces.append(" ".join([*left, text[mention.start : mention.end], *right]))
    return " | ".join(pieces)


def rule_inputs(sentences: list[Sentence], cfg: LabelingConfig) -> list[RuleInput]:
    """RuleInputs in sentence order (frame similarities are filled in later by labeling.py)."""
    out = []
    for position, sentence in enumerate(sentences):
        before = sentences[position - 1] if position else None
        named_before = before is not None and before.article_id == sentence.article_id and before.mentions_target
        out.append(RuleInput(
            text=normalise(sentence.text),
            clause=mention_clause(sentence, cfg.stance_window),
            mentions_target=sentence.mentions_target,
            near_target=sentence.mentions_target or named_before,
        ))
    return out


# ---------------------------------------------------------------- valence


def compound(analyzer: SentimentIntensityAnalyzer, text: str) -> float:
    return float(analyzer.polarity_scores(text)["compound"]) if text else 0.0


def without_names(text: str) -> str:
    """Drop capitalised words inside a sentence (names: 'Justice Department', 'Affordable Care Act')."""
    return CAPITALISED.sub("", text)


def news_compound(text: str, r: Resources) -> float:
    """VADER compound with the news adjustments: codebook valence entries, names neutralised."""
    return compound(r.vader_news, without_names(text))


def by_sign(score: float, threshold: float, negative: str, neutral: str | None, positive: str) -> str | None:
    if score >= threshold:
        return positive
    if score <= -threshold:
        return negative
    return neutral


def cue_hits(text: str, r: Resources) -> dict[str, int]:
    """Un-negated cue matches per stance direction, plus 'negated_favor' for negated praise."""
    hits = {AGAINST: 0, FAVOR: 0, "negated_favor": 0}
    for label in (AGAINST, FAVOR):
        pattern = r.cues.get(label)
        for match in pattern.finditer(text) if pattern else ():
            negated = r.negation.search(text[max(0, match.start() - NEGATION_REACH) : match.start()]) is not None
            if not negated:
                hits[label] += 1
            elif label == FAVOR:
                hits["negated_favor"] += 1
    return hits


# ---------------------------------------------------------------- stance rules


def stance_cue_against(x: RuleInput, r: Resources) -> str | None:
    return AGAINST if x.clause and cue_hits(x.clause, r)[AGAINST] else None


def stance_cue_favor(x: RuleInput, r: Resources) -> str | None:
    return FAVOR if x.clause and cue_hits(x.clause, r)[FAVOR] else None


def stance_negated_praise(x: RuleInput, r: Resources) -> str | None:
    return AGAINST if x.clause and cue_hits(x.clause, r)["negated_favor"] else None


def stance_sarcasm(x: RuleInput, r: Resources) -> str | None:
    return AGAINST if x.near_target and r.sarcasm.search(x.text) else None


def stance_quoted_critics(x: RuleInput, r: Resources) -> str | None:
    return AGAINST if x.mentions_target and r.critics.search(x.text) else None


def stance_clause_valence(x: RuleInput, r: Resources) -> str | None:
    if not x.clause:
        return None
    return by_sign(news_compound(x.clause, r), r.cfg.valence_threshold, AGAINST, None, FAVOR)


def stance_off_target(x: RuleInput, r: Resources) -> str | None:
    return NEUTRAL if not x.near_target else None


def stance_cue_nearby(x: RuleInput, r: Resources) -> str | None:
    """Cues in a sentence right after a mention that does not name the target itself ('it', 'they')."""
    if x.mentions_target or not x.near_target:
        return None
    hits = cue_hits(x.text, r)
    against, favor = hits[AGAINST] + hits["negated_favor"], hits[FAVOR]
    if against and not favor:
        return AGAINST
    return FAVOR if favor and not against else None


def stance_factual(x: RuleInput, r: Resources) -> str | None:
    """Neutral: a sentence on or next to the target with no cue, no sarcasm and little valence."""
    if not x.near_target or r.sarcasm.search(x.text) or any(cue_hits(x.text, r).values()):
        return None
    if abs(news_compound(x.clause or x.text, r)) >= r.cfg.valence_threshold:
        return None
    return NEUTRAL


# ---------------------------------------------------------------- sentiment rules


def sentiment_vader(x: RuleInput, r: Resources) -> str | None:
    return by_sign(compound(r.vader, x.text), 0.05, NEGATIVE, Sentiment.NEUTRAL.value, POSITIVE)


def sentiment_vader_news(x: RuleInput, r: Resources) -> str | None:
    return by_sign(news_compound(x.text, r), r.cfg.valence_threshold, NEGATIVE, Sentiment.NEUTRAL.value, POSITIVE)


def sentiment_cues(x: RuleInput, r: Resources) -> str | None:
    hits = cue_hits(x.text, r)
    against, favor = hits[AGAINST] + hits["negated_favor"], hits[FAVOR]
    if against and not favor:
        return NEGATIVE
    return POSITIVE if favor and not against else None


def sentiment_sarcasm(x: RuleInput, r: Resources) -> str | None:
    return NEGATIVE if r.sarcasm.search(x.text) else None


# ---------------------------------------------------------------- frame rules


def best_of(scores: dict[str, float], threshold: float, margin: float) -> str | None:
    """The top key if it reaches the threshold and beats the runner-up by the margin."""
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    top, value = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else float("-inf")
    return top if value >= threshold and value - runner_up >= margin else None


def frame_keywords(x: RuleInput, r: Resources) -> str | None:
    counts = {key: float(len(p.findall(x.text))) for key, p in r.frame_keywords.items()}
    return best_of(counts, 1.0, 1.0)


def frame_prototype(x: RuleInput, r: Resources) -> str | None:
    return best_of(x.frame_prototype, r.cfg.similarity_threshold, r.cfg.similarity_margin)


def frame_nearest_example(x: RuleInput, r: Resources) -> str | None:
    return best_of(x.frame_nearest, r.cfg.similarity_threshold, r.cfg.similarity_margin)


def labeling_functions() -> list[LabelingFunction]:
    """Every labeling function, in report order."""
    table: list[tuple[str, list[Rule]]] = [
        ("stance", [stance_cue_against, stance_cue_favor, stance_negated_praise, stance_cue_nearby, stance_sarcasm,
                    stance_quoted_critics, stance_clause_valence, stance_off_target, stance_factual]),
        ("sentiment", [sentiment_vader, sentiment_vader_news, sentiment_cues, sentiment_sarcasm]),
        ("frame", [frame_keywords, frame_prototype, frame_nearest_example]),
    ]
    return [LabelingFunction(rule.__name__, task, rule) for task, rules in table for rule in rules]

"""Boilerplate removal: keep headlines, decks, body paragraphs and bullets; drop the rest.

Rules are generic, line-level patterns of news pages (shop banners, image captions and
credits, breadcrumbs, bylines and author boxes, share/read-more/related lines, tag lists,
"min read" lines), never strings of one corpus. A rule that could also match a body
sentence ("By then, ...", "Via its ad tier, ...", "3% off its high") only fires on short
lines without sentence-final punctuation, the shape page furniture has.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from mediaframe.config import CleaningConfig
from mediaframe.records import Article

logger = logging.getLogger(__name__)

BULLET = re.compile(r"^\s*(?:[•●▪◦‣∙·*\-–—]|\d{1,2}[.)])\s+")
SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff]")  # soft hyphen, zero-width spaces and joiners, BOM
SENTENCE_END = re.compile(r"[.!?…:;\"”’)\]]\s*$")
CREDIT = re.compile(
    r"^(?:(?:image|photo|photograph|picture|illustration|video|graphic|screenshot|header image)s?"
    r"(?:\s+credits?)?\s*(?:via|by|:|courtesy|©)|via\s+\S|credits?\s*:|source\s*:\s*\S|"
    r"\(?(?:getty images|ap photo|reuters|shutterstock)\b)",
    re.IGNORECASE,
)
COPYRIGHT = re.compile(r"^(?:©|\(c\)\s*\d{4}|copyright\s*(?:©|\(c\)|\d{4}))", re.IGNORECASE)
TRAILING_CREDIT = re.compile(
    r"[(\[](?:(?:image|photo|photograph|picture|illustration)s?(?:\s+credits?)?\s*(?::|by\b|via\b|courtesy\b)|"
    r"credits?\s*:)[^()\[\]]{1,80}[)\]]\s*$",
    re.IGNORECASE,
)
NAVIGATION = re.compile(
    r"^(?:share(?: (?:this|the) (?:article|story|post|page))?|share on \w+|read more|read next|"
    r"related(?: articles| stories| posts| content| coverage)?|recommended(?: for you| reading)?|advertisement|"
    r"continue reading|see also|sign up|subscribe|follow us(?: on \w+)?|comments?|\d+ comments?|"
    r"you (?:may|might) also like|more from [\w ]{1,40}|most (?:popular|read)|trending(?: now)?|"
    r"(?:leave|add|post) a comment|back to top|skip to (?:main )?content|print|email)\W*$",
    re.IGNORECASE,
)
LINK_LIST = re.compile(
    r"^(?:more on [^:]{1,60}|see also|tags?|topics?|filed under|related|read more|read next|"
    r"also read|read also|recommended|more|watch|listen)\s*:\s",
    re.IGNORECASE,
)
SHOP = re.compile(r"shop now|buy now|order now|free shipping|use (?:promo |discount )?code \w+", re.IGNORECASE)
BANNER = re.compile(
    r"\d+\s?% off\b|subscribe (?:now|today)|sign up (?:now|today)|limited time|sale ends", re.IGNORECASE
)
MIN_READ = re.compile(r"\b\d+\s*min(?:ute)?s?\.?\s+read\b", re.IGNORECASE)
BYLINE = re.compile(
    r"^(?:[A-Z]{2,4}\s+)?(?i:by|written by|posted by|words by|reporting by|story by)\s+"
    r"[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}"
)
DATE_LINE = re.compile(
    r"^(?:(?:published|updated|posted|last updated|first published)\b[\s:]*)?"
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun)\w*,?\s+)?"
    r"(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\.?\s+\d{1,2},?\s+\d{4}|\d{4}-\d{2}-\d{2}|"
    r"\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\.?\s+\d{4})"
    r"(?:[\s,]+(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?(?:\s*[A-Z]{2,4})?)?\W*$",
    re.IGNORECASE,
)
STAMP_LINE = re.compile(r"^(?:published|updated|posted|last updated)\b.{0,50}\d", re.IGNORECASE)
BREADCRUMB = re.compile(r"^home(?:\s*[›>»/|]\s*|\s+)[\w &'-]{1,40}$", re.IGNORECASE)
AUTHOR_BOX_LINES = 6  # an author box with at most this many lines after it ends the article
AUTHOR_BOX = re.compile(r"^about (?:the )?(?:author|writer|contributor|reporter)s?\b\s*(?::|$)", re.IGNORECASE)
HASHTAGS = re.compile(r"^(?:#\w+[\s,]*){2,}$")
SOCIAL = re.compile(
    r"^(?:(?:facebook|twitter|x|linkedin|whatsapp|reddit|pinterest|telegram|email|e-mail|copy link|print|flipboard)"
    r"[\s,|·•/]*){2,}$",
    re.IGNORECASE,
)
NON_WORD = re.compile(r"\W+")


def clean(article: Article, cfg: CleaningConfig | None = None) -> Article:
    """Return the article with boilerplate lines removed and whitespace normalised.

    Paragraphs are joined by one newline; bullet markers are dropped so that each
    bullet item is a line of its own. The title is kept (and prepended when the body
    does not open with it).

    Args:
        article: the article as read (any text).
        cfg: the cleaning settings; `enabled=False` only normalises whitespace.

    Returns:
        The article with its cleaned text; every other field is unchanged.
    """
    cfg = cfg or CleaningConfig()
    lines = [normalise_line(line) for line in unwrap_lines(article.text.splitlines())]
    kept = keep_content(lines, article, cfg) if cfg.enabled else [line for line in lines if line]
    title = normalise_line(article.title)
    if title and not any(same_text(title, line) for line in kept[:3]):
        kept.insert(0, title)
    dropped = sum(1 for line in lines if line) - len(kept)
    if dropped > 0:
        logger.debug("%s: %d boilerplate lines removed", article.id, dropped)
    return replace(article, text="\n".join(kept))


def unwrap_lines(lines: list[str]) -> list[str]:
    """Re-join hard-wrapped paragraphs: a line of six or more words that stops mid-sentence
    continues on the next line when that line starts in lower case and is not a bullet."""
    joined: list[str] = []
    for line in lines:
        previous = joined[-1] if joined else ""
        if is_wrapped(previous, line):
            joined[-1] = f"{previous.rstrip()} {line.strip()}"
        else:
            joined.append(line)
    return joined


def is_wrapped(previous: str, line: str) -> bool:
    stripped = line.strip()
    return (
        len(previous.split()) >= 6
        and not SENTENCE_END.search(previous)
        and stripped[:1].islower()
        and not BULLET.match(line)
    )


def normalise_line(line: str) -> str:
    """Drop a bullet marker and invisible characters; collapse runs of spaces."""
    return SPACES.sub(" ", BULLET.sub("", INVISIBLE.sub("", line))).strip()


def keep_content(lines: list[str], article: Article, cfg: CleaningConfig) -> list[str]:
    """Walk the non-empty lines and keep those that are article content."""
    content = [line for line in lines if line]
    title = normalised(article.title) if article.title else None
    kept: list[str] = []
    seen: set[str] = set()  # normalised kept lines: a heading-like line seen before is a repeated headline
    in_box = False
    for index, line in enumerate(content):
        if AUTHOR_BOX.match(line):
            if len(content) - index - 1 <= AUTHOR_BOX_LINES:
                break  # an author box at the end closes the article: the rest is the box
            in_box = True  # a box inside the text: drop its heading and the name lines under it
            continue
        in_box = in_box and is_heading_like(line)
        following = content[index + 1] if index + 1 < len(content) else ""
        key = normalised(line)
        if in_box or (key != title and is_boilerplate(line, following, article, bool(kept), cfg)):
            continue
        if is_heading_like(line) and key in seen:
            continue
        seen.add(key)
        kept.append(line)
    return kept


def is_boilerplate(line: str, following: str, article: Article, after_start: bool, cfg: CleaningConfig) -> bool:
    """True when a line is page furniture rather than article text."""
    if NAVIGATION.match(line) or LINK_LIST.match(line) or is_credit(line) or TRAILING_CREDIT.search(line):
        return True
    if BREADCRUMB.match(line) and not after_start:
        return True
    if is_byline(line, article) or is_tag_list(line) or is_stamp(line) or is_banner(line):
        return True
    if COPYRIGHT.match(line) and len(line.split()) <= 15:
        return True
    if is_heading_like(line) and "|" in line:
        return True  # "Video title | Section" and banner rows
    return is_caption(line, following, cfg)


def is_banner(line: str) -> bool:
    """A shop or subscription banner; the weaker cues ("20% off") only on banner-shaped lines."""
    words = len(line.split())
    if words > 25:
        return False
    if words <= 20 and SHOP.search(line):
        return True
    shaped = words <= 8 or is_heading_like(line)
    return shaped and bool(BANNER.search(line) or MIN_READ.search(line))


def is_caption(line: str, following: str, cfg: CleaningConfig) -> bool:
    """A short unpunctuated line (cleaning.max_caption_words words at most) right above an image credit."""
    return is_heading_like(line) and is_credit(following) and len(line.split()) <= cfg.max_caption_words


def is_heading_like(line: str) -> bool:
    """A short line without sentence-final punctuation (headline, caption, label)."""
    return not SENTENCE_END.search(line) and len(line.split()) <= 25


def is_credit(line: str) -> bool:
    """An image credit ("Photo: ...", "Image via ...", "via Studio", "Getty Images"): short, not a sentence."""
    return bool(line) and bool(CREDIT.match(line)) and len(line.split()) <= 12 and (
        is_heading_like(line) or len(line.split()) <= 6
    )


def is_byline(line: str, article: Article) -> bool:
    if BYLINE.match(line) and len(line.split()) <= 12 and is_heading_like(line):
        return True
    return bool(article.author) and same_text(line, article.author)


def is_stamp(line: str) -> bool:
    """A date, time or 'Updated ...' line on its own."""
    if DATE_LINE.match(line):
        return True
    return bool(STAMP_LINE.match(line)) and is_heading_like(line) and len(line.split()) <= 12


def is_tag_list(line: str) -> bool:
    """A comma-separated run of three or more short capitalised phrases, or hashtags, or share buttons."""
    if HASHTAGS.match(line) or SOCIAL.match(line):
        return True
    if SENTENCE_END.search(line):
        return False
    items = [item.strip() for item in line.split(",")]
    return len(items) >= 3 and all(item and item[0].isupper() and len(item.split()) <= 4 for item in items)


def normalised(text: str) -> str:
    return NON_WORD.sub(" ", text).strip().lower()


def same_text(a: str, b: str) -> bool:
    return normalised(a) == normalised(b)

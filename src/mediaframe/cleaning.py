"""Boilerplate removal: keep headlines, decks, body paragraphs and bullets; drop the rest.

Rules are generic, line-level patterns of news pages (shop banners, image captions and
credits, breadcrumbs, bylines and author boxes, share/read-more/related lines, tag lists,
"min read" lines), never strings of one corpus.
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
SENTENCE_END = re.compile(r"[.!?…:;\"”’)\]]\s*$")
CREDIT = re.compile(
    r"^(?:(?:image|photo|photograph|picture|illustration|video|graphic|screenshot)s?"
    r"(?:\s+credit)?\s*(?:via|by|:|courtesy|©)|via\s+\S|credit\s*:|source\s*:\s*\S+$|"
    r"\(?(?:getty images|ap photo|reuters|shutterstock)\b)",
    re.IGNORECASE,
)
NAVIGATION = re.compile(
    r"^(?:share (?:this|the) (?:article|story|post)|share on \w+|read more|read next|related(?: articles| stories| posts)?|"
    r"recommended(?: for you)?|advertisement|continue reading|see also|sign up|subscribe|follow us|comments?|"
    r"\d+ comments?)\W*$",
    re.IGNORECASE,
)
LINK_LIST = re.compile(r"^(?:more on [^:]{1,60}|see also|tags?|topics?|filed under|related|read more|read next):\s", re.IGNORECASE)
BANNER = re.compile(r"shop now|buy now|order now|free shipping|use code \w+|% off\b|subscribe (?:now|today)", re.IGNORECASE)
MIN_READ = re.compile(r"\b\d+\s*min(?:ute)?s?\s+read\b", re.IGNORECASE)
BYLINE = re.compile(r"^(?:(?:\w{2,4}\s+)?by|written by|posted by|words by)\s+[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3}\b", re.IGNORECASE)
BREADCRUMB = re.compile(r"^home(?:\s*[›>»/|]\s*|\s+)[\w &'-]{1,40}$", re.IGNORECASE)
AUTHOR_BOX = re.compile(r"^about (?:the )?(?:author|writer|contributor)s?\s*$", re.IGNORECASE)


def clean(article: Article, cfg: CleaningConfig | None = None) -> Article:
    """Return the article with boilerplate lines removed and whitespace normalised.

    Paragraphs are joined by one newline; bullet markers are dropped so that each
    bullet item is a line of its own. The title is kept (and prepended when the body
    does not open with it).
    """
    cfg = cfg or CleaningConfig()
    lines = [normalise_line(line) for line in article.text.splitlines()]
    kept = keep_content(lines, article, cfg) if cfg.enabled else [line for line in lines if line]
    if article.title and not any(same_text(article.title, line) for line in kept[:3]):
        kept.insert(0, normalise_line(article.title))
    dropped = sum(1 for line in lines if line) - len(kept)
    if dropped > 0:
        logger.debug("%s: %d boilerplate lines removed", article.id, dropped)
    return replace(article, text="\n".join(kept))


def normalise_line(line: str) -> str:
    return SPACES.sub(" ", BULLET.sub("", line)).strip()


def keep_content(lines: list[str], article: Article, cfg: CleaningConfig) -> list[str]:
    """Walk the non-empty lines and keep those that are article content."""
    content = [line for line in lines if line]
    kept: list[str] = []
    for index, line in enumerate(content):
        if AUTHOR_BOX.match(line):
            break  # an author box closes the article: everything after it is the box
        following = content[index + 1] if index + 1 < len(content) else ""
        if is_boilerplate(line, following, article, kept, cfg):
            continue
        kept.append(line)
    return kept


def is_boilerplate(line: str, following: str, article: Article, kept: list[str], cfg: CleaningConfig) -> bool:
    """True when a line is page furniture rather than article text."""
    if CREDIT.match(line) or NAVIGATION.match(line) or LINK_LIST.match(line) or BANNER.search(line) or MIN_READ.search(line):
        return True
    if BREADCRUMB.match(line) and not kept:
        return True
    if is_byline(line, article) or is_tag_list(line):
        return True
    if is_heading_like(line) and "|" in line:
        return True  # "Video title | Section" and banner rows
    if is_heading_like(line) and CREDIT.match(following) and len(line.split()) <= max(cfg.max_caption_words, 12):
        return True  # a caption sits right above its credit
    return is_heading_like(line) and any(same_text(line, earlier) for earlier in kept)


def is_heading_like(line: str) -> bool:
    """A short line without sentence-final punctuation (headline, caption, label)."""
    return not SENTENCE_END.search(line) and len(line.split()) <= 25


def is_byline(line: str, article: Article) -> bool:
    if BYLINE.match(line) and len(line.split()) <= 8:
        return True
    return bool(article.author) and same_text(line, article.author)


def is_tag_list(line: str) -> bool:
    """A comma-separated run of three or more short capitalised phrases and nothing else."""
    if SENTENCE_END.search(line):
        return False
    items = [item.strip() for item in line.split(",")]
    return len(items) >= 3 and all(item and item[0].isupper() and len(item.split()) <= 4 for item in items)


def same_text(a: str, b: str) -> bool:
    return re.sub(r"\W+", " ", a).strip().lower() == re.sub(r"\W+", " ", b).strip().lower()

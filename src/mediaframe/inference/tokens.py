"""Token ids of many inputs in one call of the fast tokenizer, its BERT normalizer skipped where it only lowercases.

BERT's normalizer (tokenizers' BertNormalizer) keeps an alignment for every character it may change; on news
sentences it is a third of the tokenizer's time. For text made only of printable ASCII and the typographic
punctuation of news (curly quotes, dashes, the ellipsis) it changes nothing but the case: no control
character to drop, no accent to strip, no Chinese character to space out, no other whitespace to replace.
Such inputs are lowercased here (where the normalizer lowercases) and tokenized without it, to the same ids;
every other input, and every tokenizer with another normalizer, goes through the tokenizer unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

# Characters BERT's normalizer leaves as they are, up to case.
PLAIN_TEXT = re.compile(r"[\x20-\x7e\u2018\u2019\u201c\u201d\u2013\u2014\u2026]*")

Input = str | tuple[str, str]  # a text, or a (text, pair) for the encoders that read the target as a second segment


class BatchEncoder:
    """`encode(inputs)`: the tokenizer's encodings (ids, type ids, overflow) of every input, in input order."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.lowercase = bert_lowercase(tokenizer)
        self.bare = None
        if self.lowercase is not None:
            self.bare = type(tokenizer).from_str(tokenizer.to_str())
            self.bare.normalizer = None

    def encode(self, inputs: Sequence[Input]) -> list[Any]:
        if self.bare is None:
            return self.tokenizer.encode_batch_fast(list(inputs))  # no character offsets: 0.7x the CPU time
        plain = [is_plain(item) for item in inputs]
        out: list[Any] = [None] * len(inputs)
        for tokenizer, wanted in ((self.bare, True), (self.tokenizer, False)):
            index = [i for i, flag in enumerate(plain) if flag is wanted]
            items = [self.normalize(inputs[i]) if wanted else inputs[i] for i in index]
            for i, encoding in zip(index, tokenizer.encode_batch_fast(items) if items else [], strict=True):
                out[i] = encoding
        return out

    def normalize(self, item: Input) -> Input:
        if not self.lowercase:
            return item
        return item.lower() if isinstance(item, str) else (item[0].lower(), item[1].lower())


def is_plain(item: Input) -> bool:
    """Whether BERT's normalizer would only change the case of the input (every text of a pair)."""
    texts = (item,) if isinstance(item, str) else item
    return all(PLAIN_TEXT.fullmatch(text) is not None for text in texts)


def bert_lowercase(tokenizer: Any) -> bool | None:
    """Whether the tokenizer's normalizer is BERT's and lowercases (True) or not (False); None for any other."""
    normalizer = json.loads(tokenizer.to_str()).get("normalizer") or {}
    if normalizer.get("type") != "BertNormalizer":
        return None
    return bool(normalizer.get("lowercase"))

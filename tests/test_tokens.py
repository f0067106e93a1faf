"""The batch encoder gives the tokenizer's own ids, with BERT's normalizer skipped only where it just lowercases."""

from __future__ import annotations

from mediaframe.inference.tokens import BatchEncoder, is_plain

TEXTS = [
    "Netflix said << Netflix >> pays $900,000 for an AI job.",  # printable ASCII: lowercased, then tokenized bare
    "The streamer’s “AI” plan — and the strike… ‘bad’ – said writers",  # news punctuation: the same
    "Netflix áctors: STRIKE\tpay",  # an accent (stripped to "actors") and a tab: the normalizer's own path
    "Netflix\u00a0streamer 网飞 \x07 orbital",  # no-break space, Chinese, a control character
    "",
]


def test_tokenizing_gives_the_tokenizers_ids_for_texts_and_pairs(tokenizer) -> None:
    encoder = BatchEncoder(tokenizer)
    assert encoder.bare is not None, "BERT's lowercasing normalizer: the fast path is on"
    for inputs in (TEXTS, [(text, "Orbital Foods’ Café") for text in TEXTS], [(text, "Netflix") for text in TEXTS]):
        expected = tokenizer.encode_batch_fast(inputs)
        got = encoder.encode(inputs)
        assert [e.ids for e in got] == [e.ids for e in expected]
        assert [e.type_ids for e in got] == [e.type_ids for e in expected]


def test_tokenizing_skips_the_normalizer_only_for_plain_text() -> None:
    assert [is_plain(text) for text in TEXTS] == [True, True, False, False, True]
    assert not is_plain(("plain", "Café")), "a pair is plain only when both texts are"


def test_tokenizing_leaves_another_normalizer_to_the_tokenizer(tokenizer) -> None:
    from tokenizers import normalizers

    tokenizer = type(tokenizer).from_str(tokenizer.to_str())
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    encoder = BatchEncoder(tokenizer)
    assert encoder.bare is None
    assert [e.ids for e in encoder.encode(TEXTS)] == [e.ids for e in tokenizer.encode_batch_fast(TEXTS)]

"""Shared fixtures. Each section belongs to one stage; keep fixtures small and offline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def private_cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Caches (scoring-path choices, compiled graphs) go to a folder of this test session, never the user's home."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache-home")))
        yield


# ---------------------------------------------------------------- tiny random model (modeling, training, inference)

TINY_VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "<", ">", ".", ",", "!", "?", "'", "$",
    "the", "a", "is", "was", "and", "of", "to", "in", "it", "its", "for", "on", "with",
    "netflix", "company", "streamer", "writers", "actors", "strike", "job", "ai", "pay", "pays",
    "good", "bad", "great", "terrible", "praised", "slammed", "record", "failing", "profits",
    "orbital", "foods", "said", "new", "year", "million", "##s", "##ed", "##ing",
]


@pytest.fixture(scope="session")
def tiny_base_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight 2-layer, 32-dimension BERT with a small WordPiece vocab, saved as a base model folder."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-bert")
    (folder / "vocab.txt").write_text("\n".join(TINY_VOCAB) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab=str(folder / "vocab.txt"), do_lower_case=True).save_pretrained(folder)
    config = BertConfig(
        vocab_size=len(TINY_VOCAB), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=128,
    )
    import torch

    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, tiny_base_model: Path) -> Path:
    """An untrained mediaframe model folder (tiny encoder, default codebook heads)."""
    from mediaframe.config import ModelConfig
    from mediaframe.labels.codebook import load_codebook
    from mediaframe.model.modeling import build_model, save_model
    from mediaframe.records import TASKS

    codebook = load_codebook()
    loaded = build_model(str(tiny_base_model), {t: codebook.labels(t) for t in TASKS}, ModelConfig(max_length=64, target_mode="pair"))
    folder = tmp_path_factory.mktemp("tiny-mediaframe") / "model"
    save_model(loaded, folder)
    return folder


@pytest.fixture()
def tiny_model_copy(tmp_path: Path, tiny_model_dir: Path) -> Path:
    """A fresh copy of the tiny model folder for tests that change it."""
    import shutil

    target = tmp_path / "model"
    shutil.copytree(tiny_model_dir, target)
    return target


# ---------------------------------------------------------------- prediction tables (comparison, reporting, browser)

SENTIMENT_OF = {"against": "negative", "neutral": "neutral", "favor": "positive"}


def build_predictions(
    outlets: dict[str, list[list[str]]], target: str = "Netflix", frame: str = "economic"
) -> list[dict]:
    """Prediction rows (the Predictions contract) from outlet -> articles -> stance label per sentence.

    Article k of an outlet is dated 2023-07-(3 + 7k) (one week apart); sentiment follows stance;
    the against sentences are framed 'legality', the others `frame`; confidence falls with the index.
    """
    rows = []
    for outlet, articles in outlets.items():
        slug = "".join(ch for ch in outlet.lower() if ch.isalnum())
        for k, stances in enumerate(articles):
            article_id = f"{slug}-{k}"
            for i, stance in enumerate(stances):
                confidence = round(0.95 - 0.05 * i, 2)
                rows.append({
                    "id": f"{article_id}:{i}", "article_id": article_id, "index": i, "outlet": outlet,
                    "date": f"2023-07-{3 + 7 * k:02d}", "author": f"{outlet} desk", "title": f"{outlet} story {k}",
                    "url": f"https://news.example/{article_id}", "text": f"{outlet} sentence {i} on {target} ({stance}).",
                    "target": target, "mentions_target": i % 2 == 0, "stance": stance,
                    "sentiment": SENTIMENT_OF[stance], "frame": "legality" if stance == "against" else frame,
                    "stance_probs": {stance: confidence}, "sentiment_probs": {SENTIMENT_OF[stance]: 0.9},
                    "frame_probs": {frame: 0.5}, "stance_confidence": confidence,
                    "sentiment_confidence": 0.9, "frame_confidence": 0.5,
                })
    return rows


@pytest.fixture(scope="session")
def make_predictions():
    """The build_predictions factory, for tests that need their own stance mixes."""
    return build_predictions


@pytest.fixture()
def outlet_predictions() -> list[dict]:
    """Four outlets with known stance mixes: net stance -1 (all against), 0, +0.375, and a one-article outlet (-0.25)."""
    return build_predictions({
        "Harsh Herald": [["against"] * 4 for _ in range(4)],
        "Balanced Bugle": [["against", "favor", "neutral", "neutral"] for _ in range(4)],
        "Friendly Flyer": [["favor", "favor", "neutral", "against"], ["favor", "neutral", "favor", "favor"],
                           ["favor", "neutral", "neutral", "against"], ["favor", "favor", "neutral", "neutral"]],
        "Solo Sentinel": [["against", "neutral", "favor", "against"]],
    })


# ---------------------------------------------------------------- dataset builder (labeling, dataset, annotation)

TEST_DATA = Path(__file__).parent / "data"


@pytest.fixture()
def orbital_corpus() -> Path:
    """Four hand-written articles about a made-up company, Orbital Foods, with metadata.csv."""
    return TEST_DATA / "orbital"


@pytest.fixture()
def orbital_gold() -> Path:
    """Gold labels for ten of the Orbital Foods sentences (all four articles)."""
    return TEST_DATA / "orbital_gold.jsonl"


def hashed_embed(texts: list[str]):
    """A fake sentence embedder: hashed bag of lower-cased words, L2-normalised (word overlap = similarity)."""
    import re
    import zlib

    import numpy as np

    out = np.zeros((len(texts), 256), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"[a-z]+", text.lower()):
            out[row, zlib.crc32(word.encode()) % 256] += 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1.0, norms)


@pytest.fixture()
def fake_embed():
    """The hashed bag-of-words embedder, injectable wherever an Embedder is taken."""
    return hashed_embed


# ---------------------------------------------------------------- ingestion and sentences (io, cleaning, segmentation, targets, corpus, cli)

INGEST_DATA = Path(__file__).parent / "data"
# Western-European text with curly quotes and accents, for the cp1252 (Windows) and UTF-16 files.
CP1252_TEXT = (
    "Café owners in Montréal said “the streamer’s prices are too high” — and Netflix’s résumé won’t help.\n\n"
    "The naïve plan failed.\n"
)
BAD_INPUTS = ("empty", "blank", "binary", "cp1252", "utf16", "no_text_csv", "header_only", "empty_folder")


@pytest.fixture()
def cp1252_text() -> str:
    """The text of the cp1252 and UTF-16 bad-input files, as it must read once decoded."""
    return CP1252_TEXT


@pytest.fixture()
def txt_corpus() -> Path:
    """Three .txt articles with a metadata.csv for two of them; the third opens with header lines."""
    return INGEST_DATA / "txt"


@pytest.fixture()
def html_pages() -> Path:
    """page.html (an Orbital Foods article inside menus, a promo and a footer) and no_body.html (a sign-in page)."""
    return INGEST_DATA / "html"


@pytest.fixture()
def article_tables() -> Path:
    """articles.csv (a text column) and feed.jsonl (the same two articles under other column names)."""
    return INGEST_DATA / "tables"


@pytest.fixture()
def orbital_targets():
    """Targets config for the made-up Orbital Foods: aliases (with a ticker) and descriptors."""
    from mediaframe.config import TargetsConfig

    return TargetsConfig(
        aliases={"Orbital Foods": ["Orbital Foods", "Orbital Foods Inc", "ORBF"]},
        descriptors={"Orbital Foods": ["the snack maker", "the company"]},
    )


@pytest.fixture()
def make_bad_input(tmp_path: Path):
    """Factory: write one kind of bad input (see BAD_INPUTS) under tmp_path and return its path."""

    def make(kind: str) -> Path:
        folder = tmp_path / f"bad-{kind}"
        folder.mkdir()
        writers = {
            "empty": lambda: write(folder / "empty.txt", b""),
            "blank": lambda: write(folder / "blank.txt", b" \n\n \t\n"),
            "binary": lambda: write(folder / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4),
            "cp1252": lambda: write(folder / "windows.txt", CP1252_TEXT.encode("cp1252")),
            "utf16": lambda: write(folder / "utf16.txt", CP1252_TEXT.encode("utf-16")),
            "no_text_csv": lambda: write(folder / "articles.csv", b"id,body,outlet\n1,Some words here.,Daily Ledger\n"),
            "header_only": lambda: write(folder / "header_only.txt", b"outlet: Daily Ledger\ntitle: A title\n"),
            "empty_folder": lambda: folder,
        }
        return writers[kind]()

    def write(path: Path, data: bytes) -> Path:
        path.write_bytes(data)
        return path

    return make


@pytest.fixture()
def mixed_corpus(tmp_path: Path, txt_corpus: Path, html_pages: Path) -> Path:
    """The txt articles plus one bad file of each kind: empty.txt, image.txt (binary), no_body.html,
    and a metadata.csv row naming missing.txt."""
    import shutil

    folder = tmp_path / "mixed"
    shutil.copytree(txt_corpus, folder)
    shutil.copy(html_pages / "no_body.html", folder / "no_body.html")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)))
    with open(folder / "metadata.csv", "a", encoding="utf-8") as handle:
        handle.write("missing.txt,Ghost Gazette,Never saved,,2024-01-01,\n")
    return folder


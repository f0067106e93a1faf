"""Shared fixtures. Each section belongs to one stage; keep fixtures small and offline."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: its data/, configs/ and pyproject.toml
SEED = REPO_ROOT / "data" / "seed"


def load_script(name: str):
    """A script of scripts/ imported as a module, for its functions."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session", autouse=True)
def private_cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Caches (scoring-path choices, compiled graphs) go to a folder of this test session, never the user's home."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache-home")))
        yield


# ---------------------------------------------------------------- tiny random model (modeling, training, distillation, inference)

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
    import torch

    from mediaframe.config import ModelConfig
    from mediaframe.labels.codebook import load_codebook
    from mediaframe.model.modeling import build_model, save_model
    from mediaframe.records import TASKS

    codebook = load_codebook()
    torch.manual_seed(0)  # its heads the same whichever test builds it first
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


@pytest.fixture()
def confident_teacher(tiny_model_dir: Path, tmp_path: Path) -> Path:
    """The tiny model with its heads scaled up, so its predictions differ from sentence to sentence."""
    import torch

    from mediaframe.model.modeling import load_model, save_model

    loaded = load_model(tiny_model_dir)
    with torch.no_grad():
        for head in loaded.model.heads.values():
            head.weight.mul_(40.0)
    save_model(loaded, tmp_path / "teacher")
    return tmp_path / "teacher"


# ---------------------------------------------------------------- scoring (predictor, tokens, OpenVINO, runtime choice, hardware, Ray engine)


@pytest.fixture(scope="module")
def predictor(tiny_model_dir: Path):
    """A Predictor of the tiny model with batch size 2, shared by the tests of a module."""
    from mediaframe.inference.predictor import Predictor

    return Predictor(tiny_model_dir, batch_size=2)


@pytest.fixture(scope="module")
def tokenizer(tiny_base_model: Path):
    """The tiny model's fast tokenizer, read from its tokenizer.json."""
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(tiny_base_model / "tokenizer.json"))


@pytest.fixture()
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG_CACHE_HOME set to this test's tmp_path, which is returned (remembered scoring-path choices go there)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray for the module (2 CPUs, no dashboard); predict_ray uses a session already open."""
    ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'mediaframe[ray]'")
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR)
    yield ray
    ray.shutdown()


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


@pytest.fixture()
def comparison(outlet_predictions: list[dict]):
    """compare() of outlet_predictions by outlet (300 bootstrap samples and permutations, seed 13)."""
    from mediaframe.compare.comparison import Grouping, compare
    from mediaframe.config import ComparisonConfig

    return compare(outlet_predictions, Grouping(), ComparisonConfig(bootstrap_samples=300, permutations=300), seed=13)


@pytest.fixture()
def files(comparison) -> dict[str, bytes]:
    """The report files rendered from `comparison` (charts at 60 dpi), by file name."""
    from mediaframe.compare.reporting import render_report
    from mediaframe.config import ReportConfig

    return render_report(comparison, ReportConfig(dpi=60))


# ---------------------------------------------------------------- report.html in headless Chromium (report_browser)

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--remote-debugging-port=0", "--window-size=1200,900"]


class Page:
    """One browser tab over the DevTools protocol: send commands, keep the events that arrive."""

    def __init__(self, url: str) -> None:
        import websocket  # websocket-client, in the `test` extra

        self.ws = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self.events: list[dict[str, Any]] = []
        self.next_id = 0

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} within {timeout} s")
            self.events.append(json.loads(self.ws.recv()))

    def evaluate(self, expression: str) -> Any:
        return self.send("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def errors(self) -> list[str]:
        """Uncaught exceptions, console.error/assert calls and error log entries (failed loads included)."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(" ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(params["entry"].get("text", "log error"))
        return found

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]


def page_url(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
        targets = json.load(response)
    return next(t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page")


def load(page: Page, path: Path) -> Page:
    """Open a local file in the tab and wait for its load event (events of the page before are dropped)."""
    page.events.clear()
    page.send("Page.navigate", url=path.resolve().as_uri())
    page.wait_for("Page.loadEventFired")
    return page


@pytest.fixture(scope="module")
def browser() -> Iterator[Page]:
    """A headless Chromium with an empty profile; yields a DevTools connection to its first tab."""
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:  # Chromium's helpers may write late
        process = subprocess.Popen([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            port_file, deadline = Path(profile) / "DevToolsActivePort", time.monotonic() + 60
            while not (port_file.is_file() and port_file.read_text().strip()):
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("Chromium did not open its DevTools port within 60 s")
                time.sleep(0.1)
            page = Page(page_url(int(port_file.read_text().split()[0])))
            for domain in ("Runtime", "Log", "Page", "Network"):
                page.send(f"{domain}.enable")
            yield page
            page.ws.close()
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory, make_predictions) -> Path:
    """report.html of four outlets (one all against, one with a single article), charts beside it."""
    from mediaframe.compare.comparison import Grouping, compare
    from mediaframe.compare.reporting import render_report, write_report
    from mediaframe.config import ComparisonConfig, ReportConfig

    rows = make_predictions({
        "Harsh Herald": [["against"] * 4 for _ in range(4)],
        "Balanced Bugle": [["against", "favor", "neutral", "neutral"] for _ in range(4)],
        "Friendly Flyer": [["favor", "favor", "neutral", "against"] for _ in range(4)],
        "Solo Sentinel": [["against", "neutral"]],
    })
    comparison = compare(rows, Grouping(), ComparisonConfig(bootstrap_samples=300, permutations=300), seed=13)
    for sides in comparison.examples.values():  # evidence words as compare --model marks them: "sentence" in each quote
        for quote in (q for items in sides.values() for q in items):
            start = quote["text"].index("sentence")
            quote["evidence"] = [[start, start + len("sentence")]]
    out = tmp_path_factory.mktemp("report")
    write_report(render_report(comparison, ReportConfig(dpi=80)), out)
    return out / "report.html"


@pytest.fixture()
def report_page(browser: Page, report_html: Path) -> Page:
    """The browser tab with report_html loaded."""
    return load(browser, report_html)


# ---------------------------------------------------------------- dataset builder (gold, labeling, dataset, annotation)

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


@pytest.fixture(scope="module")
def codebook():
    """The default codebook, loaded once per module."""
    from mediaframe.labels.codebook import load_codebook

    return load_codebook()


@pytest.fixture(scope="module")
def resources():
    """The weak rules' resources, built from the default codebook and the default LabelingConfig."""
    from mediaframe.config import LabelingConfig
    from mediaframe.labels.codebook import load_codebook
    from mediaframe.labels.weak_rules import build_resources

    return build_resources(load_codebook(), LabelingConfig())


# ---------------------------------------------------------------- ingestion and sentences (io, reading, cleaning, segmentation, targets, corpus, cli)

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


@pytest.fixture()
def runner():
    """A typer CliRunner for driving the app."""
    from typer.testing import CliRunner

    return CliRunner()


@pytest.fixture(scope="module")
def netflix():
    """Netflix as configs/default.toml describes it."""
    from mediaframe.config import load_config
    from mediaframe.corpus.targets import resolve_target

    return resolve_target("Netflix", load_config().targets)


@pytest.fixture(scope="module")
def seed_sentences() -> dict[str, list[str]]:
    """Sentence texts of each seed article, by article id."""
    from mediaframe.config import load_config
    from mediaframe.corpus.reading import read_articles
    from mediaframe.corpus.sentences import corpus_sentences

    found: dict[str, list[str]] = {}
    for sentence in corpus_sentences(read_articles(SEED), "Netflix", load_config()):
        found.setdefault(sentence.article_id, []).append(sentence.text)
    return found


def key(row: dict) -> tuple:
    """What must agree across commands: the sentence, where it sits, its article's metadata and its mentions
    (prediction rows say only whether there is one)."""
    mentions = tuple((m["start"], m["end"], m["text"]) for m in row["mentions"]) if "mentions" in row else None
    return row["article_id"], row["index"], row["text"], row["outlet"], row["date"], row["mentions_target"], mentions


def sentences_cli(corpus: Path, out: Path) -> list[tuple]:
    """Run `sentences` on a corpus (target Netflix) and return the key() of each row it writes."""
    from typer.testing import CliRunner

    from mediaframe.cli import app

    result = CliRunner().invoke(app, ["sentences", str(corpus), "--target", "Netflix", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return [key(json.loads(line)) for line in out.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    """The key() of every seed sentence as `sentences` writes them: what each input form must give."""
    return sentences_cli(SEED, tmp_path_factory.mktemp("reference") / "s.jsonl")


# ---------------------------------------------------------------- evaluation


@pytest.fixture()
def no_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    """The weak labeler's frame-similarity rules abstain: no sentence-embedding model is loaded (fast)."""
    monkeypatch.setattr("mediaframe.evaluation.baselines.frame_embedder", lambda cfg: None)


# ---------------------------------------------------------------- whole commands (real model end to end, installed wheel, full disk)

REAL_MODEL_ROWS = [("Netflix posted record profits and won praise.", "favor", "positive", "economic"),
                   ("Netflix was slammed for failing the striking writers.", "against", "negative", "fairness_equality"),
                   ("The strike entered its third month.", "neutral", "negative", "political"),
                   ("Netflix raised prices again.", "neutral", "neutral", "policy")]
TORCH = os.environ.get("MEDIAFRAME_TORCH", "torch==2.13.0")  # the CPU build on this machine's disk


@pytest.fixture(scope="module")
def real_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded all-MiniLM-L6-v2 with three heads, trained for a few steps on labeled rows."""
    from typer.testing import CliRunner

    from mediaframe.cli import app

    work = tmp_path_factory.mktemp("e2e")
    table = work / "labeled.jsonl"
    rows = [{"id": f"a{a}:{i}", "article_id": f"a{a}", "text": text, "target": "Netflix", "stance": stance,
             "sentiment": sentiment, "frame": frame}
            for a in range(6) for i, (text, stance, sentiment, frame) in enumerate(REAL_MODEL_ROWS)]
    table.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = CliRunner().invoke(app, ["train", str(table), "--out", str(work / "model"), "--config",
                                      str(REPO_ROOT / "configs" / "tiny.toml"), "--set", "model.base_model=default",
                                      "--set", "training.learning_rate=5e-5", "--set", "model.max_length=64"])
    assert result.exit_code == 0, result.output
    return work / "model"


def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command; unless it exits 0, fail with the end of its stderr."""
    result = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `mediaframe` command of a fresh venv that holds the wheel built from this checkout."""
    work = tmp_path_factory.mktemp("installed")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", work / "dist", REPO_ROOT, cwd=work)
    [wheel] = (work / "dist").glob("mediaframe-*.whl")
    run(sys.executable, "-m", "venv", work / "venv", cwd=work)
    pip = work / "venv" / "bin" / "pip"
    run(pip, "install", "--quiet", TORCH, cwd=work)
    run(pip, "install", "--quiet", wheel, cwd=work)
    return work / "venv" / "bin" / "mediaframe"


@pytest.fixture()
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, unmounted afterwards."""
    mount = tmp_path / "full"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)

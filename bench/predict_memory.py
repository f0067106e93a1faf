"""Peak memory of `mediaframe predict` for 10k and 100k sentences: it should not grow with the corpus.

Each size runs `python -m mediaframe predict` in its own process on generated articles (20
sentences each, raw text: read, clean, segment, find mentions, score, write) with a tiny random
model (2 layers, 32 dimensions; memory of the streaming machinery, not of a big model), and
prints the child's peak RSS (ru_maxrss). A first run on 100 sentences measures the scoring paths
and converts the model (PyTorch is loaded for that, once per model and machine); its peak is
printed too, and the sized runs after it find the choice cached, as every later run does.

    .venv/bin/python bench/predict_memory.py                  # 10,000 and 100,000 sentences
    .venv/bin/python bench/predict_memory.py --sizes 10000 300000 --model models/default
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ["netflix", "company", "streamer", "writers", "actors", "strike", "job", "ai", "pay", "good", "bad", "great", "terrible", "praised", "slammed", "record", "failing", "profits", "orbital", "foods", "said", "new", "year", "million", "the", "a", "is", "was", "and", "of", "to", "in", "it", "its", "for", "on", "with"]
PER_ARTICLE = 20


def tiny_model(folder: Path) -> Path:
    """A random 2-layer BERT with a small vocabulary, saved as a mediaframe model folder."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    from mediaframe.config import ModelConfig
    from mediaframe.labels.codebook import load_codebook
    from mediaframe.model.modeling import build_model, save_model
    from mediaframe.records import TASKS

    base = folder / "base"
    base.mkdir(parents=True)
    (base / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", *WORDS]) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab=str(base / "vocab.txt"), do_lower_case=True).save_pretrained(base)
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=len(WORDS) + 6, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=128)).save_pretrained(base)
    codebook = load_codebook()
    save_model(build_model(str(base), {t: codebook.labels(t) for t in TASKS}, ModelConfig(max_length=64)), folder / "model")
    return folder / "model"


def write_articles(path: Path, sentences: int) -> Path:
    rng = random.Random(0)
    with open(path, "w", encoding="utf-8") as handle:
        for number in range(sentences // PER_ARTICLE):
            lines = [" ".join(rng.choices(WORDS, k=rng.randint(6, 30))).capitalize() + "." for _ in range(PER_ARTICLE)]
            handle.write(json.dumps({"id": f"a{number}", "outlet": f"outlet{number % 7}", "text": "\n".join(lines)}) + "\n")
    return path


def measure(model: Path, source: Path, out: Path) -> tuple[float, float, int]:
    """Peak RSS (MiB) of one predict run in a fresh child process, its wall time and its output rows."""
    command = [sys.executable, "-c", "import resource, sys; sys.argv = sys.argv[1:]; "
               "from mediaframe.cli import app; app(standalone_mode=False); "
               "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)",
               "mediaframe", "predict", str(model), str(source), "--out", str(out), "--target", "Netflix", "--force"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    peak = next(int(line.split()[1]) for line in done.stdout.splitlines() if line.startswith("PEAK"))
    return peak / 1024, seconds, sum(1 for _ in open(out, encoding="utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--model", type=Path, help="model folder (default: a tiny random one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = args.model or tiny_model(work / "tiny")
        print(f"{'sentences':>10s} {'input MB':>9s} {'peak RSS MiB':>13s} {'seconds':>8s} {'rows out':>9s}")
        for size in [100, *args.sizes]:
            source = write_articles(work / f"articles-{size}.jsonl", size)
            peak, seconds, rows = measure(model, source, work / f"predictions-{size}.jsonl")
            first = "  (first run: measures the paths, converts the model)" if size == 100 else ""
            print(f"{size:10,d} {source.stat().st_size / 1e6:9.1f} {peak:13.0f} {seconds:8.1f} {rows:9,d}{first}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

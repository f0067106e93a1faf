"""Are `mediaframe explain`'s evidence words faithful, and is it fast? Deletion test and time per sentence.

On held-out real news the model was not trained on (NewsMTSC rw_test; the shipped model learned from
NewsMTSC train only), each sentence is explained by occlusion; then its k words of highest weight are
removed, and, apart, k words drawn at random (the target's mentions never). A faithful explanation
lowers the predicted label's probability more with its top words than chance does. Prints the mean
drop of each, their ratio, and the seconds per explained sentence (its variants scored in one batch),
after the model is loaded, on this CPU.

    .venv/bin/python bench/explain.py --sentences 300 --k 3
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

from cold_start import NEWSMTSC, sentence_rows  # bench/: the same held-out sentences

from mediaframe.analyst.explain import explain_sentences, faithfulness
from mediaframe.config import load_config
from mediaframe.corpus.mentions import MentionFinder
from mediaframe.hardware import cpu_family
from mediaframe.inference.predictor import Predictor
from mediaframe.model.shipped import model_path


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def main() -> int:
    args = parse_args()
    cfg = load_config()
    predictor = Predictor(model_path(args.model), cfg.predict.batch_size, cfg.predict.dtype, threads=cfg.predict.threads,
                          runtime=cfg.predict.runtime, targets=cfg.targets)
    rows = sentence_rows(args.data, args.sentences)
    texts, targets = [r["text"] for r in rows], [r["target"] for r in rows]
    mentions = MentionFinder(cfg.targets).rows(rows, targets)
    explain_sentences(predictor, texts[:5], targets[:5], mentions[:5])  # warm-up: first calls compile and allocate
    started = time.perf_counter()
    explanations = explain_sentences(predictor, texts, targets, mentions)
    per_sentence = (time.perf_counter() - started) / len(rows)
    print(f"model {args.model} ({predictor.path}); {len(rows)} NewsMTSC rw_test sentences; "
          f"CPU {cpu_name()} ({cpu_family()})")
    print(f"explain: {per_sentence * 1000:.0f} ms per sentence (mean {sum(len(e.words) for e in explanations) / len(rows):.1f} words)")
    for task in ("stance", "frame"):
        drops = [faithfulness(predictor, explanations, mentions, args.k, seed, task) for seed in args.seeds]
        top = sum(d["top_k_drop"] for d in drops) / len(drops)
        chance = sum(d["random_k_drop"] for d in drops) / len(drops)
        print(f"{task}: removing the top {args.k} words lowers P(predicted label) by {top:.3f}; {args.k} random words "
              f"by {chance:.3f} (mean of {len(args.seeds)} random draws); ratio {top / chance if chance else float('inf'):.1f}x "
              f"over {drops[0]['sentences']} sentences")
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="news", help="a model folder, or news (the shipped model)")
    parser.add_argument("--data", type=Path, default=NEWSMTSC)
    parser.add_argument("--sentences", type=int, default=300)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--seeds", type=lambda v: [int(x) for x in v.split(",")], default=[13, 14, 15])
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())

"""`mediaframe train` under torchrun: two CPU processes (gloo) train as one, agree, and write one model folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from mediaframe.training.data_parallel import (
    check_ranks_agree,
    is_main_process,
    weights_digest,
    world_size,
)

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: its data/ and configs/

TEXTS = [("netflix is good.", "favor", "positive", "economic"), ("netflix is terrible.", "against", "negative", "economic"),
         ("the strike was bad.", "neutral", "negative", "policy"), ("netflix pays actors a record.", "favor", "positive", "economic"),
         ("the company slammed the writers.", "against", "negative", "fairness_equality"),
         ("a new year of profits.", "neutral", "positive", "economic")]

# Run by torchrun in each process: the real CLI command, plus a record of what this rank ended with.
RANK_SCRIPT = """
import json, os, sys
import mediaframe.training.train as training
from mediaframe.cli import app
from mediaframe.training.data_parallel import weights_digest

seen = {}
make_trainer, agree = training.Run.trainer, training.check_ranks_agree

def trainer(self, *args, **kwargs):
    seen["trainer"] = make_trainer(self, *args, **kwargs)
    return seen["trainer"]

def check(model):
    seen["digest"] = weights_digest(model)
    return agree(model)

training.Run.trainer, training.check_ranks_agree = trainer, check
app(sys.argv[2:], standalone_mode=False)
args, state = seen["trainer"].args, seen["trainer"].state
record = {"digest": seen["digest"], "world_size": args.world_size, "mode": str(args.parallel_mode), "steps": state.global_step}
open(os.path.join(sys.argv[1], f"rank-{os.environ['RANK']}.json"), "w").write(json.dumps(record))
"""


def test_data_parallel_defaults_to_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RANK", "WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    model = torch.nn.Linear(3, 2)
    assert world_size() == 1 and is_main_process() and check_ranks_agree(model) == weights_digest(model)
    monkeypatch.setenv("RANK", "1")
    assert not is_main_process()


def test_data_parallel_digest_follows_every_weight() -> None:
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    before = weights_digest(model)
    assert weights_digest(model) == before and len(before) == 16
    with torch.no_grad():
        model.bias[1] += 1e-7
    assert weights_digest(model) != before


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without torch.distributed")
def test_data_parallel_torchrun_two_cpu_processes_agree_and_write_one_model(tmp_path: Path, tiny_base_model: Path) -> None:
    rows = [{"id": f"a{a}:{i}", "article_id": f"a{a}", "text": text, "target": "Netflix", "stance": stance,
             "sentiment": sentiment, "frame": frame} for a in range(8) for i, (text, stance, sentiment, frame) in enumerate(TEXTS)]
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    (tmp_path / "script.py").write_text(RANK_SCRIPT, encoding="utf-8")
    (tmp_path / "ranks").mkdir()
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               str(tmp_path / "script.py"), str(tmp_path / "ranks"), "train", str(data), "--out", str(tmp_path / "models" / "m"),
               "--config", str(REPO_ROOT / "configs" / "tiny.toml"), "--set", f"model.base_model={tiny_base_model}",
               "--set", "training.epochs=2", "--set", "training.threads=1", "--set", 'training.extra_stance_data=""']
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [json.loads((tmp_path / "ranks" / f"rank-{r}.json").read_text()) for r in (0, 1)]
    assert ranks[0]["digest"] == ranks[1]["digest"]
    assert all(r["world_size"] == 2 and r["mode"].endswith("DISTRIBUTED") for r in ranks)
    train_rows = json.loads((tmp_path / "models" / "m" / "mediaframe.json").read_text())["data"]["train_rows"]
    assert ranks[0]["steps"] == 2 * -(-train_rows // (8 * 2))  # each step takes 8 rows on each of 2 processes
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["m"]  # one folder, no second writer's staging left
    from safetensors.torch import load_file

    from mediaframe.model.modeling import load_model

    assert weights_digest(load_model(tmp_path / "models" / "m").model) == ranks[0]["digest"]
    assert load_file(str(tmp_path / "models" / "m" / "model.safetensors"))
    assert done.stderr.count("model written to") == 1  # only rank 0 logs at INFO

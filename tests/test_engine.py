"""predict_ray(): the Ray Data engine gives the single-process rows, survives a killed actor, resumes by shard.

The tests marked `ray` share one local Ray (2 CPUs) started once for this module.
"""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from mediaframe.config import load_config
from mediaframe.errors import MediaframeError

WORDS = ["netflix", "company", "streamer", "writers", "actors", "strike", "job", "ai", "pay", "pays", "good", "bad",
         "great", "terrible", "praised", "slammed", "record", "failing", "profits", "new", "year", "million"]


def cfg(*overrides: str):
    return load_config(None, ["predict.threads=1", "predict.dtype=\"fp32\"", "distributed.cpus_per_worker=1", *overrides])


def sentence(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(3, 9))
    return " ".join(words).capitalize() + rng.choice([".", "!", "?"])


def article_rows(n: int, seed: int = 7) -> list[dict]:
    """Articles about Netflix with 4-10 sentences each; every seventh has no id (default ids are compared too)."""
    rng = random.Random(seed)
    rows = []
    for k in range(n):
        text = " ".join(f"Netflix {sentence(rng)}" if rng.random() < 0.4 else sentence(rng) for _ in range(rng.randint(4, 10)))
        row = {"id": f"art{k}", "text": text, "outlet": f"Outlet {k % 3}", "date": f"2024-03-{k % 28 + 1:02d}"}
        if k % 7 == 3:
            del row["id"]
        rows.append(row)
    return rows


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ---------------------------------------------------------------- same answers as the single-process engine


@pytest.mark.ray
def test_engine_gives_the_single_process_rows(tmp_path: Path, tiny_model_dir: Path, local_ray) -> None:
    from mediaframe.predict.run import predict
    from mediaframe.scale.engine import predict_ray

    lines = [json.dumps(row) for row in article_rows(40)]
    lines[5:5] = ["", "{not json", json.dumps({"id": "empty", "text": "  "})]  # skipped alike by both engines
    source = write_lines(tmp_path / "articles.jsonl", lines)
    settings = cfg("distributed.articles_per_shard=6")
    single = predict(tiny_model_dir, source, tmp_path / "single.jsonl", "Netflix", cfg=settings, show_progress=False)
    spread = predict_ray(tiny_model_dir, source, tmp_path / "ray.jsonl", "Netflix", cfg=settings, workers=2, show_progress=False)
    one, two = read_jsonl(tmp_path / "single.jsonl"), read_jsonl(tmp_path / "ray.jsonl")
    assert len(one) == len(two) == single.sentences == spread.sentences and len(one) > 200
    assert [r["id"] for r in two] == [r["id"] for r in one]  # same order, default ids (articles-4, ...) included
    assert any(r["id"].startswith("articles-") for r in two)
    for task in ("stance", "sentiment", "frame"):
        assert [r[task] for r in two] == [r[task] for r in one], task
        worst = max(abs(a[f"{task}_probs"][k] - b[f"{task}_probs"][k]) for a, b in zip(one, two, strict=False) for k in a[f"{task}_probs"])
        assert worst <= 2e-5, task
    assert [{k: v for k, v in r.items() if not k.endswith(("_probs", "_confidence"))} for r in two] == [
        {k: v for k, v in r.items() if not k.endswith(("_probs", "_confidence"))} for r in one
    ]
    assert spread.skipped == single.skipped == {"bad_line": 1, "no_text": 1}
    assert spread.dtype.endswith(":fp32") and not (tmp_path / "ray.jsonl.shards").exists()


@pytest.mark.ray
def test_engine_cli_scores_a_txt_folder_and_keeps_a_manifest(tmp_path: Path, tiny_model_dir: Path, local_ray) -> None:
    from typer.testing import CliRunner

    from mediaframe.cli import app
    from mediaframe.predict.run import predict

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = article_rows(9, seed=3)
    for k, row in enumerate(rows):
        (corpus / f"a{k}.txt").write_text(row["text"], encoding="utf-8")
    write_lines(corpus / "metadata.csv", ["file,outlet,date"] + [f"a{k}.txt,Outlet {k % 2},2024-01-0{k + 1}" for k in range(9)])
    out = tmp_path / "ray.parquet"
    args = ["predict", str(tiny_model_dir), str(corpus), "--target", "Netflix", "--out", str(out), "--engine", "ray",
            "--workers", "2", "--dtype", "fp32", "--set", "predict.threads=1", "--set", "distributed.articles_per_shard=2",
            "--set", "distributed.keep_shards=true", "--articles", str(tmp_path / "ray-articles.csv")]
    handlers = logging.root.handlers[:]
    try:
        result = CliRunner().invoke(app, args)
    finally:
        logging.root.handlers[:] = handlers  # the CLI logs to the runner's stream, closed after invoke
    assert result.exit_code == 0, result.output
    import pandas as pd

    spread = pd.read_parquet(out)
    predict(tiny_model_dir, corpus, tmp_path / "single.parquet", "Netflix", articles_out=tmp_path / "single-articles.csv",
            cfg=cfg(), show_progress=False)
    single = pd.read_parquet(tmp_path / "single.parquet")
    assert (tmp_path / "ray-articles.csv").read_text() == (tmp_path / "single-articles.csv").read_text()
    assert spread["id"].tolist() == single["id"].tolist() and spread["outlet"].iloc[0] == "Outlet 0"
    assert spread[["stance", "sentiment", "frame"]].equals(single[["stance", "sentiment", "frame"]])
    manifest = json.loads((tmp_path / "ray.parquet.shards" / "_manifest.json").read_text())
    assert manifest["complete"] and manifest["rows"] == len(single) and manifest["run"]["shards"] == 5
    assert sorted(s["file"] for s in manifest["shards"].values()) == [f"part-{i:05d}.parquet" for i in range(5)]
    assert sum(s["rows"] for s in manifest["shards"].values()) == len(single)
    assert manifest["run"]["fingerprint"] and manifest["run"]["model_digest"]


@pytest.mark.ray
def test_engine_uri_output_is_a_shard_folder(tmp_path: Path, tiny_model_dir: Path, local_ray) -> None:
    import pandas as pd

    from mediaframe.predict.run import predict
    from mediaframe.scale.engine import predict_ray

    pd.DataFrame(article_rows(12, seed=5)).to_parquet(tmp_path / "news.parquet", row_group_size=4)
    settings = cfg("distributed.articles_per_shard=4")
    folder = tmp_path / "predictions"
    report = predict_ray(tiny_model_dir, Path(f"file://{tmp_path}/news.parquet"), Path(f"file://{folder}"), "Netflix",
                         cfg=settings, workers=2, show_progress=False)
    predict(tiny_model_dir, tmp_path / "news.parquet", tmp_path / "single.jsonl", "Netflix", cfg=settings, show_progress=False)
    assert sorted(p.name for p in folder.iterdir()) == ["_manifest.json", *(f"part-{i:05d}.parquet" for i in range(3))]
    assert json.loads((folder / "_manifest.json").read_text())["complete"]
    rows = pd.read_parquet(folder)  # the folder is one Parquet dataset, in shard order
    assert rows["id"].tolist() == [r["id"] for r in read_jsonl(tmp_path / "single.jsonl")] and report.sentences == len(rows)
    again = predict_ray(tiny_model_dir, tmp_path / "news.parquet", Path(f"file://{folder}"), "Netflix", cfg=settings, resume=True)
    assert again.scored == 0


# ---------------------------------------------------------------- fault tolerance and resume


def scorer_pids() -> list[int]:
    """Processes of this test's Ray whose title names the model actor (descendants of this process only)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "ShardScorer" in title and descends_from(int(entry.name), os.getpid()):
            found.append(int(entry.name))
    return found


def descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        try:
            pid = int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return False
        if pid == ancestor:
            return True
    return False


@pytest.mark.ray
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the actor process through /proc")
def test_engine_killed_actor_loses_and_doubles_nothing(tmp_path: Path, tiny_model_dir: Path, local_ray) -> None:
    from mediaframe.scale.engine import predict_ray

    n = 5000
    source = write_lines(tmp_path / "s.jsonl", [json.dumps({"id": f"s{i}", "text": sentence(random.Random(i))}) for i in range(n)])
    shards = tmp_path / "out.jsonl.shards"
    killed: dict[str, object] = {}

    def kill_one_actor() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list(shards.glob("part-*")):
            time.sleep(0.01)
        pids = scorer_pids()
        if pids:
            killed["done_before"] = len(list(shards.glob("part-*")))
            os.kill(pids[0], signal.SIGKILL)
            killed["pid"] = pids[0]

    killer = threading.Thread(target=kill_one_actor, daemon=True)
    killer.start()
    settings = cfg("distributed.sentences_per_shard=100", "distributed.keep_shards=true")
    report = predict_ray(tiny_model_dir, source, tmp_path / "out.jsonl", "Netflix", unit="sentence", cfg=settings,
                         workers=2, show_progress=False)
    killer.join(5)
    assert "pid" in killed, "no model actor was found to kill"
    assert killed["done_before"] < 50, "the kill came after the run had finished"
    ids = [row["id"] for row in read_jsonl(tmp_path / "out.jsonl")]
    assert len(ids) == report.sentences == n and len(set(ids)) == n and ids == [f"s{i}" for i in range(n)]
    assert len(list(shards.glob("part-*.jsonl"))) == 50 and not list(shards.glob("*.tmp"))


@pytest.mark.ray
def test_engine_resume_scores_only_missing_shards(tmp_path: Path, tiny_model_dir: Path, local_ray) -> None:
    from mediaframe.scale.engine import predict_ray

    source = write_lines(tmp_path / "s.jsonl", [json.dumps({"id": f"s{i}", "text": sentence(random.Random(i))}) for i in range(300)])
    out, shards = tmp_path / "out.parquet", tmp_path / "out.parquet.shards"
    settings = cfg("distributed.sentences_per_shard=50", "distributed.keep_shards=true")
    predict_ray(tiny_model_dir, source, out, unit="sentence", target="Netflix", cfg=settings, workers=2, show_progress=False)
    first = out.read_bytes()
    manifest = json.loads((shards / "_manifest.json").read_text())
    (shards / "_manifest.json").write_text(json.dumps({**manifest, "complete": False}))  # as if killed before the end
    out.unlink()
    for name in ("part-00001.parquet", "part-00004.parquet"):
        (shards / name).unlink()
    kept = {p.name: p.stat().st_mtime_ns for p in shards.glob("part-*")}
    with pytest.raises(MediaframeError, match="unfinished run exists"):
        predict_ray(tiny_model_dir, source, out, unit="sentence", target="Netflix", cfg=settings, workers=2)
    report = predict_ray(tiny_model_dir, source, out, unit="sentence", target="Netflix", cfg=settings, workers=2,
                         resume=True, show_progress=False)
    assert report.scored == 100 and report.resumed_from == 200 and report.sentences == 300
    assert {p.name: p.stat().st_mtime_ns for p in shards.glob("part-*") if p.name in kept} == kept
    assert out.read_bytes() == first
    import pandas as pd

    assert len(pd.read_parquet(shards)) == 300  # the shard folder reads as one Parquet dataset (the manifest is skipped)
    again = predict_ray(tiny_model_dir, source, out, unit="sentence", target="Netflix", cfg=settings, resume=True)
    assert again.scored == 0 and again.sentences == 0  # finished: nothing to resume


def test_engine_missing_ray_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from mediaframe.scale.engine import import_ray

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(MediaframeError, match=r"Ray is not installed; pip install 'mediaframe\[ray\]'"):
        import_ray()


def test_engine_resume_of_another_run_is_refused(tmp_path: Path, tiny_model_dir: Path) -> None:
    pytest.importorskip("ray")
    from mediaframe.scale.engine import predict_ray

    source = write_lines(tmp_path / "s.jsonl", [json.dumps({"id": "s1", "text": "Netflix pays writers."})])
    shards = tmp_path / "out.jsonl.shards"
    shards.mkdir()
    (shards / "_manifest.json").write_text(json.dumps({"run": {"target": "Other"}, "complete": False, "shards": {}}))
    with pytest.raises(MediaframeError, match="belongs to another run"):
        predict_ray(tiny_model_dir, source, tmp_path / "out.jsonl", "Netflix", unit="sentence", cfg=cfg(), resume=True)
    with pytest.raises(MediaframeError, match="unfinished run exists"):
        predict_ray(tiny_model_dir, source, tmp_path / "out.jsonl", "Netflix", unit="sentence", cfg=cfg())


def test_engine_local_out_must_name_a_table_file(tmp_path: Path) -> None:
    from mediaframe.config import DistributedConfig
    from mediaframe.scale.engine import layout_of

    assert layout_of(tmp_path / "p.parquet", DistributedConfig()).fmt == "parquet"
    assert layout_of(tmp_path / "p.csv", DistributedConfig()).folder == f"{tmp_path / 'p.csv'}.shards"
    remote = layout_of(Path("s3://bucket/run-1"), DistributedConfig())
    assert (remote.folder, remote.final, remote.fmt) == ("s3://bucket/run-1", None, "parquet")
    with pytest.raises(MediaframeError, match="expected a .jsonl, .csv or .parquet"):
        layout_of(tmp_path / "predictions", DistributedConfig())

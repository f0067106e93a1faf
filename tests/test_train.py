"""Training: the model folder it writes, seeds, missing labels, input forms, config errors (tiny model, CPU)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from datasets import Dataset, DatasetDict
from safetensors.torch import load_file

from mediaframe.config import Config, load_config
from mediaframe.errors import MediaframeError
from mediaframe.model.modeling import load_model
from mediaframe.training.data import extra_sources, load_training_data
from mediaframe.training.train import train

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: its data/ and configs/

TINY_CONFIG = REPO_ROOT / "configs" / "tiny.toml"
SENTENCES = [
    ("netflix is good.", "favor", "positive", "economic"),
    ("netflix is terrible.", "against", "negative", "economic"),
    ("the strike was bad.", "neutral", "negative", "policy"),
    ("netflix pays actors a record.", "favor", "positive", "economic"),
    ("the company slammed the writers.", "against", "negative", "fairness_equality"),
    ("a new year of profits.", "neutral", "positive", "economic"),
]


def rows(article_prefix: str, n_articles: int, labels: str = "all") -> list[dict[str, Any]]:
    """Sentences of `n_articles` articles; labels 'all', 'stance' (stance only) or 'none'."""
    out = []
    for a in range(n_articles):
        for i, (text, stance, sentiment, frame) in enumerate(SENTENCES):
            mention = [{"start": 0, "end": 7, "text": "netflix"}] if text.startswith("netflix") else []
            out.append({
                "id": f"{article_prefix}{a}:{i}", "article_id": f"{article_prefix}{a}", "text": text,
                "target": "Netflix", "mentions": mention, "stance": stance if labels != "none" else None,
                "sentiment": sentiment if labels == "all" else None, "frame": frame if labels == "all" else None,
            })
    return out


def tiny_dataset(labels: str = "all") -> DatasetDict:
    return DatasetDict({"train": Dataset.from_list(rows("a", 4, labels)), "validation": Dataset.from_list(rows("v", 1))})


def tiny_config(base: Path, *overrides: str) -> Config:
    return load_config(TINY_CONFIG, [f"model.base_model={base}", *overrides])


def test_training_a_context_model_reads_each_rows_context(tmp_path: Path, tiny_base_model: Path) -> None:
    from mediaframe.inference.predictor import Predictor

    data = tiny_dataset()
    data = DatasetDict({name: split.map(lambda row, i: {"context": f"Earlier: sentence {i % 3}."}, with_indices=True)
                        for name, split in data.items()})
    out = train(data, tiny_config(tiny_base_model, 'model.target_mode="marked"', 'model.context="before"'), tmp_path / "m")
    assert load_model(out).meta["context"] == "before"
    predictor, texts = Predictor(out), [text for text, *_ in SENTENCES]
    alone = predictor.predict_proba(texts, ["Netflix"] * 6)["stance"]
    assert not np.allclose(alone, predictor.predict_proba(texts, ["Netflix"] * 6, None, ["The union struck."] * 6)["stance"])
    with pytest.raises(MediaframeError, match="needs the second segment"):
        train(data, tiny_config(tiny_base_model, 'model.context="before"'), tmp_path / "pair")  # tiny.toml: target pairs


def test_training_writes_one_complete_model_folder(tmp_path: Path, tiny_base_model: Path) -> None:
    out = train(tiny_dataset(), tiny_config(tiny_base_model), tmp_path / "model")
    names = {p.name for p in out.iterdir()}
    assert {"model.safetensors", "mediaframe.json", "config.json", "config.toml", "metrics.json", "README.md"} <= names
    assert not [n for n in names if n.startswith("checkpoint") or n.endswith((".bin", ".pt", ".pkl"))]
    assert [p.name for p in tmp_path.iterdir()] == ["model"], "no staging or checkpoint folder left beside it"
    meta = load_model(out).meta
    assert {"codebook", "config", "data_fingerprint", "metrics", "versions", "labels"} <= set(meta)
    assert meta["data"]["train_rows"] == 24 and meta["config"]["seed"] == 7
    assert "validation" in json.loads((out / "metrics.json").read_text())
    assert "## Metrics (95% bootstrap CIs)" in (out / "README.md").read_text()
    written = load_config(out / "config.toml")  # its paths absolute, as they were resolved when it trained
    assert written.sources.labels == str(Path.cwd() / tiny_config(tiny_base_model).sources.labels)
    assert written.model_dump(exclude={"sources"}) == tiny_config(tiny_base_model).model_dump(exclude={"sources"})


@pytest.mark.parametrize("bf16", ["off", "auto"])
def test_training_same_seed_gives_same_metrics_and_weights(tmp_path: Path, tiny_base_model: Path, bf16: str) -> None:
    cfg = tiny_config(tiny_base_model, "training.epochs=2", f"training.bf16={bf16}")
    first = train(tiny_dataset(), cfg, tmp_path / "one")
    second = train(tiny_dataset(), cfg, tmp_path / "two")
    metrics = [json.loads((m / "metrics.json").read_text()) for m in (first, second)]
    assert metrics[0]["validation"] == metrics[1]["validation"]
    assert metrics[0]["training"]["history"] == metrics[1]["training"]["history"]
    weights = [load_file(str(m / "model.safetensors")) for m in (first, second)]
    assert all((weights[0][k] == weights[1][k]).all() for k in weights[0])


def test_training_other_seed_gives_other_weights(tmp_path: Path, tiny_base_model: Path) -> None:
    first = train(tiny_dataset(), tiny_config(tiny_base_model), tmp_path / "one")
    second = train(tiny_dataset(), tiny_config(tiny_base_model, "seed=8"), tmp_path / "two")
    a, b = (load_file(str(m / "model.safetensors")) for m in (first, second))
    assert not all((a[k] == b[k]).all() for k in a)


def test_training_rows_missing_labels_train(tmp_path: Path, tiny_base_model: Path) -> None:
    dataset = DatasetDict({
        "train": Dataset.from_list(rows("a", 2, "stance") + rows("b", 2, "none") + rows("c", 1)),
        "validation": Dataset.from_list(rows("v", 1, "stance")),
    })
    out = train(dataset, tiny_config(tiny_base_model), tmp_path / "model")
    meta = load_model(out).meta
    assert meta["data"]["label_counts"]["stance"]["favor"] == 6
    assert sum(meta["data"]["label_counts"]["frame"].values()) == 6
    assert set(meta["metrics"]["validation"]) == {"stance"}, "tasks without validation labels are not scored"


def test_training_seed_ensemble_and_snapshot_averaging_are_recorded(tmp_path: Path, tiny_base_model: Path) -> None:
    cfg = tiny_config(tiny_base_model, "training.seeds=[1, 2]", "training.epochs=2", "training.average_checkpoints=2")
    out = train(tiny_dataset(), cfg, tmp_path / "model")
    summary = json.loads((out / "metrics.json").read_text())["training"]
    assert summary["seeds"] == [1, 2] and len(summary["seed_scores"]) == 2
    assert "average_score" in summary and summary["chosen"] in ("weight average", "seed 1", "seed 2")
    assert len(summary["history"]["1"]) == 2


def test_training_continues_from_a_trained_model_folder(tmp_path: Path, tiny_base_model: Path) -> None:
    first = train(tiny_dataset(), tiny_config(tiny_base_model), tmp_path / "first")
    second = train(tiny_dataset("stance"), tiny_config(first, "training.epochs=1"), tmp_path / "second")
    meta = load_model(second).meta
    assert meta["continued_from"] == str(first) and meta["base_model"] == str(tiny_base_model)
    assert f"continued from the mediaframe model {first}" in (second / "README.md").read_text()
    before, after = (load_file(str(m / "model.safetensors")) for m in (first, second))
    moved = {task: (after[f"heads.{task}.weight"] - before[f"heads.{task}.weight"]).abs().max() for task in ("stance", "frame")}
    assert moved["frame"] < 1e-3 < moved["stance"], "no frame labels: only weight decay touches the frame head"


def test_training_prior_correction_shifts_only_head_biases_and_is_recorded(tmp_path: Path, tiny_base_model: Path) -> None:
    on = train(tiny_dataset(), tiny_config(tiny_base_model), tmp_path / "on")
    off = train(tiny_dataset(), tiny_config(tiny_base_model, "training.prior_correction=false"), tmp_path / "off")
    offsets = json.loads((on / "metrics.json").read_text())["training"]["label_prior_offsets"]
    assert "label_prior_offsets" not in json.loads((off / "metrics.json").read_text())["training"]
    corrected, plain = (load_file(str(m / "model.safetensors")) for m in (on, off))
    assert all(torch.equal(corrected[k], plain[k]) for k in corrected if not k.endswith("bias") or "heads" not in k)
    labels = load_model(on).meta["labels"]
    for task in ("stance", "sentiment", "frame"):
        shift = corrected[f"heads.{task}.bias"] - plain[f"heads.{task}.bias"]
        assert torch.allclose(shift, torch.tensor([offsets[task][label] for label in labels[task]]), atol=1e-3)


def test_training_label_outside_codebook_is_refused(tmp_path: Path, tiny_base_model: Path) -> None:
    bad = rows("a", 2)
    bad[3]["stance"] = "positive"
    dataset = DatasetDict({"train": Dataset.from_list(bad), "validation": Dataset.from_list(rows("v", 1))})
    with pytest.raises(MediaframeError, match=r"train row a0:3: stance label 'positive' is not in the codebook"):
        train(dataset, tiny_config(tiny_base_model), tmp_path / "model")
    assert not (tmp_path / "model").exists()


@pytest.mark.parametrize(
    ("override", "field"),
    [("training.bf16=maybe", "training.bf16"), ("training.learning_rate=-1", "training.learning_rate"),
     ("training.layer_decay=1.5", "training.layer_decay"), ("training.epochs=0", "training.epochs"),
     ("training.batch_sise=8", "training.batch_sise")],
)
def test_training_bad_config_value_is_a_clear_error(override: str, field: str) -> None:
    with pytest.raises(MediaframeError, match=field.replace(".", r"\.")):
        load_config(TINY_CONFIG, [override])


def test_training_refuses_out_that_is_not_a_model_folder(tmp_path: Path, tiny_base_model: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    with pytest.raises(MediaframeError, match="not a mediaframe model folder"):
        train(tiny_dataset(), tiny_config(tiny_base_model), tmp_path / "notes")
    assert (tmp_path / "notes" / "keep.txt").read_text() == "mine"


def test_training_replaces_an_older_model_folder(tmp_path: Path, tiny_base_model: Path) -> None:
    out = train(tiny_dataset(), tiny_config(tiny_base_model), tmp_path / "model")
    (out / "stale.txt").write_text("old")
    train(tiny_dataset(), tiny_config(tiny_base_model), out)
    assert not (out / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def write_jsonl(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return path


def test_training_labeled_table_gets_a_grouped_validation_split(tmp_path: Path, tiny_base_model: Path) -> None:
    table = write_jsonl(tmp_path / "labeled.jsonl", rows("a", 10))
    data = load_training_data(table, tiny_config(tiny_base_model, "training.validation_fraction=0.2"))
    train_articles, val_articles = set(data["train"]["article_id"]), set(data["validation"]["article_id"])
    assert len(val_articles) == 2 and not train_articles & val_articles
    assert len(data["train"]) + len(data["validation"]) == 60


def newsmtsc_line(i: int, polarity: int) -> dict[str, Any]:
    sentence = "Senator Vale praised the new plan." if polarity > 0 else "Critics slammed Senator Vale again."
    start = sentence.index("Senator Vale")
    return {"mention": "Senator Vale", "polarity": polarity, "from": start, "to": start + 12, "sentence": sentence,
            "id": f"allsides_{i}_1_{i}_Vale_{start}_{start + 12}"}


def test_training_detects_newsmtsc_jsonl(tmp_path: Path, tiny_base_model: Path) -> None:
    file = write_jsonl(tmp_path / "mtsc.jsonl", [newsmtsc_line(i, [-1, 0, 1][i % 3]) for i in range(12)])
    data = load_training_data(file, tiny_config(tiny_base_model))
    everything = data["train"].to_list() + data["validation"].to_list()
    assert {r["stance"] for r in everything} == {"against", "neutral", "favor"}
    assert all(r["sentiment"] is None and r["mentions"][0]["text"] == "Senator Vale" for r in everything)


def test_training_transfer_rows_come_from_a_path_capped(tmp_path: Path, tiny_base_model: Path) -> None:
    file = write_jsonl(tmp_path / "mtsc.jsonl", [newsmtsc_line(i, 1) for i in range(12)])
    cfg = tiny_config(tiny_base_model, f"training.extra_stance_data={file}", "training.extra_stance_max_rows=5")
    extra = [row for source in extra_sources(cfg) for row in source.rows]
    assert len(extra) == 5 and {r["stance"] for r in extra} == {"favor"}


def transfer_config(tmp_path: Path, base: Path, *overrides: str) -> Config:
    file = write_jsonl(tmp_path / "mtsc.jsonl", [newsmtsc_line(i, [-1, 0, 1][i % 3]) for i in range(30)])
    return tiny_config(base, f"training.extra_stance_data={file}", f"training.transfer_cache={tmp_path / 'cache'}",
                       *overrides)


def test_training_sequential_transfer_continues_from_a_cached_first_stage(
    tmp_path: Path, tiny_base_model: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = transfer_config(tmp_path, tiny_base_model)
    meta = load_model(train(tiny_dataset(), cfg, tmp_path / "one")).meta
    [stage] = (tmp_path / "cache").iterdir()
    assert meta["continued_from"] == str(stage) and meta["data"]["train_rows"] == 24, "extra rows stay out of train"
    first = load_model(stage).meta
    assert first["data"]["label_counts"]["stance"] and not first["data"]["label_counts"]["sentiment"]
    assert first["data"]["train_rows"] + first["data"]["validation_rows"] == 30
    caplog.clear()
    caplog.set_level("INFO", logger="mediaframe.training.transfer")
    again = load_model(train(tiny_dataset(), cfg, tmp_path / "two")).meta
    assert "reusing the first-stage stance model" in caplog.text and again["continued_from"] == str(stage)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [stage.name]
    train(tiny_dataset(), transfer_config(tmp_path, tiny_base_model, "training.transfer_epochs=2"), tmp_path / "three")
    assert len(list((tmp_path / "cache").iterdir())) == 2, "other first-stage settings, another cached model"


def test_training_unwritable_transfer_cache_is_a_clear_error(tmp_path: Path, tiny_base_model: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    cfg = transfer_config(tmp_path, tiny_base_model, f"training.transfer_cache={tmp_path / 'file' / 'cache'}")
    with pytest.raises(MediaframeError, match="transfer cache .* cannot be written"):
        train(tiny_dataset(), cfg, tmp_path / "model")
    assert not (tmp_path / "model").exists()


def test_training_mixed_transfer_adds_the_extra_rows_to_train(tmp_path: Path, tiny_base_model: Path) -> None:
    cfg = transfer_config(tmp_path, tiny_base_model, "training.transfer=mixed")
    meta = load_model(train(tiny_dataset(), cfg, tmp_path / "model")).meta
    assert meta["data"]["train_rows"] == 24 + 30 and "continued_from" not in meta
    assert not (tmp_path / "cache").exists()


def test_training_newsmtsc_asked_for_but_missing_is_one_clear_error(tmp_path: Path, tiny_base_model: Path) -> None:
    cfg = tiny_config(tiny_base_model, "training.extra_stance_data=newsmtsc", f"sources.benchmarks={tmp_path / 'absent'}")
    with pytest.raises(MediaframeError, match=r"NewsMTSC not found: expected .*absent/newsmtsc/split_flat/train.jsonl"):
        extra_sources(cfg)
    with pytest.raises(MediaframeError, match="NewsMTSC not found"):
        train(tiny_dataset(), cfg, tmp_path / "model")
    assert not (tmp_path / "model").exists()


def test_training_unknown_data_form_is_refused(tmp_path: Path, tiny_base_model: Path) -> None:
    (tmp_path / "data.xml").write_text("<rows/>")
    with pytest.raises(MediaframeError, match="expected a .jsonl"):
        load_training_data(tmp_path / "data.xml", tiny_config(tiny_base_model))


def test_training_cli_trains_and_refuses_to_overwrite(tmp_path: Path, tiny_base_model: Path) -> None:
    from typer.testing import CliRunner

    from mediaframe.cli import app

    table = write_jsonl(tmp_path / "labeled.jsonl", rows("a", 5))
    args = ["train", str(table), "--out", str(tmp_path / "model"), "--config", str(TINY_CONFIG),
            "--set", f"model.base_model={tiny_base_model}", "--device", "cpu"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert (tmp_path / "model" / "model.safetensors").is_file()
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 1 and "--force" in again.output


def test_training_optimizer_decays_lower_layers(tiny_base_model: Path) -> None:
    from mediaframe.labels.codebook import load_codebook
    from mediaframe.model.modeling import build_model
    from mediaframe.records import TASKS
    from mediaframe.training.optimization import optimizer

    cfg = tiny_config(tiny_base_model, "training.layer_decay=0.5", "training.learning_rate=0.1")
    loaded = build_model(str(tiny_base_model), {t: load_codebook().labels(t) for t in TASKS}, cfg.model)
    groups = optimizer(loaded.model, cfg.training).param_groups
    rate = {id(p): g["lr"] for g in groups for p in g["params"]}
    named = dict(loaded.model.named_parameters())
    assert rate[id(named["heads.stance.weight"])] == pytest.approx(0.1)
    assert rate[id(named["encoder.encoder.layer.1.output.dense.weight"])] == pytest.approx(0.05)
    assert rate[id(named["encoder.encoder.layer.0.output.dense.weight"])] == pytest.approx(0.025)
    assert rate[id(named["encoder.embeddings.word_embeddings.weight"])] == pytest.approx(0.0125)
    no_decay = {id(p) for g in groups if g["weight_decay"] == 0.0 for p in g["params"]}
    assert id(named["heads.stance.bias"]) in no_decay and id(named["heads.stance.weight"]) not in no_decay


def test_training_class_weights_balance_counts(tiny_base_model: Path) -> None:
    from mediaframe.training.optimization import class_weights

    labels = {"stance": ["against", "neutral", "favor"], "sentiment": ["a", "b"], "frame": ["x"]}
    train_rows = Dataset.from_dict({"stance_labels": [0, 0, 0, 2, -100], "sentiment_labels": [-100] * 5,
                                    "frame_labels": [0] * 5})
    weights = class_weights(train_rows, labels, "balanced")
    assert weights["stance"].tolist() == pytest.approx([4 / 6, 1.0, 2.0])
    assert "sentiment" not in weights
    assert class_weights(train_rows, labels, "none") == {}


@pytest.mark.slow
def test_training_real_base_model_end_to_end(tmp_path: Path) -> None:
    from mediaframe.inference.predictor import Predictor

    cfg = load_config(TINY_CONFIG, ["model.base_model=default", "training.learning_rate=5e-5", "training.batch_size=16"])
    dataset = DatasetDict({"train": Dataset.from_list(rows("a", 6)), "validation": Dataset.from_list(rows("v", 1))})
    loaded = load_model(train(dataset, cfg, tmp_path / "model"))
    probs = Predictor(loaded, 8).predict_proba(["Netflix raised prices again."], ["Netflix"], [[]])
    assert probs["stance"].shape == (1, 3) and probs["frame"].shape[1] == 15
    assert abs(float(probs["stance"].sum()) - 1.0) < 1e-4
    assert loaded.meta["base_model"] == "default"


def test_training_source_weights_repeat_rows_and_unknown_names_are_refused(tmp_path: Path, tiny_base_model: Path) -> None:
    from mediaframe.training.data import extra_sources
    from mediaframe.training.train import prepare_splits

    file = write_jsonl(tmp_path / "mtsc.jsonl", [newsmtsc_line(i, [-1, 0, 1][i % 3]) for i in range(30)])
    labels = {"stance": ["against", "neutral", "favor"], "sentiment": ["negative", "neutral", "positive"],
              "frame": ["economic", "policy", "fairness_equality"]}
    cfg = tiny_config(tiny_base_model, f"training.extra_sources=[\"{file}\"]", "training.transfer=mixed",
                      "training.source_weights={\"data\": 2, \"mtsc\": 3}")
    splits = prepare_splits(tiny_dataset(), cfg, labels, extra_sources(cfg))
    assert len(splits["train"]) == 24 * 2 + 30 * 3 and len(splits["validation"]) == 6
    bad = tiny_config(tiny_base_model, f"training.extra_sources=[\"{file}\"]", "training.source_weights={\"mtcs\": 2}")
    with pytest.raises(MediaframeError, match=r"source_weights: 'mtcs' is no source of this run; expected one of data, mtsc"):
        prepare_splits(tiny_dataset(), bad, labels, extra_sources(bad))


def test_training_replay_rows_sample_every_source_in_proportion(tmp_path: Path, tiny_base_model: Path) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", [newsmtsc_line(i, 1) for i in range(30)])
    second = write_jsonl(tmp_path / "b.jsonl", [newsmtsc_line(100 + i, -1) for i in range(10)])
    cfg = tiny_config(tiny_base_model, f"training.extra_stance_data={first}", f'training.extra_sources=["{second}"]',
                      "training.extra_stance_max_rows=0", "training.replay_rows=8")
    sizes = {source.name: len(source.rows) for source in extra_sources(cfg)}
    assert sizes == {"a": 6, "b": 2}
    again = {source.name: [r["id"] for r in source.rows] for source in extra_sources(cfg)}
    assert again == {source.name: [r["id"] for r in source.rows] for source in extra_sources(cfg)}  # seeded


def test_training_and_import_read_a_flat_newsmtsc_file_without_id_alike(tmp_path: Path) -> None:
    from mediaframe.dataset.builder import import_labeled

    rows = [{k: v for k, v in newsmtsc_line(i, 1).items() if k != "id"} for i in range(3)]
    file = write_jsonl(tmp_path / "flat.jsonl", rows)
    with pytest.raises(MediaframeError, match="expected the flat fields .*id") as by_train:
        load_training_data(file, load_config())
    with pytest.raises(MediaframeError, match="expected the flat fields .*id") as by_import:
        import_labeled(file, tmp_path / "out", load_config())
    assert str(by_train.value) == str(by_import.value)

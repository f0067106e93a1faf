"""The multi-task model: one forward pass, three heads, masked losses, safe save/load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from mediaframe.config import ModelConfig
from mediaframe.errors import MediaframeError
from mediaframe.labels.codebook import load_codebook
from mediaframe.model.modeling import (
    build_model,
    check_label_schema,
    encode,
    load_model,
    mark_mentions,
    save_model,
)
from mediaframe.records import TASKS


def batch_for(tokenizer, texts: list[str]) -> dict[str, torch.Tensor]:
    enc = encode(tokenizer, texts, ["Netflix"] * len(texts), None, 32, "pair", padding=True)
    return {k: torch.tensor(v) for k, v in enc.items()}


def test_modeling_one_forward_gives_three_heads(tiny_model_dir: Path) -> None:
    loaded = load_model(tiny_model_dir)
    out = loaded.model(**batch_for(loaded.tokenizer, ["netflix is good.", "the strike."]))
    assert out["stance_logits"].shape == (2, 3)
    assert out["sentiment_logits"].shape == (2, 3)
    assert out["frame_logits"].shape == (2, len(load_codebook().frame))
    assert "loss" not in out


def test_modeling_missing_label_contributes_no_loss(tiny_model_dir: Path) -> None:
    loaded = load_model(tiny_model_dir)
    batch = batch_for(loaded.tokenizer, ["netflix is good.", "the strike."])
    only_stance = loaded.model(**batch, stance_labels=torch.tensor([0, 2]), frame_labels=torch.tensor([-100, -100]))
    with_frame = loaded.model(**batch, stance_labels=torch.tensor([0, 2]), frame_labels=torch.tensor([1, -100]))
    stance_alone = loaded.model(**batch, stance_labels=torch.tensor([0, 2]))
    assert torch.isclose(only_stance["loss"], stance_alone["loss"])
    assert with_frame["loss"] > only_stance["loss"]


def test_modeling_save_load_round_trip_gives_same_logits(tiny_model_dir: Path, tmp_path: Path) -> None:
    loaded = load_model(tiny_model_dir)
    save_model(loaded, tmp_path / "again")
    again = load_model(tmp_path / "again")
    batch = batch_for(loaded.tokenizer, ["netflix slammed the writers."])
    assert torch.allclose(loaded.model(**batch)["frame_logits"], again.model(**batch)["frame_logits"])
    assert not list((tmp_path / "again").glob("*.bin")), "weights must be safetensors only"


def test_modeling_refuses_folder_that_is_not_ours(tiny_base_model: Path) -> None:
    with pytest.raises(MediaframeError, match="not a mediaframe model folder"):
        load_model(tiny_base_model)


def test_modeling_refuses_weights_that_do_not_fit_labels(tiny_model_copy: Path) -> None:
    meta_file = tiny_model_copy / "mediaframe.json"
    meta = json.loads(meta_file.read_text())
    meta["labels"]["frame"] = meta["labels"]["frame"][:4]
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(MediaframeError, match="do not match the label schema"):
        load_model(tiny_model_copy)


def test_modeling_label_schema_mismatch_is_named(tiny_model_dir: Path) -> None:
    meta = load_model(tiny_model_dir).meta
    with pytest.raises(MediaframeError, match="frame labels"):
        check_label_schema(meta, {"frame": ["economic", "other"]}, "data.jsonl")


def codebook_labels() -> dict[str, list[str]]:
    codebook = load_codebook()
    return {task: list(codebook.labels(task)) for task in TASKS}


def test_modeling_mediaframe_folder_as_base_continues_from_its_heads(tiny_model_dir: Path) -> None:
    trained = load_model(tiny_model_dir)
    continued = build_model(str(tiny_model_dir), codebook_labels(), ModelConfig(max_length=64, dropout=0.3)).model.eval()
    batch = batch_for(trained.tokenizer, ["netflix slammed the writers."])
    for task in TASKS:
        assert torch.equal(trained.model(**batch)[f"{task}_logits"], continued(**batch)[f"{task}_logits"])
    assert continued.dropout.p == 0.3


def test_modeling_continuing_records_both_origins(tiny_model_dir: Path) -> None:
    meta = build_model(str(tiny_model_dir), codebook_labels(), ModelConfig(max_length=64)).meta
    assert meta["continued_from"] == str(tiny_model_dir)
    assert meta["base_model"] == load_model(tiny_model_dir).meta["base_model"]


def test_modeling_continuing_with_other_input_settings_says_so(tiny_model_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    meta = build_model(str(tiny_model_dir), codebook_labels(), ModelConfig(max_length=64, target_mode="marked",
                                                                           context="before")).meta
    assert meta["context"] == "before" and meta["target_mode"] == "marked"
    assert "trained with target_mode 'pair'" in caplog.text and "trained with context 'none'" in caplog.text
    with pytest.raises(MediaframeError, match="needs the second segment"):
        build_model(str(tiny_model_dir), codebook_labels(), ModelConfig(max_length=64, target_mode="pair", context="before"))


def test_modeling_continuing_keeps_the_heads_whose_labels_match(tiny_model_dir: Path) -> None:
    import torch

    labels = codebook_labels()
    parent = load_model(tiny_model_dir).model
    child = build_model(str(tiny_model_dir), {**labels, "stance": ["against", "favor"]}, ModelConfig(target_mode="pair"))
    assert child.model.heads["stance"].out_features == 2 and child.meta["labels"]["stance"] == ["against", "favor"]
    for task in ("sentiment", "frame"):
        assert torch.equal(child.model.heads[task].weight, parent.heads[task].weight)
    assert torch.equal(child.model.encoder.embeddings.word_embeddings.weight, parent.encoder.embeddings.word_embeddings.weight)


def test_modeling_continuing_needs_the_same_pooling(tiny_model_dir: Path) -> None:
    labels = codebook_labels()
    with pytest.raises(MediaframeError, match="set model.pooling='mean'"):
        build_model(str(tiny_model_dir), labels, ModelConfig(pooling="cls"))


def test_modeling_unreachable_base_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MediaframeError, match="could not be loaded"):
        build_model(str(tmp_path / "no-such-model"), {t: ["a", "b"] for t in TASKS}, ModelConfig())


def test_modeling_mark_mentions_wraps_each_span() -> None:
    text = "Netflix said the streamer won."
    marked = mark_mentions(text, [{"start": 0, "end": 7}, {"start": 13, "end": 25}])
    assert marked == "<< Netflix >> said << the streamer >> won."


def test_modeling_pair_mode_truncates_sentence_not_target(tiny_model_dir: Path) -> None:
    tokenizer = load_model(tiny_model_dir).tokenizer
    long_text = " ".join(["netflix"] * 200)
    enc = encode(tokenizer, [long_text], ["orbital foods"], None, 16, "pair")
    ids = enc["input_ids"][0]
    assert len(ids) == 16
    assert tokenizer.decode(ids).endswith("orbital foods [SEP]")


@pytest.mark.parametrize("name", ["news", "news-teacher"])
def test_modeling_shipped_names_find_the_package_folders_unless_a_folder_of_that_name_is_here(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mediaframe.model import shipped
    from mediaframe.model.modeling import continued_name, resolve_base_model

    folder = shipped.model_path(name)
    assert folder == shipped.shipped_folder(name) and shipped.shipped_record(folder)["name"] == name
    assert resolve_base_model(name) == str(folder) and continued_name(folder) == name
    assert load_model(folder).meta["labels"] == load_model(shipped.model_path("news")).meta["labels"]
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).mkdir()
    assert shipped.model_path(name) == Path(name) and continued_name(tmp_path / name) == str(tmp_path / name)
    (tmp_path / name).rmdir()
    monkeypatch.setattr(shipped, "shipped_folder", lambda _: tmp_path / "missing")
    with pytest.raises(MediaframeError, match=f"no shipped model '{name}'"):
        shipped.model_path(name)


def test_modeling_training_starts_from_the_shipped_teacher_by_default() -> None:
    assert ModelConfig().base_model == "news-teacher"

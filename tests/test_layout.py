"""The package layout follows the data flow: stages import only earlier stages, no module imports itself back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "mediaframe"
ROOT = SRC.parent
# Pipeline order: a module may import from its own stage and from stages before it, never after.
STAGES = ["errors", "records", "config_sections", "config", "hardware", "numbers", "files", "tables", "progress", "interrupts", "stats", "corpus",
          "labels", "dataset", "model", "inference", "training", "evaluation", "predict", "analyst", "compare", "scale", "cli", "__main__"]
MAX_MODULE_LINES = 300  # STYLE.md: modules of at most 300 lines


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """mediaframe modules `path` imports, at the top or inside functions (`from a import b` counts a.b when a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "mediaframe":
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names} & known
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "mediaframe"}
    return found & known


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(files)
    return {name: imported_modules(path, known) - {name} for name, path in files.items()}


def stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def cycle_from(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """A path start -> ... -> start, if there is one."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for nxt in graph[node]:
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def test_layout_has_no_import_cycle() -> None:
    graph = import_graph()
    graph["mediaframe"] = set()  # the package's lazy exports name every stage by design
    cycles = [c for c in (cycle_from(graph, m) for m in graph) if c]
    assert not cycles, f"import cycles: {cycles[:3]}"


def test_layout_stages_import_only_earlier_stages() -> None:
    upward = []
    for module, deps in import_graph().items():
        if module == "mediaframe":
            continue
        for dep in deps:
            if dep != "mediaframe" and STAGES.index(stage(dep)) > STAGES.index(stage(module)):
                upward.append(f"{module} -> {dep}")
    assert not upward, f"imports against the data flow: {upward}"


def test_layout_every_stage_is_known() -> None:
    assert {stage(m) for m in import_graph() if m != "mediaframe"} <= set(STAGES)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layout_modules_stay_readable_at_once(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.name}: {lines} lines; split it by job (STYLE.md)"


HEAVY = ("torch", "transformers", "datasets", "accelerate")  # what `predict` must not load to start in a second


@pytest.mark.parametrize("path", sorted((PACKAGE / "inference").glob("*.py")), ids=lambda p: p.name)
def test_layout_inference_imports_no_torch_at_module_level(path: Path) -> None:
    """Only statements run on import count: the body of a function may import torch when it needs it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    names = [alias.name for node in top if isinstance(node, ast.Import) for alias in node.names]
    names += [node.module or "" for node in top if isinstance(node, ast.ImportFrom)]
    assert not [n for n in names if n.split(".")[0] in HEAVY], f"{path.name} imports {names} at module level"


def test_layout_inference_loads_without_torch() -> None:
    import subprocess
    import sys

    modules = [module_name(p) for p in sorted((PACKAGE / "inference").glob("*.py"))]
    code = (f"import sys, importlib; [importlib.import_module(m) for m in {modules!r}]; "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]", f"importing inference/ loaded {loaded}"


@pytest.mark.parametrize("path", sorted([*(ROOT / "bench").glob("*.py"), *(ROOT / "scripts").glob("*.py")]),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_layout_benches_and_scripts_import_names_that_exist(path: Path) -> None:
    """bench/ and scripts/ are not imported by the tests; a name they take from mediaframe must still exist."""
    import importlib.util

    missing = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "mediaframe":
            module = importlib.import_module(node.module)
            missing += [f"{node.module}.{a.name}" for a in node.names
                        if not hasattr(module, a.name) and importlib.util.find_spec(f"{node.module}.{a.name}") is None]
    assert not missing, f"{path.name} imports names mediaframe no longer has: {missing}"

"""No import cycle anywhere in ``src/``: every import counted, those inside functions too
(import-linter's contracts check the layers; a cycle inside one layer is this test's)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def _graph() -> dict[str, set[str]]:
    modules: dict[str, Path] = {}
    for path in (SRC / "wheeltrain").rglob("*.py"):
        name = ".".join(path.relative_to(SRC).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found = {node.module} | {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                found = {a.name for a in node.names}
            else:
                continue
            edges[name] |= {m for m in found if m in modules and m != name}
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    state: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_no_module_of_wheeltrain_imports_itself_through_others() -> None:
    edges = _graph()
    assert "wheeltrain.adapters.builder" in edges["wheeltrain.stages.edge"]
    assert _cycles(edges) == []


def test_the_detector_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_module_writes_the_process_environment() -> None:
    """Process and environment handling is the adapters' (``proc.child_environment``, or an
    ``env=`` passed to the child): nothing in ``src/`` writes ``os.environ``."""
    writes: list[str] = []
    for path in (SRC / "wheeltrain").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            target = None
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
                targets = (
                    node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
                )
                target = next((t for t in targets if isinstance(t, ast.Subscript)), None)
                if target is not None and ast.unparse(target.value) == "os.environ":
                    writes.append(f"{path.name}:{node.lineno}")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = ast.unparse(node.func.value)
                if owner == "os.environ" and node.func.attr in (
                    "update",
                    "pop",
                    "setdefault",
                    "clear",
                    "popitem",
                    "__setitem__",
                ):
                    writes.append(f"{path.name}:{node.lineno}")
                if owner == "os" and node.func.attr in ("putenv", "unsetenv"):
                    writes.append(f"{path.name}:{node.lineno}")
    assert writes == []

"""Layers point one way: graphlib imports nothing of ops/compiler/printing; ops nothing of
compiler/printing (one documented exception); compiler nothing of printing."""
import ast
from pathlib import Path

import pytest

import minitheano

ROOT = Path(minitheano.__file__).parent

# (module file, enclosing function, imported module): the lazy import inside
# TensorVariable.eval, which compiles a function to evaluate the variable.
ALLOWED = {("ops/type.py", "eval", "minitheano.compiler.function")}

FORBIDDEN = {
    "graphlib": ("minitheano.ops", "minitheano.compiler", "minitheano.printing",
                 "minitheano.tensor", "minitheano.gradient"),
    "ops": ("minitheano.compiler", "minitheano.printing"),
    "compiler": ("minitheano.printing",),
}


def _imports(path: Path):
    """(imported module, enclosing function name or None) for every import in `path`."""
    rel = path.relative_to(ROOT)
    package = ["minitheano", *rel.parts[:-1]]
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []

    def visit(node, func):
        for child in ast.iter_child_nodes(node):
            f = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else func
            if isinstance(child, ast.Import):
                found.extend((a.name, f) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = package[:len(package) - child.level + 1] if child.level else []
                mod = ".".join(base + ([child.module] if child.module else []))
                found.append((mod, f))
                if not child.module:  # `from .. import compiler` imports a submodule by name
                    found.extend((f"{mod}.{a.name}", f) for a in child.names)
            visit(child, f)

    visit(tree, None)
    return found


def _violations(layer: str):
    bad = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        for mod, func in _imports(path):
            for prefix in FORBIDDEN[layer]:
                if (mod == prefix or mod.startswith(prefix + ".")) and (rel, func, mod) not in ALLOWED:
                    bad.append(f"{rel} ({func or 'module level'}) imports {mod}")
    return bad


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_one_way(layer):
    assert _violations(layer) == []


def test_the_walker_sees_relative_and_lazy_imports():
    """The check is not vacuous: it resolves relative imports and finds the known exception."""
    found = _imports(ROOT / "ops" / "type.py")
    assert ("minitheano.compiler.function", "eval") in found
    assert any(m == "minitheano.graphlib" for m, _ in found)
    assert ("minitheano.ops.elemwise", "_ew") in found

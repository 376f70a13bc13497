"""The seed intro notebook (../shared/seeds/001_theano_intro.md), run cell by cell with only the
imports changed, must print the notebook's numbers (to 1e-6) and write its pictures."""
from __future__ import annotations

import ast
import contextlib
import io
import re
from pathlib import Path

import numpy as np

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "001_theano_intro.md"
HERE_SEED = Path(__file__).resolve().parent / "data" / "001_theano_intro.md"
NUMBER = re.compile(r"[-+]?\d+\.\d+(?:e[-+]?\d+)?")
IMPORTS = [("from theano.printing import", "from minitheano.printing import"),
           ("from theano.compile.ops import", "from minitheano.compile.ops import"),
           ("from theano import tensor as T", "from minitheano import tensor as T"),
           ("import theano", "import minitheano as theano")]


def parse_cells(text: str) -> list[tuple[str, list[str]]]:
    """(code, [output blocks]) for each code cell; outputs sit above the code in the seed copy."""
    cells = []
    for block in text.split("## [code]")[1:]:
        block = block.split("## [markdown]")[0]
        lines = block.strip("\n").split("\n")
        outputs, code, current = [], [], None
        for line in lines:
            if line.strip() == "# [output]":
                current = []
                outputs.append(current)
            elif current is not None and _output_continues(current, line):
                current.append(line)
            elif current is not None and line.strip() == "":
                current = None
            else:
                current = None
            if current is None and line.strip() != "# [output]":
                code.append(line)
        cells.append(("\n".join(code).strip("\n"), ["\n".join(o) for o in outputs]))
    return cells


def _output_continues(block: list[str], line: str) -> bool:
    """Outputs have no end marker: the first line, indented lines and open brackets continue."""
    if not line.strip():
        return False
    text = "\n".join(block)
    unbalanced = text.count("[") > text.count("]") or text.count("(") > text.count(")")
    return not block or line.startswith(" ") or unbalanced


def port(code: str) -> str:
    """The cell with only the imports changed (Theano -> minitheano)."""
    for old, new in IMPORTS:
        code = code.replace(old, new)
    return code


def run_cell(code: str, ns: dict) -> str:
    """Run a cell like a notebook: stdout plus the repr of a trailing expression."""
    tree = ast.parse(code)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(tree, "<cell>", "exec"), ns)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), ns)
            if value is not None:
                print(repr(value))
    return buf.getvalue()


def numbers(text: str) -> list[float]:
    return [float(x) for x in NUMBER.findall(text)]


def seed_text() -> str:
    for p in (SEED, HERE_SEED):
        if p.exists():
            return p.read_text()
    raise FileNotFoundError(f"the seed notebook is missing: {SEED} or {HERE_SEED}")


def test_intro_notebook_reproduces_printed_numbers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cells = parse_cells(seed_text())
    assert len(cells) > 20
    ns: dict = {}
    checked = 0
    for code, outputs in cells:
        printed = run_cell(port(code), ns)
        plain = [o for o in outputs
                 if not any(skip in o for skip in ("output file", "Image", "[@"))]
        for o in plain:
            if not numbers(o):  # e.g. the broadcastable patterns
                assert printed.strip() == o.strip(), code
                checked += 1
        for exp in [numbers(o) for o in plain if numbers(o)]:
            got = numbers(printed)
            assert len(got) == len(exp), f"cell:\n{code}\nprinted:\n{printed}\nexpected {exp}"
            np.testing.assert_allclose(got, exp, rtol=1e-6, atol=1e-8, err_msg=code)
            checked += 1
    assert checked == 13  # every value-printing cell of the notebook was compared
    for name in ("f", "g", "h", "f_notcompact", "cost_and_upd", "cost_and_perform_updates"):
        png = tmp_path / f"pydotprint_{name}.png"
        assert png.exists() and png.stat().st_size > 1000, png
    # the as_op cell defined an op; it must compile and compute a float32 product
    a = np.arange(6, dtype="float32").reshape(2, 3)
    fa, fb = ns["theano"].tensor.fmatrices("a", "b")
    prod = ns["theano"].function([fa, fb], ns["numpy_dot"](fa, fb))
    np.testing.assert_allclose(prod(a, a.T), a @ a.T)


def test_debugprint_cells_show_the_graph(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cells = parse_cells(seed_text())
    ns: dict = {}
    shown = []
    for code, _ in cells[:6]:
        out = run_cell(port(code), ns)
        if "debugprint" in code:
            shown.append(out)
    assert shown[0].splitlines()[0].startswith("dot [id A]")
    assert " |x [id B]" in shown[0] and " |W [id C]" in shown[0]
    assert "sigmoid" in shown[1].splitlines()[0]

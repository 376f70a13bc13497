"""The notebooks in notebooks/ run top to bottom without errors in a fresh python3 kernel, their
stored outputs come from a real run of the current cells, and the intro notebook prints the
seed's numbers."""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (pip install -e '.[dev]')")
nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (pip install -e '.[dev]')")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
# what each notebook must print (whitespace removed), beyond running without errors
EXPECTED = {
    "01_intro_to_minitheano": ["[1.79048354,0.03158954,-0.26423186]",  # f(x_val, W_val)
                               "[0.9421594,0.73722395,0.67606977]",    # g(x_val, W_val, b_val)
                               "[1.90651511,0.60431744,-0.64253361]",  # givens and clone
                               "[1.785870620.00189954-0.28566499]"],   # shared W: f(x_val)
    "02_graphs_and_gradients": ["bothgradientsagreewithfinitedifferences",
                                "differsfromfinitedifferences"],  # the wrong as_op grad
    "03_rewrites_and_numba": ["inputsunchanged:True"],
    "04_scan_and_models": ["[1.,2.,3.,5.,8.,13.,21.,34.,55.,89.]",  # Fibonacci with taps
                           "gradientthroughscanverified"],
}


def _build_module():
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("notebooks_build", module)
    spec.loader.exec_module(module)
    return module


def _require_kernel() -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    try:
        KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        pytest.skip("no python3 Jupyter kernel (pip install ipykernel)")


def _text(nb) -> str:
    """All text outputs of the code cells, whitespace removed."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                parts.append(out.text)
            elif "data" in out:
                parts.append(out.data.get("text/plain", ""))
    return re.sub(r"\s+", "", "".join(parts))


def _errors(nb) -> list[str]:
    return [f"cell {k}: {out.ename}: {out.evalue}" for k, cell in enumerate(nb.cells)
            for out in cell.get("outputs", []) if out.output_type == "error"]


def test_notebooks_exist():
    assert (NOTEBOOKS / "01_intro_to_minitheano.ipynb") in PATHS


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_stored_notebook_is_a_run_of_its_cells(path):
    """The stored notebook holds the cells build.py writes, all executed, in order, no errors."""
    nb = nbformat.read(path, as_version=4)
    cells = _build_module().NOTEBOOKS[path.stem]
    assert [c.source for c in nb.cells] == [text for _, text in cells], \
        f"{path.name} is out of date with notebooks/build.py: run `python notebooks/build.py`"
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: not run top to bottom"
    assert not _errors(nb)
    for expected in EXPECTED.get(path.stem, []):
        assert expected in _text(nb), f"{path.name}: stored outputs lack {expected}"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs_top_to_bottom(path, tmp_path):
    _require_kernel()
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, naming the cell, on the first error
    assert not _errors(nb)
    text = _text(nb)
    for expected in EXPECTED.get(path.stem, []):
        assert expected in text, f"{path.name}: outputs lack {expected}"
    if path.stem == "04_scan_and_models":  # scan's BPTT equals the hand-written numpy one
        diff = re.search(r"maxdifference:([-+.e\d]+)", text)
        assert diff and float(diff.group(1)) < 1e-8, diff

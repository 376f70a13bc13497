"""debugprint (golden trees as in the seed notebook), pp, and pydotprint (files written by the
real graphviz `dot`, graph structure checked on the generated source)."""
from __future__ import annotations

import io
import re

import graphviz
import numpy as np
import pytest

import minitheano as theano
from minitheano import tensor as T
from minitheano.compiler.mode import Mode
from minitheano.graphlib import Apply, Op
from minitheano.ops import scalar as S
from minitheano.ops.elemwise import Elemwise
from minitheano.ops.gemm import gemv_inplace
from minitheano.printing import debugprint, pp, pydot_graph, pydotprint

NO_REWRITE = Mode(linker="py", optimizer=None)


@pytest.fixture
def seed():
    """The seed notebook's first graph: dot = x·W, out = sigmoid(dot + b)."""
    x, W, b = T.vector("x"), T.matrix("W"), T.vector("b")
    dot = T.dot(x, W)
    return x, W, b, dot, T.nnet.sigmoid(dot + b)


def lines(text: str) -> list[str]:
    return text.rstrip("\n").split("\n")


# -- debugprint of variables ------------------------------------------------------------------
def test_debugprint_dot_matches_seed_shape(seed):
    x, W, b, dot, out = seed
    assert debugprint(dot, file="str") == "dot [id A] ''\n |x [id B]\n |W [id C]\n"


def test_debugprint_out_matches_seed_shape(seed):
    *_, out = seed
    assert lines(debugprint(out, file="str")) == [
        "Elemwise{sigmoid} [id A] ''",
        " |Elemwise{add} [id B] ''",
        "   |dot [id C] ''",
        "   | |x [id D]",
        "   | |W [id E]",
        "   |b [id F]",
    ]


def test_debugprint_print_type_and_names(seed):
    x, W, b, dot, out = seed
    s = dot + b
    s.name = "s"
    text = debugprint(s, file="str", print_type=True)
    assert lines(text) == [
        "Elemwise{add} [id A] <TensorType(float64, vector)> 's'",
        " |dot [id B] <TensorType(float64, vector)> ''",
        " | |x [id C] <TensorType(float64, vector)>",
        " | |W [id D] <TensorType(float64, matrix)>",
        " |b [id E] <TensorType(float64, vector)>",
    ]


def test_debugprint_shared_subtree_printed_once(seed):
    x, W, b, dot, out = seed
    y = dot * dot + T.constant(1.0)
    assert lines(debugprint(y, file="str")) == [
        "Elemwise{add} [id A] ''",
        " |Elemwise{mul} [id B] ''",
        " | |dot [id C] ''",
        " | | |x [id D]",
        " | | |W [id E]",
        " | |dot [id C] ''",     # second reference: the line only, same id
        " |DimShuffle{x} [id F] ''",
        "   |TensorConstant{1.0} [id G]",
    ]


def test_debugprint_list_apply_depth_and_id_styles(seed):
    x, W, b, dot, out = seed
    both = debugprint([dot, out], file="str")
    assert both.startswith("dot [id A] ''\n |x [id B]\n |W [id C]\nElemwise{sigmoid} [id D] ''")
    assert "   |dot [id A] ''\n   |b [id F]" in both  # the repeated dot is not expanded again
    assert debugprint(dot.owner, file="str") == debugprint(dot, file="str")
    assert debugprint(out, file="str", depth=2) == \
        "Elemwise{sigmoid} [id A] ''\n |Elemwise{add} [id B] ''\n"
    assert debugprint(dot, file="str", ids="int") == "dot [id 0] ''\n |x [id 1]\n |W [id 2]\n"
    assert debugprint(dot, file="str", ids="") == "dot ''\n |x\n |W\n"


def test_debugprint_done_shares_ids_across_calls(seed):
    x, W, b, dot, out = seed
    done: dict = {}
    debugprint(dot, file="str", done=done)
    second = debugprint(out, file="str", done=done)
    # dot, x and W keep A, B, C from the first call; the new nodes continue at D
    assert second == ("Elemwise{sigmoid} [id D] ''\n |Elemwise{add} [id E] ''\n"
                      "   |dot [id A] ''\n   |b [id F]\n")


def test_debugprint_many_ids_go_past_z():
    from minitheano.printing.debugprint import char_from_number
    assert [char_from_number(n) for n in (0, 25, 26, 27, 26 * 26)] == ["A", "Z", "BA", "BB", "BAA"]
    xs = [T.scalar(f"x{k}") for k in range(30)]
    text = debugprint(T.stack(xs), file="str")
    assert "[id BA]" in text and len(set(re.findall(r"\[id (\w+)\]", text))) >= 30


def test_debugprint_stdout_and_file_objects(seed, capsys):
    *_, dot, out = seed
    assert debugprint(dot) is None
    assert capsys.readouterr().out == debugprint(dot, file="str")
    buf = io.StringIO()
    assert debugprint(out, file=buf) is buf
    assert buf.getvalue() == debugprint(out, file="str")


def test_debugprint_bad_arguments(seed):
    *_, dot, out = seed
    with pytest.raises(ValueError, match="ids must be one of"):
        debugprint(dot, ids="hex")
    with pytest.raises(TypeError, match="expected a Variable.*got int"):
        debugprint(3)
    with pytest.raises(TypeError, match="depth must be an int"):
        debugprint(dot, depth=1.5)


def test_debugprint_destroy_and_view_maps():
    y, A, x = T.vector("y"), T.matrix("A"), T.vector("x")
    z = gemv_inplace(y, 1.0, A.T, x, 0.0)
    text = debugprint(z, file="str", print_destroy_map=True, print_view_map=True)
    assert lines(text) == [  # the seed's compiled-f shape: transposed W as a named view
        "Gemv{inplace} [id A] '' d={0: [0]}",
        " |y [id B]",
        " |TensorConstant{1.0} [id C]",
        " |DimShuffle{1,0} [id D] 'A.T' v={0: [0]}",
        " | |A [id E]",
        " |x [id F]",
        " |TensorConstant{0.0} [id G]",
    ]
    assert "d=" not in debugprint(z, file="str")  # maps only when asked for


# -- debugprint of compiled functions ---------------------------------------------------------
def test_debugprint_function_golden_without_rewrites(seed):
    x, W, b, dot, out = seed
    h = theano.function([x, W, b], [dot, out], mode=NO_REWRITE)
    assert lines(debugprint(h, file="str")) == [
        "dot [id A] '' 0",
        " |x [id B]",
        " |W [id C]",
        "Elemwise{sigmoid} [id D] '' 2",
        " |Elemwise{add} [id E] '' 1",
        "   |dot [id A] '' 0",
        "   |b [id F]",
    ]


def test_debugprint_function_positions_follow_execution_order(seed):
    x, W, b, dot, out = seed
    g = theano.function([x, W, b], out)  # default mode: whatever the rewrites made of it
    text = debugprint(g, file="str")
    assert text == debugprint(g, file="str")  # deterministic across calls
    g2 = theano.function([x, W, b], out)
    assert debugprint(g2, file="str") == text  # and across compilations
    order = g.fgraph.toposort()
    positions = {}
    for line in lines(text):
        m = re.fullmatch(r"[ |]*(\S.*?) \[id (\w+)\] '[^']*' (\d+)", line)
        if m:
            positions[m.group(2)] = (m.group(1), int(m.group(3)))
    assert sorted(p for _, p in positions.values()) == list(range(len(order)))
    for op_str, pos in positions.values():
        assert op_str == str(order[pos].op)


def test_debugprint_function_shows_updates():
    x = T.vector("x")
    w = theano.shared(np.ones(3), name="w")
    c = theano.shared(np.float64(0.0), name="c")
    f = theano.function([x], (x * w).sum(), updates=[(w, w - x), (c, c + 1.0)],
                        mode=NO_REWRITE)
    text = debugprint(f, file="str")
    out_part, upd_part = text.split("\nUpdates:\n")
    assert lines(out_part) == [
        "Sum{axis=[0]} [id A] '' 1",
        " |Elemwise{mul} [id B] '' 0",
        "   |x [id C]",
        "   |w [id D]",
    ]
    assert lines(upd_part) == [
        "w [id D] <- Elemwise{sub} [id E] '' 2",
        " |w [id D]",
        " |x [id C]",
        "c [id F] <- Elemwise{add} [id G] '' 3",
        " |c [id F]",
        " |TensorConstant{1.0} [id H]",
    ]
    # the targets really are the ones the function writes
    f(np.full(3, 0.5))
    np.testing.assert_allclose(w.get_value(), 0.5)
    assert c.get_value() == 1.0


def test_debugprint_composite_formula_in_inner_graphs():
    x, y = T.vector("x"), T.vector("y")
    comp = S.Composite(2, ("float64", "float64"),
                       ((S.SCALAR_OPS["mul"], (0, 1), "float64"),
                        (S.SCALAR_OPS["exp"], (2,), "float64")), (3,))
    z = Elemwise(comp, {0: 0})(x, y)
    text = debugprint(z, file="str")
    head, inner = text.split("\nInner graphs:\n\n")
    assert lines(head) == [f"{z.owner.op} [id A] ''", " |x [id B]", " |y [id C]"]
    assert lines(inner) == [f"{z.owner.op} [id A] ''", f" >{comp.formula()[0]}"]
    assert "i0" in comp.formula()[0] and "exp" in comp.formula()[0]


class _Loop(Op):
    """A stand-in for Scan: an op carrying an inner graph (inner_inputs -> inner_outputs)."""

    def __init__(self, inner_inputs, inner_outputs):
        self.inner_inputs, self.inner_outputs = inner_inputs, inner_outputs

    def make_node(self, *inputs):
        return Apply(self, list(inputs), [o.type.make_variable() for o in self.inner_outputs])

    def __str__(self):
        return "for{scan_fn}"


def test_debugprint_inner_graph_section_for_scan_like_ops():
    a, h = T.vector("a"), T.vector("h_tm1")
    loop = _Loop([a, h], [T.tanh(a + h)])
    x0, seq = T.vector("x0"), T.vector("seq")
    out = loop(seq, x0)
    text = debugprint(out, file="str")
    assert lines(text) == [
        "for{scan_fn} [id A] ''",
        " |seq [id B]",
        " |x0 [id C]",
        "",
        "Inner graphs:",
        "",
        "for{scan_fn} [id A] ''",
        " >Elemwise{tanh} [id D] ''",
        " > |Elemwise{add} [id E] ''",
        " >   |a [id F]",
        " >   |h_tm1 [id G]",
    ]


# -- pp ---------------------------------------------------------------------------------------
def test_pp_seed_expression(seed):
    *_, out = seed
    assert pp(out) == "sigmoid((dot(x, W) + b))"


@pytest.mark.parametrize("build, expected", [
    (lambda x, y, M: x * y - x / y, "((x * y) - (x / y))"),
    (lambda x, y, M: x ** 2, "(x ** TensorConstant{2.0})"),
    (lambda x, y, M: -x + abs(y), "(-x + abs(y))"),
    (lambda x, y, M: (x < y) | (x >= y), "((x < y) | (x >= y))"),
    (lambda x, y, M: T.eq(x, y), "(x == y)"),
    (lambda x, y, M: M.T, "M.T"),
    (lambda x, y, M: T.exp(M + x).sum(axis=0), "Sum{axis=[0]}(exp((M + x)))"),
    (lambda x, y, M: T.dot(M, x) + 1.5, "(dot(M, x) + TensorConstant{1.5})"),
])
def test_pp_infix_and_call_forms(build, expected):
    x, y, M = T.vector("x"), T.vector("y"), T.matrix("M")
    assert pp(build(x, y, M)) == expected


def test_pp_rejects_non_variables():
    with pytest.raises(TypeError, match="pp: expected a symbolic Variable, got list"):
        pp([T.vector("x")])


# -- pydotprint -------------------------------------------------------------------------------
def _updating_function():
    x, y = T.vector("x"), T.vector("y")
    W = theano.shared(np.ones((3, 2)), name="W")
    b = theano.shared(np.zeros(2), name="b")
    out = T.nnet.sigmoid(T.dot(x, W) + b)
    cost = ((out - y) ** 2).sum()
    gW, gb = theano.grad(cost, [W, b])
    return theano.function([x, y], cost, updates=[(W, W - 0.1 * gW), (b, b - 0.1 * gb)],
                           mode=NO_REWRITE)


ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^ \]]+)')


def _attrs(text: str | None) -> dict[str, str]:
    return {k: v.strip('"') for k, v in ATTR.findall(text or "")}


def _nodes(source: str) -> dict[str, dict]:
    """graphviz node name -> its attributes."""
    found = re.findall(r"^\t(\w+) \[(.*)\]$", source, re.M)
    return {k: _attrs(a) for k, a in found if k not in ("graph", "node", "edge")}


def _edges(source: str) -> list[tuple[str, str, dict]]:
    return [(s, d, _attrs(a))
            for s, d, a in re.findall(r"^\t(\w+) -> (\w+)(?: \[(.*)\])?$", source, re.M)]


def _key(nodes: dict, label: str) -> str:
    found = [k for k, a in nodes.items() if a.get("label") == label]
    assert len(found) == 1, (label, nodes)
    return found[0]


@pytest.mark.parametrize("fmt, magic", [("png", b"\x89PNG"), ("svg", b"<svg")])
def test_pydotprint_writes_picture(seed, tmp_path, capsys, fmt, magic):
    x, W, b, dot, out = seed
    g = theano.function([x, W, b], out)
    target = tmp_path / f"g.{fmt}"
    assert pydotprint(g, outfile=str(target), format=fmt) is None
    data = target.read_bytes()
    assert len(data) > 500 and magic in data[:400]
    assert capsys.readouterr().out == f"The output file is available at {target}\n"


def test_pydotprint_default_outfile_and_quiet(seed, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    pydotprint(seed[-1], print_output_file=False)
    assert (tmp_path / "pydotprint.png").stat().st_size > 500
    assert capsys.readouterr().out == ""


def test_pydotprint_roles_and_updates():
    f = _updating_function()
    src = pydot_graph(f).source
    nodes = _nodes(src)
    x, W, b = (_key(nodes, f"{n} TensorType(float64, {k})")
               for n, k in (("x", "vector"), ("W", "matrix"), ("b", "vector")))
    assert nodes[x]["fillcolor"] == "palegreen"                           # input
    assert nodes[W]["shape"] == nodes[b]["shape"] == "cylinder"           # shared
    consts = [a for a in nodes.values() if a["label"] == "TensorConstant{0.1}"]
    assert consts and all(a["fillcolor"] == "lightgrey" for a in consts)  # constants
    assert nodes[_key(nodes, "dot")]["fillcolor"] == "#A0C4FF"            # BLAS kind
    elemwise = [a for a in nodes.values() if a.get("label", "").startswith("Elemwise")]
    assert len(elemwise) > 5 and all(a["fillcolor"] == "#B9F6CA" for a in elemwise)
    outputs = {k for k, a in nodes.items() if a.get("fillcolor") == "lightskyblue"}
    assert len(outputs) == 3  # the cost and the two update values
    updates = [(s, d, a) for s, d, a in _edges(src) if a.get("label") == "update"]
    assert {d for _, d, _ in updates} == {W, b}
    assert all(s in outputs and a["style"] == "dashed" for s, _, a in updates)


def test_pydotprint_compact_hides_unnamed_intermediates(seed):
    x, W, b, dot, out = seed
    compact, full = pydot_graph(out).source, pydot_graph(out, compact=False).source
    n_vars = lambda s: sum(k.startswith("v") for k in _nodes(s))
    assert n_vars(compact) == 4          # x, W, b and the output
    assert n_vars(full) == 6             # plus dot's and add's unnamed results
    node_edges = [a for s, d, a in _edges(compact) if s[0] == d[0] == "n"]
    assert len(node_edges) == 2 and all("TensorType(float64, vector)" in a["label"]
                                        for a in node_edges)
    assert not [a for s, d, a in _edges(full) if s[0] == d[0] == "n"]
    dot.name = "dot"
    assert n_vars(pydot_graph(out).source) == 5  # a named intermediate is always drawn


def test_pydotprint_inplace_and_view_edges():
    y, A, x = T.vector("y"), T.matrix("A"), T.vector("x")
    z = gemv_inplace(y, 1.0, A.T, x, 0.0)
    src = pydot_graph(z, with_ids=True, var_with_name_simple=True).source
    nodes = _nodes(src)
    gemv, transpose = _key(nodes, "Gemv{inplace} id=1"), _key(nodes, "DimShuffle{1,0} id=0")
    assert nodes[gemv]["color"] == "red" and nodes[gemv]["fillcolor"] == "#A0C4FF"
    assert "color" not in nodes[transpose]
    edges = {(s, d): a for s, d, a in _edges(src)}
    assert edges[(_key(nodes, "y"), gemv)]["color"] == "red"           # destroyed input
    assert edges[(_key(nodes, "A"), transpose)]["style"] == "dashed"   # viewed input
    assert "color" not in edges[(_key(nodes, "x"), gemv)]


def test_pydotprint_missing_dot_program(seed, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere on PATH
    with pytest.raises(RuntimeError, match=r"apt-get install graphviz.*conda install graphviz"):
        pydotprint(seed[-1], outfile=str(tmp_path / "x.png"))
    assert not (tmp_path / "x.png").exists()


def test_pydotprint_missing_dot_reported_from_graphviz(seed, tmp_path, monkeypatch):
    def missing(*args, **kwargs):
        raise graphviz.ExecutableNotFound(("dot",))
    monkeypatch.setattr(graphviz.Digraph, "pipe", missing)
    with pytest.raises(RuntimeError, match="graphviz 'dot' program"):
        pydotprint(seed[-1], outfile=str(tmp_path / "x.svg"), format="svg")


def test_pydotprint_return_image_for_notebooks(seed):
    display = pytest.importorskip("IPython.display")
    img = pydotprint(seed[-1], return_image=True)
    assert isinstance(img, display.Image) and img.data[:4] == b"\x89PNG"
    svg = pydotprint(seed[-1], format="svg", return_image=True)
    assert isinstance(svg, display.SVG) and "Elemwise{sigmoid}" in svg.data


def test_pydotprint_dot_source_needs_no_program(seed, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    target = tmp_path / "g.dot"
    pydotprint(seed[-1], outfile=str(target), format="dot", print_output_file=False)
    assert target.read_text().startswith("digraph")

"""The rewriter framework: registry, include/exclude by name and tag, the drivers, verbose
printing, merge, constant folding and the graph checker."""
import numpy as np
import pytest

import minitheano as th
from minitheano import tensor as T
from minitheano.compiler.mode import Mode
from minitheano.compiler.rewriting import framework, pipeline
from minitheano.compiler.rewriting.framework import (RewriteError, equilibrium, node_rewriter,
                                                     register)
from minitheano.graphlib import Constant, FunctionGraph
from minitheano.graphlib.fg import InconsistencyError
from minitheano.ops.elemwise import Elemwise
from minitheano.ops.scalar import Composite

from .rewriting_utils import check_phases, compare, kinds, ops, rewrite  # noqa: F401


@pytest.fixture
def registry(monkeypatch):
    """Rewriters registered by a test disappear after it."""
    monkeypatch.setattr(framework, "REGISTRY", list(framework.REGISTRY))
    monkeypatch.setattr(pipeline, "REGISTRY", framework.REGISTRY)
    return framework.REGISTRY


def test_phases_are_declared_once_in_order():
    names = [p for p, _ in pipeline.PHASES]
    assert names == ["merge", "canonicalize", "stabilize", "specialize", "fusion", "inplace"]
    for rw in framework.REGISTRY:
        assert rw.phases <= set(names), rw.name
        assert rw.fn.__doc__ and "->" in rw.fn.__doc__, f"{rw.name}: docstring 'before -> after'"


def test_every_rewrite_is_named_and_tagged():
    names = [rw.name for rw in framework.REGISTRY]
    assert len(names) == len(set(names))
    for rw in framework.REGISTRY:
        assert rw.name.isidentifier() and rw.name == rw.fn.__name__
        assert "fast_run" in rw.tags and rw.tags & set(rw.phases)


def test_optional_rewrite_runs_only_when_included(registry):
    @register("canonicalize", tags=("experimental",), default=False)
    @node_rewriter("exp")
    def local_exp_to_sin(fgraph, node):
        """exp(x) -> sin(x) (a test rewrite)"""
        return [T.sin(node.inputs[0])]

    x = T.vector("x")
    assert "Elemwise{exp}" in ops(rewrite(T.exp(x), [x]))
    assert "Elemwise{sin}" in ops(rewrite(T.exp(x), [x], include=["local_exp_to_sin"]))
    assert "Elemwise{sin}" in ops(rewrite(T.exp(x), [x], include=["experimental"]))
    assert "Elemwise{exp}" in ops(rewrite(T.exp(x), [x], include=["experimental"],
                                          exclude=["local_exp_to_sin"]))
    f = th.function([x], T.exp(x), mode=Mode("py").including("local_exp_to_sin"))
    np.testing.assert_allclose(f(np.array([0.5])), np.sin([0.5]))


def test_excluding_by_tag_and_no_optimizer():
    x, y = T.vector("x"), T.vector("y")
    out = T.tanh(x * y + 1)
    fused = th.function([x, y], out, mode=Mode("py"))
    assert any(isinstance(n.op, Elemwise) and isinstance(n.op.scalar_op, Composite)
               for n in fused.fgraph.apply_nodes)
    plain = th.function([x, y], out, mode=Mode("py").excluding("fusion"))
    assert not any(isinstance(getattr(n.op, "scalar_op", None), Composite)
                   for n in plain.fgraph.apply_nodes)
    none = th.function([x, y], out, mode=Mode("py", optimizer=None))
    assert [str(n.op) for n in none.fgraph.toposort()] == [
        "Elemwise{mul}", "DimShuffle{x}", "Elemwise{add}", "Elemwise{tanh}"]
    v = np.linspace(-1, 1, 5)
    np.testing.assert_allclose(fused(v, v), none(v, v))
    np.testing.assert_allclose(plain(v, v), none(v, v))


def test_fast_compile_merges_and_folds_but_does_not_fuse_or_write_inplace():
    x = T.vector("x")
    out = T.exp(x) * T.exp(x) + (T.constant(2.0) * 3.0)
    fg = rewrite(out, [x], optimizer="fast_compile")
    assert ops(fg).count("Elemwise{exp}") == 1
    assert not any(getattr(n.op, "destroy_map", None) for n in fg.apply_nodes)
    assert not any(isinstance(getattr(n.op, "scalar_op", None), Composite) for n in fg.apply_nodes)
    assert any(isinstance(v, Constant) and np.all(v.data == 6.0) for v in fg.variables)


def test_optimizer_verbose_prints_each_rewrite(capsys):
    x = T.vector("x")
    th.config.optimizer_verbose = True
    try:
        th.function([x], (x * 1) + 0, mode="py")
    finally:
        th.config.optimizer_verbose = False
    printed = capsys.readouterr().out
    assert "rewrite local_add_mul_constants replaces" in printed


def test_merge_common_subexpressions_and_constants():
    x = T.vector("x")
    a = T.exp(x) + T.constant(np.float64(2.0))
    b = T.exp(x) + T.constant(np.float64(2.0))
    fg = rewrite([a * b], [x], exclude=["fusion"])
    assert ops(fg).count("Elemwise{exp}") == 1
    assert [o.split("}")[0] for o in ops(fg)] == ["Elemwise{exp", "Elemwise{add", "Elemwise{sqr"]
    compare([x], a * b, [np.array([0.1, 2.0])])


def test_constant_folding():
    x = T.vector("x")
    c = T.exp(T.constant(np.array([0.0, 1.0]))) * 2.0
    fg = rewrite(x + c, [x], exclude=["fusion"])
    assert kinds(fg) == ["Elemwise"]
    folded = [i for i in fg.toposort()[0].inputs if isinstance(i, Constant)]
    np.testing.assert_allclose(folded[0].data, np.exp([0.0, 1.0]) * 2.0)


def test_equilibrium_detects_a_rewrite_that_never_settles():
    @node_rewriter("exp")
    def local_rebuild(fgraph, node):
        """exp(x) -> exp(x) (rebuilt every time: never settles)"""
        return [T.exp(node.inputs[0])]

    x = T.vector("x")
    fg = FunctionGraph([x], [T.exp(x)])
    with pytest.raises(RewriteError, match="local_rebuild"):
        equilibrium(fg, [local_rebuild])


def test_a_replacement_of_another_dtype_is_an_error():
    @node_rewriter("exp")
    def local_bad(fgraph, node):
        """exp(x) -> cast(x, int) (wrong: changes the dtype)"""
        return [T.cast(node.inputs[0], "int64")]

    x = T.vector("x")
    fg = FunctionGraph([x], [T.exp(x)])
    with pytest.raises(RewriteError, match="local_bad"):
        equilibrium(fg, [local_bad])


def test_checker_rejects_an_overwrite_of_a_user_input():
    x = T.vector("x")
    bad = Elemwise(T.exp(x).owner.op.scalar_op, {0: 0})(x)
    fg = FunctionGraph([x], [bad])
    fg.n_outputs, fg.update_targets, fg.n_explicit = 1, [], 1
    with pytest.raises(InconsistencyError, match="input x the user passed"):
        pipeline.check_graph(fg, "test")


def test_checker_rejects_an_overwrite_of_a_value_read_later():
    x = T.vector("x")
    e = T.exp(x)
    sin_inplace = Elemwise(T.sin(x).owner.op.scalar_op, {0: 0})(e)
    fg = FunctionGraph([x], [sin_inplace + e])  # e is read after sin overwrote it
    fg.n_outputs, fg.update_targets, fg.n_explicit = 1, [], 1
    with pytest.raises(InconsistencyError, match="need not run before"):
        pipeline.check_graph(fg, "test")


def test_a_replacement_closing_a_cycle_is_refused():
    x = T.vector("x")
    fg = FunctionGraph([x], [T.sin(T.exp(x))])
    e = fg.outputs[0].owner.inputs[0]
    with pytest.raises(InconsistencyError, match="cycle"):
        fg.replace(e, T.cos(fg.outputs[0]))  # cos(sin(e)) is computed from e itself

    @node_rewriter("exp")
    def local_exp_to_its_own_reader(fgraph, node):
        """exp(x) -> cos(sin(exp(x))) (would read itself: skipped)"""
        return [T.cos(fgraph.outputs[0])]

    equilibrium(fg, [local_exp_to_its_own_reader])
    fg.check()
    assert [str(n.op) for n in fg.toposort()] == ["Elemwise{exp}", "Elemwise{sin}"]

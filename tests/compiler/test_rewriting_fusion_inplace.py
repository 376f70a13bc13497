"""Elementwise fusion and inplace: fused graphs, and buffers overwritten only when safe
(inputs the user passed never change, shared values change only through their updates)."""
import time

import numpy as np

import minitheano as th
from minitheano import tensor as T
from minitheano.ops.elemwise import Elemwise
from minitheano.ops.scalar import Composite

from .rewriting_utils import PY, check_phases, compare, kinds, ops, rewrite  # noqa: F401

RNG = np.random.default_rng(11)
M = RNG.normal(size=(3, 4))
v4, w4 = RNG.normal(size=4), RNG.normal(size=4)


def _composites(fg):
    return [n for n in fg.toposort()
            if isinstance(n.op, Elemwise) and isinstance(n.op.scalar_op, Composite)]


def test_a_chain_becomes_one_composite_showing_its_formula():
    x, y = T.vectors("x", "y")
    fg = rewrite(T.tanh(x * y + 1), [x, y], exclude=["inplace"])
    (node,) = fg.toposort()
    assert node.op.scalar_op.formula() == ["tanh(add(mul(i0, i1), i2))"]
    assert node.inputs[:2] == [x, y]
    compare([x, y], T.tanh(x * y + 1), [v4, w4])


def test_fusion_goes_through_broadcasting_dimshuffles():
    m, b = T.matrix("m"), T.vector("b")
    expr = T.exp((m + b) * T.exp(b))  # exp(b) is a vector broadcast over the rows
    fg = rewrite(expr, [m, b])
    assert kinds(fg) == ["DimShuffle", "Elemwise"], ops(fg)
    compare([m, b], expr, [M, v4])


def test_a_value_read_outside_becomes_an_extra_output():
    x, y = T.vectors("x", "y")
    e = T.exp(x)
    fg = rewrite([e, T.sin(e) * y], [x, y])
    (node,) = fg.toposort()
    assert len(node.outputs) == 2
    compare([x, y], [e, T.sin(e) * y], [v4, w4])


def test_no_cycle_through_an_outside_reader():
    A, x = T.matrix("A"), T.vector("x")
    t = T.exp(x)
    out = t * T.dot(A, t)  # t feeds the product that feeds the group: t cannot join it
    fg = rewrite(out, [A, x])
    assert "Gemv" in kinds(fg)
    compare([A, x], out, [RNG.normal(size=(4, 4)), v4])


def test_deep_shared_subexpressions_compile_fast():
    x = T.vector("x")
    y = x
    for _ in range(30):
        y = y * T.tanh(y) * 0.5
    start = time.perf_counter()
    compare([x], y, [v4 / 10])
    assert time.perf_counter() - start < 5


def test_elementwise_overwrites_an_intermediate_not_an_input():
    x = T.vector("x")
    fg = rewrite(T.sin(T.exp(x)), [x], exclude=["fusion"])
    assert ops(fg) == ["Elemwise{exp}", "Elemwise{sin}[(0, 0)]"]
    compare([x], T.sin(T.exp(x)), [v4])


def test_no_overwrite_of_an_output_or_a_value_read_later():
    x = T.vector("x")
    e = T.exp(x)
    fg = rewrite([e, T.sin(e)], [x], exclude=["fusion"])
    assert ops(fg) == ["Elemwise{exp}", "Elemwise{sin}"]
    fg = rewrite(T.sin(e) + e, [x], exclude=["fusion"])
    sin = [n for n in fg.toposort() if "sin" in str(n.op)][0]
    assert not sin.op.destroy_map  # the add reads e after sin: sin may not overwrite it
    compare([x], [e, T.sin(e), T.sin(e) + e], [v4])


def test_same_array_passed_for_two_inputs_stays_unchanged():
    x, y = T.vectors("x", "y")
    out = T.exp(x) * 2 + T.sin(y) * x
    f = th.function([x, y], [out, x + y], mode=PY)
    a = v4.copy()
    got = f(a, a)
    np.testing.assert_array_equal(a, v4)
    np.testing.assert_allclose(got[0], np.exp(v4) * 2 + np.sin(v4) * v4)
    np.testing.assert_allclose(got[1], 2 * v4)


def test_shared_values_change_only_through_their_updates():
    W = th.shared(M.copy(), "W")
    b = th.shared(v4.copy(), "b")
    x = T.vector("x")
    out = T.tanh(T.dot(W, x) + 1)
    f = th.function([x], [out, W.T], mode=PY, updates=[(b, b * 0.5 + 1)])
    for _ in range(3):
        o, wt = f(v4)
        np.testing.assert_allclose(o, np.tanh(M @ v4 + 1))
        np.testing.assert_array_equal(wt, M.T)
    np.testing.assert_array_equal(W.get_value(), M)  # read, never updated: unchanged
    want = v4.copy()
    for _ in range(3):
        want = want * 0.5 + 1
    np.testing.assert_allclose(b.get_value(), want)


def test_shared_update_is_written_inplace_and_equals_numpy():
    W = th.shared(M.copy(), "W")
    x, y = T.vector("x"), T.vector("y")
    cost = ((T.dot(W, x) - y) ** 2).sum()
    gW = th.grad(cost, W)
    f = th.function([x, y], cost, updates=[(W, W - 0.1 * gW)], mode=PY)
    destroyers = [n for n in f.fgraph.apply_nodes if n.op.destroy_map]
    assert any(n.inputs[0] is W for n in destroyers), [str(n) for n in destroyers]
    Wn = M.copy()
    for _ in range(3):
        c = f(w4, v4[:3])
        r = Wn @ w4 - v4[:3]
        np.testing.assert_allclose(c, (r ** 2).sum())
        Wn = Wn - 0.1 * 2 * np.outer(r, w4)
        np.testing.assert_allclose(W.get_value(), Wn)


def test_updates_reading_each_other_use_the_old_values():
    a, b = th.shared(v4.copy(), "a"), th.shared(w4.copy(), "b")
    f = th.function([], [], updates=[(a, a + b), (b, b * a)], mode=PY)
    an, bn = v4.copy(), w4.copy()
    for _ in range(3):
        f()
        an, bn = an + bn, bn * an
        np.testing.assert_allclose(a.get_value(), an)
        np.testing.assert_allclose(b.get_value(), bn)


def test_an_output_viewing_a_shared_value_is_not_overwritten_by_its_update():
    W = th.shared(M.copy(), "W")
    f = th.function([], W.T, updates=[(W, W * 2)], mode=PY)
    np.testing.assert_array_equal(f(), M.T)
    np.testing.assert_array_equal(f(), 2 * M.T)
    np.testing.assert_array_equal(W.get_value(), 4 * M)


def test_inc_subtensor_writes_into_a_fresh_intermediate_only():
    x, y = T.vector("x"), T.vector("y")
    fresh = T.inc_subtensor(T.exp(x)[1:3], y)      # exp(x) is a new buffer: overwrite it
    onto_input = T.set_subtensor(x[1:3], y)         # x is the user's: copy it
    fg = rewrite([fresh, onto_input], [x, y])
    inc = [n for n in fg.toposort() if "IncSubtensor" in type(n.op).__name__]
    assert sorted(n.op.inplace for n in inc) == [False, True]
    assert next(n for n in inc if not n.op.inplace).inputs[0] is x
    compare([x, y], [fresh, onto_input], [v4, w4[:2]])

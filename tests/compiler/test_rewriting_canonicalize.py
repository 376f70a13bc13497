"""Canonicalisation, algebra and shape rewrites: each rule's graph after rewriting, and the
rewritten function equal to the unrewritten one."""
import numpy as np
import pytest

import minitheano as th
from minitheano import tensor as T
from minitheano.ops import scalar as S
from minitheano.ops.shape import SpecifyBroadcastable
from minitheano.ops.elemwise import Elemwise

from .rewriting_utils import check_phases, compare, kinds, ops, rewrite  # noqa: F401

NOFUSE = ["fusion", "inplace"]
RNG = np.random.default_rng(7)
xv, yv, zv = (RNG.uniform(0.5, 2.0, size=4) for _ in range(3))
Mv = RNG.uniform(0.5, 2.0, size=(3, 4))


def out_of(expr, inputs):
    """The single output of the rewritten graph (without fusion/inplace)."""
    return rewrite(expr, inputs, exclude=NOFUSE).outputs[0]


@pytest.mark.parametrize("build", [lambda x: x * 1, lambda x: 1 * x, lambda x: x + 0,
                                   lambda x: 0 + x, lambda x: -(-x), lambda x: x - 0,
                                   lambda x: x / 1, lambda x: x ** 1, lambda x: (x * 1 + 0) * 1],
                         ids=["x*1", "1*x", "x+0", "0+x", "--x", "x-0", "x/1", "x**1", "mixed"])
def test_identities_vanish(build):
    x = T.vector("x")
    assert out_of(build(x), [x]) is x
    compare([x], build(x), [xv])


def test_x_minus_x_is_zeros_of_x_shape():
    x = T.vector("x")
    fg = rewrite(x - x, [x], exclude=NOFUSE)
    assert "Elemwise{sub}" not in ops(fg) and "Alloc" in kinds(fg)
    compare([x], x - x, [xv])


def test_constants_gather_and_minus_one_is_neg():
    x = T.vector("x")
    assert ops(rewrite(x * 2.0 * 3.0, [x], exclude=NOFUSE)) == ["Elemwise{mul}"]
    node = rewrite(x * 2.0 * 3.0, [x], exclude=NOFUSE).toposort()[0]
    assert sorted(float(np.asarray(getattr(i, "data", np.nan)).ravel()[0]) for i in node.inputs
                  if i is not x) == [6.0]
    assert ops(rewrite(x * -1.0, [x], exclude=NOFUSE)) == ["Elemwise{neg}"]
    compare([x], x * 2.0 * 3.0 + (x * -1.0), [xv])


def test_add_and_mul_chains_flatten():
    x, y, z = T.vectors("x", "y", "z")
    fg = rewrite((x + y) + (z + x * y * z), [x, y, z], exclude=NOFUSE)
    assert ops(fg) == ["Elemwise{mul}", "Elemwise{add}"]
    add = fg.toposort()[-1]
    assert len(add.inputs) == 4 and len(fg.toposort()[0].inputs) == 3
    compare([x, y, z], (x + y) + (z + x * y * z), [xv, yv, zv])


def test_flattening_keeps_a_shared_inner_node():
    x, y, z = T.vectors("x", "y", "z")
    s = x + y
    fg = rewrite([s + z, s * z], [x, y, z], exclude=NOFUSE)
    assert ops(fg).count("Elemwise{add}") == 2  # s is read twice: not duplicated


@pytest.mark.parametrize("p, op", [(2, "Elemwise{sqr}"), (0.5, "Elemwise{sqrt}"),
                                   (-1, "Elemwise{true_div}")])
def test_cheap_powers(p, op):
    x = T.vector("x")
    assert ops(rewrite(x ** p, [x], exclude=NOFUSE)) == [op]
    compare([x], x ** p, [xv])


def test_power_zero_is_ones_and_int_square_does_not_wrap():
    x = T.vector("x")
    assert "Elemwise{pow}" not in ops(rewrite(x ** 0, [x], exclude=NOFUSE))
    compare([x], x ** 0, [xv])
    i = T.bvector("i")
    compare([i], i ** 2.0, [np.array([100, -100, 3], dtype="int8")])


def test_mul_by_itself_is_sqr():
    x = T.vector("x")
    assert ops(rewrite(x * x, [x], exclude=NOFUSE)) == ["Elemwise{sqr}"]


def test_nested_and_identity_dimshuffles():
    x = T.vector("x")
    assert out_of(x.dimshuffle(0, "x").dimshuffle(0), [x]) is x
    m = T.matrix("m")
    assert out_of(m.T.T, [m]) is m
    fg = rewrite(x.dimshuffle(0, "x").dimshuffle(1, 0), [x], exclude=NOFUSE)
    assert ops(fg) == ["DimShuffle{x,0}"]
    compare([x], x.dimshuffle(0, "x").dimshuffle(1, 0) + 1, [xv])


def test_useless_reshapes():
    m = T.matrix("m")
    assert out_of(m.reshape(m.shape), [m]) is m
    e = T.exp(m)
    fg = rewrite(e.reshape(e.shape), [m], exclude=NOFUSE)
    assert kinds(fg) == ["Elemwise"]
    v = T.vector("v")
    assert out_of(v.reshape([-1]), [v]) is v
    fg = rewrite(m.reshape([12]).reshape([4, 3]), [m], exclude=NOFUSE)
    assert kinds(fg).count("Reshape") == 1
    compare([m], m.reshape([12]).reshape([4, 3]) + 1, [Mv])


def test_useless_casts():
    i = T.ivector("i")
    assert out_of(Elemwise(S.Cast("int32"))(i), [i]) is i
    fg = rewrite(T.cast(T.cast(i, "int64"), "float64"), [i], exclude=NOFUSE)
    assert ops(fg) == ["Elemwise{Cast{float64}}"] and fg.toposort()[0].inputs[0] is i
    narrowing = T.cast(T.cast(T.vector("x"), "int8"), "float64")  # not lossless: stays
    assert len(rewrite(narrowing, narrowing.owner.inputs[0].owner.inputs, exclude=NOFUSE)
               .apply_nodes) == 2


def test_useless_specify_broadcastable():
    r = T.row("r")
    assert out_of(SpecifyBroadcastable((True, False))(r), [r]) is r
    m = T.matrix("m")
    twice = SpecifyBroadcastable((True, True))(SpecifyBroadcastable((True, False))(m))
    assert ops(rewrite(twice, [m], exclude=NOFUSE)) == ["SpecifyBroadcastable{1,1}"]


def test_quotient_cancels():
    a, b, c = T.vectors("a", "b", "c")
    fg = rewrite((a / b) * b * c, [a, b, c], exclude=NOFUSE)
    assert ops(fg) == ["Elemwise{mul}"]
    compare([a, b, c], (a / b) * b * c, [xv, yv, zv])
    fg = rewrite(-(a / b) * (b / c), [a, b, c], exclude=NOFUSE)
    assert "Elemwise{mul}" not in ops(fg) and ops(fg).count("Elemwise{true_div}") == 1
    compare([a, b, c], -(a / b) * (b / c), [xv, yv, zv])


def test_cancelling_a_factor_that_carries_the_shape_is_refused():
    s, v = T.scalar("s"), T.vector("v")
    expr = (s / v) * v  # the result has v's shape: cancelling would leave a scalar
    compare([s, v], expr, [np.array(2.0), xv])


def test_subtracting_a_negation_adds():
    x, y = T.vectors("x", "y")
    assert ops(rewrite(x - (-y), [x, y], exclude=NOFUSE)) == ["Elemwise{add}"]
    assert ops(rewrite(x + (-y), [x, y], exclude=NOFUSE)) == ["Elemwise{sub}"]


def test_reduction_over_length_one_axes():
    r = T.row("r")
    fg = rewrite(r.sum(axis=0), [r], exclude=NOFUSE)
    assert kinds(fg) == ["DimShuffle"]
    compare([r], r.sum(axis=0) + r.max(axis=0, keepdims=True), [Mv[:1]])


def test_keepdims_reduction_then_dropping_the_axis():
    m = T.matrix("m")
    expr = m.sum(axis=0, keepdims=True).dimshuffle(1)
    assert ops(rewrite(expr, [m], exclude=NOFUSE)) == ["Sum{axis=[0]}"]
    compare([m], expr, [Mv])


def test_shape_of_an_intermediate_needs_no_computation():
    x, y = T.matrix("x"), T.matrix("y")
    e = T.dot(T.exp(x), y.T) + 1
    fg = rewrite(e.shape, [x, y])
    assert not any(k in ("Elemwise", "Dot", "Gemm") for k in kinds(fg)), ops(fg)
    f, got = compare([x, y], e.shape, [Mv, Mv])
    assert tuple(got) == (3, 3)
    assert rewrite(T.exp(x).shape[0] * 1, [x], exclude=NOFUSE).outputs[0].owner.inputs[0] is x


def test_broadcast_alloc_of_a_gradient_disappears():
    x, y = T.vectors("x", "y")
    g = th.grad((x * y).sum(), x)
    fg = rewrite(g, [x, y])
    assert fg.outputs[0] is y
    compare([x, y], g, [xv, yv])


def test_alloc_of_the_same_shape_is_the_value():
    m = T.matrix("m")
    assert out_of(T.alloc(m, m.shape[0], m.shape[1]), [m]) is m


def test_join_drops_parts_of_length_zero():
    """A part that is an alloc of length 0 along the axis goes; a part whose length is only
    known at run time stays."""
    m, n = T.matrix("m"), T.matrix("n")
    k = T.lscalar("k")
    empty = T.zeros((m.shape[0], 0))
    assert out_of(T.concatenate([m, empty], axis=1), [m]) is m
    fg = rewrite(T.concatenate([empty, m, T.zeros((n.shape[0], 0)), n], axis=1), [m, n],
                 exclude=NOFUSE)
    (join,) = [node for node in fg.toposort() if kinds_of(node) == "Join"]
    assert join.inputs == [m, n]
    kept = rewrite(T.concatenate([m, T.zeros((m.shape[0], k))], axis=1), [m, k], exclude=NOFUSE)
    assert "Join" in kinds(kept)
    compare([m, n], T.concatenate([empty, m, n], axis=1), [Mv, Mv + 1])
    compare([m, k], T.concatenate([m, T.zeros((m.shape[0], k))], axis=1), [Mv, np.int64(0)])


def kinds_of(node) -> str:
    return type(node.op).__name__


def test_shape_of_a_reshape_to_lengths_needs_no_switch():
    """An entry that is a length (or a sum or product of lengths) is never the -1 to infer, so
    the inferred shape is the entry itself; a -1 entry is still inferred."""
    t = T.tensor3("t")
    r = T.reshape(t, (t.shape[0] * t.shape[1], t.shape[2]))
    fg = rewrite(r.shape, [t], exclude=NOFUSE)
    assert not any("switch" in o for o in ops(fg)), ops(fg)
    tv = RNG.uniform(size=(2, 3, 4))
    compare([t], [r.shape, T.reshape(t, (-1, t.shape[2])).shape,
                  T.reshape(t, (t.shape[0], -1)).shape * 1], [tv])

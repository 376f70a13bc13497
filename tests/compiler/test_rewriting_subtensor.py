"""Rewrites of the IncSubtensor family, against the unrewritten graph."""
import numpy as np

from minitheano import tensor as T
from minitheano.compiler.mode import Mode

from .rewriting_utils import check_phases, compare, kinds, rewrite  # noqa: F401

rng = np.random.default_rng(3)


def chained(fg) -> bool:
    """Whether some increment writes into the result of another (the rewrite's form)."""
    return any(type(n.op).__name__ == "IncSubtensor" and n.inputs[0].owner is not None and
               type(n.inputs[0].owner.op).__name__ == "IncSubtensor" for n in fg.toposort())


def test_sum_of_increments_of_zeros_is_one_buffer_incremented_in_turn():
    """The gradient of gate slices of one matrix: add(inc(0, a, :2), inc(0, b, 2:)) becomes
    inc(inc(0, a, :2), b, 2:) — no sum, one zeros buffer."""
    x = T.dmatrix("x")
    w = T.dvector("w")
    cost = (T.tanh(x[:, :2]) * w[:2]).sum() + (T.exp(x[:, 2:]) * w[2:]).sum()
    g = T.grad(cost, x)
    fg = rewrite(g, [x, w], exclude=["fusion", "inplace"])
    ks = kinds(fg)
    assert ks.count("IncSubtensor") == 2 and ks.count("Alloc") == 1
    assert chained(fg)  # the second increments the first
    values = [rng.standard_normal((3, 5)), rng.standard_normal(5)]
    compare([x, w], g, values)
    compare([x, w], g, values, mode=Mode("numba"))


def test_other_terms_and_non_zero_bases_stay_in_the_sum():
    """add(y, inc(z, a, i), inc(0, b, j)) -> inc(inc(add(y, z), a, i), b, j)"""
    y, z, a, b = T.dmatrix("y"), T.dmatrix("z"), T.dmatrix("a"), T.dmatrix("b")
    out = y + T.inc_subtensor(z[:, 1:3], a) + T.inc_subtensor(T.zeros_like(y)[:2], b)
    fg = rewrite(out, [y, z, a, b], exclude=["fusion", "inplace"])
    assert kinds(fg).count("IncSubtensor") == 2 and chained(fg)
    compare([y, z, a, b], out, [rng.standard_normal((4, 3)), rng.standard_normal((4, 3)),
                                rng.standard_normal((4, 2)), rng.standard_normal((2, 3))])


def test_set_subtensor_and_broadcasting_sums_are_left_alone():
    """set_subtensor is not an increment; a term that broadcasts the sum to a larger shape
    would move the indexed positions."""
    r, z = T.drow("r"), T.dmatrix("z")
    a = T.dvector("a")
    s = T.set_subtensor(z[0], a) + T.set_subtensor(z[1], a)
    assert not chained(rewrite(s, [z, a], exclude=["fusion", "inplace"]))
    bc = T.add(T.inc_subtensor(r[:, :1], r[:, 1:2]), T.inc_subtensor(r[:, 1:], r[:, :2]), z)
    assert not chained(rewrite(bc, [r, z], exclude=["fusion", "inplace"]))
    compare([r, z], bc, [rng.standard_normal((1, 3)), rng.standard_normal((2, 3))])

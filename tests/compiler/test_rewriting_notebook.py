"""The seed notebook's compiled functions (001_theano_intro): f, g, h, i and
cost_and_perform_updates become Gemv/Ger plus fused inplace elementwise ops, and compute what
the unrewritten graphs (and the notebook's printed numbers) say."""
import numpy as np
import pytest

import minitheano as th
from minitheano import tensor as T
from minitheano.ops.elemwise import Elemwise
from minitheano.ops.gemm import Gemv, Ger
from minitheano.ops.scalar import Composite

from minitheano.compiler.mode import Mode

from .rewriting_utils import ORACLE, PY, check_phases  # noqa: F401

MODES = pytest.mark.parametrize("mode", [PY, Mode("numba")], ids=["py", "numba"])


@pytest.fixture
def values():
    np.random.seed(42)
    W_val = np.random.randn(4, 3)
    x_val = np.random.rand(4)
    return x_val, W_val, np.ones(3), np.random.uniform(size=3)


def _steps(f):
    return [str(n.op) for n in f.fgraph.toposort()]


def test_f_is_one_inplace_gemv_into_an_empty_buffer(values):
    x, W = T.vector("x"), T.matrix("W")
    f = th.function([x, W], T.dot(x, W), mode=PY)
    assert _steps(f) == ["Shape_i{1}", "AllocEmpty{dtype='float64'}", "DimShuffle{1,0}",
                         "Gemv{inplace}"]
    gemv = f.fgraph.toposort()[-1]
    assert [str(v) for v in gemv.inputs] == ["AllocEmpty{dtype='float64'}.0",
                                             "TensorConstant{1.0}", "W.T", "x",
                                             "TensorConstant{0.0}"]
    np.testing.assert_allclose(f(*values[:2]), [1.79048354, 0.03158954, -0.26423186], rtol=0, atol=1e-8)


def test_g_is_gemv_accumulating_b_then_an_inplace_sigmoid(values):
    x, W, b = T.vector("x"), T.matrix("W"), T.vector("b")
    out = T.nnet.sigmoid(T.dot(x, W) + b)
    g = th.function([x, W, b], out, mode=PY)
    assert _steps(g) == ["DimShuffle{1,0}", "Gemv{no_inplace}", "Elemwise{sigmoid}[(0, 0)]"]
    gemv = g.fgraph.toposort()[1]
    assert [str(v) for v in gemv.inputs] == ["b", "TensorConstant{1.0}", "W.T", "x",
                                             "TensorConstant{1.0}"]
    np.testing.assert_allclose(g(*values[:3]), [0.9421594, 0.73722395, 0.67606977], rtol=0, atol=1e-8)


@MODES
def test_h_and_i_share_the_product_and_equal_the_unrewritten_graph(values, mode):
    x, W, b = T.vector("x"), T.matrix("W"), T.vector("b")
    dot = T.dot(x, W)
    out = T.nnet.sigmoid(dot + b)
    for outs, printed in [([dot, out], [[1.79048354, 0.03158954, -0.26423186],
                                        [0.9421594, 0.73722395, 0.67606977]]),
                          ([dot + b, out], [[2.79048354, 1.03158954, 0.73576814],
                                            [0.9421594, 0.73722395, 0.67606977]])]:
        fn = th.function([x, W, b], outs, mode=mode)
        assert sum(isinstance(n.op, Gemv) for n in fn.fgraph.apply_nodes) == 1
        assert not any(type(n.op).__name__ == "Dot" for n in fn.fgraph.apply_nodes)
        got = fn(*values[:3])
        want = th.function([x, W, b], outs, mode=ORACLE)(*values[:3])
        for a, w, p in zip(got, want, printed):
            np.testing.assert_allclose(a, w, rtol=1e-12)
            np.testing.assert_allclose(a, p, rtol=0, atol=1e-8)


@MODES
def test_cost_and_perform_updates_uses_gemv_ger_and_a_fused_inplace_update(values, mode):
    x_val, W_val, b_val, y_val = values
    x, y = T.vector("x"), T.vector("y")
    W, b = th.shared(W_val, "W"), th.shared(b_val, "b")
    out = T.nnet.sigmoid(T.dot(x, W) + b)
    C = ((out - y) ** 2).sum()
    dC_dW, dC_db = th.grad(C, [W, b])
    fn = th.function([x, y], C, updates=[(W, W - 0.1 * dC_dW), (b, b - 0.1 * dC_db)], mode=mode)
    nodes = fn.fgraph.toposort()
    kinds = [type(n.op).__name__ for n in nodes]
    assert kinds.count("Gemv") == 1 and kinds.count("Ger") == 1
    ger = next(n for n in nodes if isinstance(n.op, Ger))
    assert ger.op.inplace and ger.inputs[0] is W  # W - 0.1 * outer(x, g) written into W
    fused = [n for n in nodes if isinstance(n.op, Elemwise)]
    assert len(fused) == 1 and isinstance(fused[0].op.scalar_op, Composite)
    assert b in [fused[0].inputs[i] for _, i in fused[0].op.inplace_pattern]

    Wn, bn = W_val.copy(), b_val.copy()
    for _ in range(3):
        c = fn(x_val, y_val)
        s = 1 / (1 + np.exp(-(x_val @ Wn + bn)))
        np.testing.assert_allclose(c, ((s - y_val) ** 2).sum(), rtol=1e-12)
        d = 2 * (s - y_val) * s * (1 - s)
        Wn, bn = Wn - 0.1 * np.outer(x_val, d), bn - 0.1 * d
        np.testing.assert_allclose(W.get_value(), Wn, rtol=1e-12)
        np.testing.assert_allclose(b.get_value(), bn, rtol=1e-12)
    first = [0.6137821438190066]  # the notebook's cost at the initial values
    W.set_value(W_val)
    b.set_value(b_val)
    np.testing.assert_allclose(fn(x_val, y_val), first, rtol=1e-10)

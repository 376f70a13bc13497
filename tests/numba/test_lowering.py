"""Each lowering against the py linker (no rewrites, so the lowered graph is the built one)."""
import importlib
import inspect
import pkgutil
import re

import numpy as np
import pytest

import minitheano as th
import minitheano.ops
from minitheano import tensor as T
from minitheano.compiler.numba import MissingLoweringError, numba_funcify
from minitheano.compiler.numba.linker import _load_lowerings
from minitheano.graphlib import Apply, Op
from minitheano.ops import scalar as S
from minitheano.ops.elemwise import Elemwise
from minitheano.ops.gemm import Gemm, Gemv, Ger

from .helpers import NUMBA_RAW, compare_numba_and_py

rng = np.random.default_rng(42)

# Ops with no lowering on purpose, each with its reason
NO_LOWERING: dict[str, str] = {}


def _all_ops() -> list[type]:
    for m in pkgutil.walk_packages(minitheano.ops.__path__, "minitheano.ops."):
        importlib.import_module(m.name)
    seen, todo = set(), [Op]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return sorted((c for c in seen if c.__module__.startswith("minitheano.ops")
                   and not c.__name__.startswith("_") and not inspect.isabstract(c)),
                  key=lambda c: c.__qualname__)


def test_every_op_has_a_lowering():
    _load_lowerings()
    default = numba_funcify.dispatch(object)
    missing = [c.__qualname__ for c in _all_ops()
               if numba_funcify.dispatch(c) is default and c.__qualname__ not in NO_LOWERING]
    assert not missing, f"ops without a Numba lowering: {missing}"


def test_missing_lowering_is_a_loud_error_naming_the_op():
    class Mystery(Op):
        def make_node(self, x):
            x = T.as_tensor_variable(x)
            return Apply(self, [x], [x.type()])

        def perform(self, node, inputs, out):
            out[0][0] = inputs[0]
    x = T.dvector("x")
    with pytest.raises(MissingLoweringError, match="no Numba lowering for op Mystery"):
        th.function([x], Mystery()(x) + 1)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32"])
def test_elemwise_broadcast_patterns(dtype):
    m, r, c, v = (T.TensorType(dtype, bc)(n) for bc, n in
                  [((False, False), "m"), ((True, False), "r"), ((False, True), "c"),
                   ((False,), "v")])
    s = T.TensorType(dtype, ())("s")
    outs = [m + r,                      # row broadcast: loop nest
            m * c - s,                  # column + scalar
            m * 2 + m,                  # no broadcast: flat contiguous loop
            T.maximum(m.T, 3) - v,      # strided (transposed) operand
            (v + s) * 1,                # 1-d
            s * s + 1,                  # 0-d: scalar code
            T.switch(m > 2, m, -m),     # bool intermediate, constant folding of -m
            T.cast(m, "int8") + T.cast(c, "int8")]
    vals = [(rng.standard_normal(sh) * 10).astype(dtype) for sh in [(3, 4), (1, 4), (3, 1), (3,)]]
    vals.append(np.asarray(2.5, dtype))
    compare_numba_and_py([m, r, c, v, s], outs, vals, rtol=1e-6)


def test_composite_multi_output_and_inplace_pattern():
    """A hand-built fused Elemwise with two outputs, the first written into input 0."""
    add, mul, exp, tanh = (S.SCALAR_OPS[n] for n in ("add", "mul", "exp", "tanh"))
    comp = S.Composite(2, ("float64", "float64"),
                       ((mul, (0, 1), "float64"), (exp, (2,), "float64"),
                        (add, (3, 0), "float64"), (tanh, (1,), "float64")), (4, 5))
    x, y = T.dmatrix("x"), T.drow("y")
    tmp = x * 1.5  # an intermediate the inplace output may overwrite
    o1, o2 = Elemwise(comp, {0: 0})(tmp, y)
    f, _ = compare_numba_and_py([x, y], [o1, o2],
                                [rng.standard_normal((3, 4)), rng.standard_normal((1, 4))])
    src = f.dump_source()
    assert "_vm.exp" in src and "_vm.tanh_from" in src
    assert src.count("np.empty(") == 2  # tmp and o2: o1 reuses tmp's buffer


def test_nan_and_special_values_follow_numpy():
    x, y = T.dvector("x"), T.dvector("y")
    vals = [np.array([np.nan, 1.0, -np.inf, 0.0, 2.0]), np.array([0.5, np.nan, 1.0, 0.0, -0.0])]
    compare_numba_and_py([x, y], [T.maximum(x, y), T.minimum(x, y), x / y, T.sgn(x),
                                  T.max(x), T.argmax(x), T.round(x * 2.5), T.floor(x)], vals)


def test_reductions_over_axes():
    x, b = T.dtensor3("x"), T.TensorType("bool", (False, False))("b")
    # every kind; trailing axes (scalar accumulator), leading/middle axes (array accumulator)
    outs = [T.sum(x), T.sum(x, axis=(0, 2)), T.prod(x, axis=0), T.max(x, axis=(1, 2)),
            T.min(x, axis=1), T.max(x)]
    outs += [T.sum(x, axis=1, keepdims=True), T.max(x, axis=(0, 2), keepdims=True),
             T.argmax(x, axis=1), T.argmin(x, axis=0), T.argmax(x), T.argmax(x, axis=2, keepdims=True),
             T.all(b, axis=0), T.any(b), T.sum(b), T.mean(x, axis=1), T.var(x)]
    compare_numba_and_py([x, b], outs, [rng.standard_normal((2, 3, 4)),
                                        rng.standard_normal((3, 4)) > 0], rtol=1e-12)


def test_basic_ops():
    x, v, i = T.dmatrix("x"), T.dvector("v"), T.lscalar("i")
    outs = [T.shape(x), x.shape[1] * 2, T.reshape(x, (i, -1)), T.flatten(x),
            T.concatenate([x, x * 2], axis=1), T.stack([v, v]), T.alloc(v, 2, i, 4),
            T.zeros((i, 2)), T.arange(i, 10, 3), T.eye(i, 4, 1), T.addbroadcast(x[:1], 0) + x,
            T.reshape(v, ())]
    compare_numba_and_py([x, v, i], outs[:-1], [rng.standard_normal((3, 4)), np.arange(4.0), 2])
    compare_numba_and_py([v], [T.reshape(v, ()), T.reshape(v.sum(), (1, 1))], [np.array([7.0])])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_blas_ops_with_layouts(dtype):
    """Gemv/Gemm/Ger (inplace and not) on C, Fortran and strided operands."""
    A, X, Y = (T.TensorType(dtype, (False, False))(n) for n in "AXY")
    x, y = T.TensorType(dtype, (False,))("x"), T.TensorType(dtype, (False,))("y")
    al, be = T.constant(np.asarray(0.5, dtype)), T.constant(np.asarray(-2.0, dtype))
    zero = T.constant(np.asarray(0, dtype))
    x2, Z2, A2 = x * 1, T.dot(X, Y) * 1, A * 1  # fresh buffers the inplace ops may overwrite
    outs = [Gemv(False)(y, al, A, x, be), Gemv(True)(x2, al, A.T, y, zero),
            Gemm(False)(T.dot(X, Y), al, X, Y, be), Gemm(True)(Z2, al, X.T.T, Y, be),
            Ger(False)(A, al, y, x), Ger(True)(A2, al, y, x),
            Gemv(False)(y, al, A[:, ::2], x[::2], be), T.dot(A, x), T.dot(x, A.T), T.dot(X, Y)]
    vals = [rng.standard_normal(s).astype(dtype) for s in [(5, 4), (5, 3), (3, 4)]]
    vals += [rng.standard_normal(4).astype(dtype), rng.standard_normal(5).astype(dtype)]
    vals[1] = np.asfortranarray(vals[1])
    f, _ = compare_numba_and_py([A, X, Y, x, y], outs, vals, rtol=1e-4 if dtype == "float32" else 1e-10)
    assert f.dump_source().count("_blas.gemv,") == 3  # one BLAS call per Gemv (through the table)


def test_integer_dot_is_a_loop():
    a, b, v = T.lmatrix("a"), T.lmatrix("b"), T.lvector("v")
    compare_numba_and_py([a, b, v], [T.dot(a, b), T.dot(a, v), T.dot(v, a.T), T.dot(v, v)],
                         [np.arange(12).reshape(4, 3), np.arange(6).reshape(3, 2), np.arange(3)])


def test_indexing_family():
    x, i, idx, y = T.dmatrix("x"), T.lscalar("i"), T.lvector("idx"), T.dvector("y")
    outs = [x[1], x[-1, ::-2], x[i:, 1:3], x[i], x[idx], x[:, idx], x[idx, idx[::-1]], x[idx, 0],
            T.set_subtensor(x[i], y), T.inc_subtensor(x[idx], y), T.inc_subtensor(x[:, 1:3], 1.0),
            T.set_subtensor(x[idx, idx], 0.0), T.inc_subtensor(x[idx[:2], 2], y[:2])]
    vals = [rng.standard_normal((4, 4)), 1, np.array([0, 3, 0, -1]), rng.standard_normal(4)]
    compare_numba_and_py([x, i, idx, y], outs, vals)


def test_boolean_mask_indexing():
    x, m = T.dmatrix("x"), T.TensorType("bool", (False,))("m")
    compare_numba_and_py([x, m], [x[m], x[:, m], T.set_subtensor(x[m], 0.0)],
                         [rng.standard_normal((3, 3)), np.array([True, False, True])])


def test_nnet_ops():
    x, b, yi = T.dmatrix("x"), T.dvector("b"), T.lvector("yi")
    sm = T.nnet.softmax(x)
    nll, sm2 = T.nnet.crossentropy_softmax_1hot_with_bias(x, b, yi)
    outs = [sm, T.nnet.log_softmax(x), T.nnet.softmax(x, axis=0), nll, sm2,
            T.nnet.categorical_crossentropy(sm, yi), T.grad(T.sum(sm * x), x)]
    compare_numba_and_py([x, b, yi], outs, [rng.standard_normal((3, 5)) * 50,
                                            rng.standard_normal(5), np.array([0, 4, 2])],
                         rtol=1e-10)


def test_elemwise_reads_slices_and_row_broadcasts_through_their_base():
    """A loop over basic slices indexes their base with the slice starts (a C array, so the
    loop vectorises), and a row broadcast is a reshape: the values are numpy's, also with
    a broadcasting operand, an odd start and a slice of a transposed (strided) base."""
    x, y, v = T.dmatrix("x"), T.dmatrix("y"), T.dvector("v")
    outs = [T.tanh(x[1:, 2:5]) * x[1:4, 0:3] + v[3:6],
            x[1:, 3:] + v[:3].dimshuffle("x", 0), v.dimshuffle("x", 0, "x"),
            T.exp(x.T[2:4, 1:]) - y[::1, 1:],
            T.addbroadcast(x[:2, 1:2], 1) * y[:, 0:3]]
    f, _ = compare_numba_and_py([x, y, v], outs,
                                [rng.standard_normal((4, 6)), rng.standard_normal((2, 4)),
                                 rng.standard_normal(7)])
    src = f.dump_source()  # the loops are kernels: indices t3, t4...; a0... the arrays read
    assert re.search(r"\[1 \+ t\d+, 2 \+ t\d+\]", src) and "_sh.reshape, i2, (1, " in src


@pytest.mark.parametrize("ndim", [3, 5])
def test_join_copies_parts_by_helper_or_loops(ndim):
    """Join writes each part with a runtime.copy helper, which slices inside (up to 4-d),
    or explicit loops (beyond): numpy's concatenate on every axis."""
    a, b = (T.tensor("float64", (False,) * ndim, name=n) for n in "ab")
    shape = (2, 3, 1, 2, 2)[:ndim]
    outs = [T.concatenate([a, b], axis=ax) for ax in range(ndim)]
    f, _ = compare_numba_and_py([a, b], outs, [rng.standard_normal(shape),
                                               rng.standard_normal(shape)])
    assert ("_cp.place3," in f.dump_source()) == (ndim == 3)  # called through the table


def test_float32_sum_accumulates_in_float64():
    """A long float32 sum does not drift: the error stays at one float32 rounding."""
    x = T.fvector("x")
    f = th.function([x], [x.sum(), (x * x).sum(), x.reshape((100, -1)).sum(axis=1)])
    v = np.random.default_rng(0).uniform(0.5, 1.5, 200000).astype("float32")
    total, squares, rows = f(v)
    assert total.dtype == squares.dtype == rows.dtype == np.float32
    exact = v.astype(np.float64)
    np.testing.assert_allclose(total, exact.sum(), rtol=1e-7)
    np.testing.assert_allclose(squares, (exact * exact).sum(), rtol=1e-7)
    np.testing.assert_allclose(rows, exact.reshape(100, -1).sum(1), rtol=1e-7)


def test_increment_of_a_unit_step_slice_indexes_consecutively():
    """A slice with no step (or step 1) is written `start + i` in the loop, so it reads and
    writes consecutive elements (vectorisable); a symbolic step keeps `start + i * step`."""
    x, y, k = T.dmatrix("x"), T.dmatrix("y"), T.lscalar("k")
    outs = [T.inc_subtensor(x[:, 2:5], y), T.inc_subtensor(x[1:, 2:5:1], y[1:]),
            T.set_subtensor(x[:, 1::k], y[:, :2])]
    xv, yv = rng.standard_normal((3, 6)), rng.standard_normal((3, 3))
    f, got = compare_numba_and_py([x, y, k], outs, [xv, yv, np.int64(3)])
    want = [xv.copy(), xv.copy(), xv.copy()]
    want[0][:, 2:5] += yv
    want[1][1:, 2:5] += yv[1:]
    want[2][:, 1::3] = yv[:, :2]
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b)
    src = f.dump_source()  # in kernels: t0[t1 + t7, t4 + t8 * t5] (t5 the step)
    assert len(re.findall(r"\+ t\d+ \* t\d+\]", src)) == 1, src  # only the symbolic step

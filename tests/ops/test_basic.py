"""Basic tensor ops against numpy: constants, shapes, reshape/flatten, join/stack, alloc and
friends, arange/eye, broadcast patterns; their gradients and inferred shapes."""
import numpy as np
import pytest

import minitheano as th
from minitheano import tensor as T
from tests.helpers import check_infer_shape, run

RNG = np.random.default_rng(42)


# -- constants and conversion ----------------------------------------------------------------------
@pytest.mark.parametrize("value,dtype", [(1.5, "float64"), (3, "int8"), (300, "int16"),
                                         (2**40, "int64"), (True, "bool"),
                                         (np.float32(2), "float32"), (np.arange(3), "int64"),
                                         ([1.0, 2.0], "float64"), ([1, 2], "int64"),
                                         (np.ones(2, "float32"), "float32")])
def test_constant_dtypes(value, dtype):
    c = T.constant(value)
    assert c.dtype == dtype
    np.testing.assert_array_equal(c.data, np.asarray(value))
    assert c.broadcastable == tuple(n == 1 for n in np.shape(value))


def test_constant_is_read_only_copy_and_named():
    a = np.arange(3.0)
    c = T.constant(a, name="c")
    a[0] = 9
    assert c.data[0] == 0 and str(c) == "c"
    with pytest.raises(ValueError):
        c.data[0] = 1
    assert T.constant(2.0, dtype="float32").dtype == "float32"
    assert T.constant(2.0, ndim=2).broadcastable == (True, True)


def test_as_tensor_variable():
    x = T.dvector("x")
    assert T.as_tensor_variable(x) is x
    s = T.dscalar("s")
    v = T.as_tensor_variable([s, 1.0, s])
    assert v.ndim == 1
    np.testing.assert_array_equal(run([s], v, 2.0), [2.0, 1.0, 2.0])
    with pytest.raises(TypeError, match="cannot convert"):
        T.as_tensor_variable("abc")
    with pytest.raises(TypeError, match="expected a 2-d tensor, got x"):
        T.as_tensor_variable(x, ndim=2)


# -- shapes ---------------------------------------------------------------------------------------
def test_shape_and_shape_i(mode):
    x, t = T.dmatrix("x"), T.dtensor3("t")
    assert x.shape.dtype == "int64" and x.shape.ndim == 1
    a, b = np.ones((2, 3)), np.ones((4, 1, 5))
    got = run([x, t], [x.shape, T.shape(t), T.shape_i(t, 2), t.size], a, b, mode=mode)
    np.testing.assert_array_equal(got[0], [2, 3])
    np.testing.assert_array_equal(got[1], [4, 1, 5])
    assert got[2] == 5 and got[3] == 20
    check_infer_shape([x.shape, T.shape_i(x, 1)], [x], [a])


def test_shape_indexing():
    x = T.dmatrix("x")
    assert run([x], x.shape[1], np.ones((2, 7))) == 7


# -- reshape, flatten ----------------------------------------------------------------------------------
def test_reshape_forms():
    x, s, y = T.dmatrix("x"), T.lscalar("s"), T.dtensor3("y")
    a = np.arange(6.0).reshape(2, 3)
    cases = [(x.reshape((3, 2)), a.reshape(3, 2)), (x.reshape((-1,)), a.reshape(-1)),
             (x.reshape((s, -1)), a.reshape(3, -1)), (T.reshape(x, (1, 6)), a.reshape(1, 6)),
             (x.reshape(y.shape), a.reshape(1, 2, 3)), (x.reshape([2, 1, 3]), a.reshape(2, 1, 3)),
             (T.reshape(x, T.as_tensor_variable([s, 2])), a.reshape(3, 2))]
    outs = [c for c, _ in cases]
    got = run([x, s, y], outs, a, 3, np.ones((1, 2, 3)))
    for g, (_, e) in zip(got, cases):
        np.testing.assert_array_equal(g, e)
    assert x.reshape((1, 6)).broadcastable == (True, False)
    assert x.reshape((s, -1)).broadcastable == (False, False)
    check_infer_shape(outs, [x, s, y], [a, 3, np.ones((1, 2, 3))])


def test_reshape_error_names_shapes():
    x = T.dmatrix("x")
    with pytest.raises(ValueError, match=r"'x' of shape \(2, 3\) \(size 6\) into \(4, 2\)"):
        run([x], x.reshape((4, 2)), np.ones((2, 3)))
    with pytest.raises(TypeError, match="integer vector"):
        T.reshape(x, T.dvector(), ndim=2)


@pytest.mark.parametrize("shape,new", [((2, 3), (3, 2)), ((1, 6), (2, -1)), ((2, 3, 1), (6,))])
def test_reshape_grad(shape, new):
    th.verify_grad(lambda v: v.reshape(new), [RNG.normal(size=shape)], mode="py")


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_flatten(ndim):
    t = T.dtensor3("t")
    a = np.arange(24.0).reshape(2, 3, 4)
    out = T.flatten(t, ndim)
    assert out.ndim == ndim
    np.testing.assert_array_equal(run([t], out, a), a.reshape(a.shape[:ndim - 1] + (-1,)))
    check_infer_shape(out, [t], [a])
    th.verify_grad(lambda v: v.flatten(ndim), [a / 24], mode="py")
    th.verify_grad(lambda v: v.flatten(ndim), [a[:1, :, :1] / 24], mode="py")  # broadcastable
    with pytest.raises(ValueError, match="ndim=4"):
        T.flatten(t, 4)


# -- join, stack --------------------------------------------------------------------------------
def test_concatenate_join_stack(mode):
    x, y, v = T.dmatrix("x"), T.dmatrix("y"), T.dvector("v")
    a, b = np.arange(6.0).reshape(2, 3), np.arange(9.0).reshape(3, 3)
    outs = [T.concatenate([x, y]), T.concatenate([x, x], axis=1), T.concatenate([x, x], axis=-1),
            T.join(0, x, y, x), T.stack([v, v]), T.stack([v, v * 2], axis=1),
            T.stack([v, v], axis=-1)]
    expect = [np.concatenate([a, b]), np.concatenate([a, a], 1), np.concatenate([a, a], -1),
              np.concatenate([a, b, a]), np.stack([a[0], a[0]]), np.stack([a[0], 2 * a[0]], 1),
              np.stack([a[0], a[0]], -1)]
    for g, e in zip(run([x, y, v], outs, a, b, a[0], mode=mode), expect):
        np.testing.assert_array_equal(g, e)
    check_infer_shape(outs[:4], [x, y], [a, b])


def test_stack_scalars_and_dtype_upcast():
    s, i = T.dscalar("s"), T.iscalar("i")
    out = T.stack([s, i, s])
    assert out.dtype == "float64" and out.ndim == 1
    np.testing.assert_array_equal(run([s, i], out, 1.5, 2), [1.5, 2.0, 1.5])
    assert T.concatenate([T.ivector(), T.fvector()]).dtype == "float64"
    assert T.concatenate([T.drow(), T.drow()]).broadcastable == (False, False)
    assert T.concatenate([T.drow(), T.drow()], axis=1).broadcastable == (True, False)


def test_join_errors():
    x, v = T.dmatrix("x"), T.dvector("v")
    with pytest.raises(TypeError, match="different ranks"):
        T.concatenate([x, v])
    y = T.dmatrix("y")
    with pytest.raises(ValueError, match=r"incompatible shapes \[\(2, 3\), \(2, 4\)\]"):
        run([x, y], T.concatenate([x, y]), np.ones((2, 3)), np.ones((2, 4)))


@pytest.mark.parametrize("axis,shapes", [(0, [(2, 3), (1, 3), (3, 3)]), (1, [(2, 1), (2, 4)])])
def test_join_grad(axis, shapes):
    th.verify_grad(lambda *xs: T.concatenate(xs, axis=axis),
                   [RNG.normal(size=s) for s in shapes], mode="py")


def test_stack_grad():
    th.verify_grad(lambda a, b: T.stack([a, b], axis=1), [RNG.normal(size=3), RNG.normal(size=3)],
                   mode="py")
    th.verify_grad(lambda a, b: T.stack([a.sum(), b.sum(), a.sum()]),
                   [RNG.normal(size=(2, 2)), RNG.normal(size=(1, 2))], mode="py")


# -- allocation -----------------------------------------------------------------------------------
def test_alloc_zeros_ones(mode):
    x, v, n = T.dmatrix("x"), T.dvector("v"), T.lscalar("n")
    a = np.arange(6.0).reshape(2, 3)
    outs = [T.alloc(1.5, 2, 3), T.alloc(v, n, 3), T.zeros((2, 3)), T.ones((n,)), T.zeros(x.shape),
            T.ones((2, 2), dtype="int32"), T.zeros_like(x), T.ones_like(x, dtype="int32"),
            T.fill(x, 7.0)]
    expect = [np.full((2, 3), 1.5), np.tile(a[0], (4, 1)), np.zeros((2, 3)), np.ones(4),
              np.zeros((2, 3)), np.ones((2, 2), "int32"), np.zeros((2, 3)),
              np.ones((2, 3), "int32"), np.full((2, 3), 7.0)]
    got = run([x, v, n], outs, a, a[0], 4, mode=mode)
    for o, g, e in zip(outs, got, expect):
        assert g.dtype == o.dtype == e.dtype
        np.testing.assert_array_equal(g, e)
    assert T.zeros((2, 3)).dtype == th.config.floatX
    assert T.alloc(1.0, 1, 3).broadcastable == (True, False)
    check_infer_shape(outs, [x, v, n], [a, a[0], 4])


def test_alloc_errors():
    with pytest.raises(TypeError, match="integer scalars"):
        T.alloc(1.0, T.dscalar("s"))
    with pytest.raises(TypeError, match="1 dimensions given for a 2-d value"):
        T.alloc(T.dmatrix(), 3)
    v = T.dvector("v")
    with pytest.raises(ValueError, match=r"shape \(3,\) cannot fill shape \(2, 4\)"):
        run([v], T.alloc(v, 2, 4), np.ones(3))


@pytest.mark.parametrize("shape", [(3,), (1, 3), (2, 1)])
def test_alloc_grad(shape):
    th.verify_grad(lambda v: T.alloc(v, 4, 2, 3), [RNG.normal(size=shape)], mode="py")


def test_zeros_like_grad_is_zero():
    x = T.dvector("x")
    g = T.grad((T.ones_like(x) * 3).sum() + T.zeros_like(x).sum(), x)
    np.testing.assert_array_equal(run([x], g, np.ones(3)), np.zeros(3))


# -- arange, eye --------------------------------------------------------------------------------
@pytest.mark.parametrize("args,kwargs", [((5,), {}), ((1, 10, 3), {}), ((0.0, 1.0, 0.25), {}),
                                         ((5, 0, -2), {}), ((3,), {"dtype": "float32"}),
                                         ((2.5,), {})])
def test_arange(args, kwargs):
    out = T.arange(*args, **kwargs)
    expect = np.arange(*args, **kwargs)
    if expect.dtype.kind == "i":
        assert out.dtype == "int64"
    got = run([], out)
    assert got.dtype == out.dtype
    np.testing.assert_allclose(got, expect)
    check_infer_shape(out, [], [])


def test_arange_symbolic():
    a, b = T.lscalar("a"), T.lscalar("b")
    out = T.arange(a, b, 2)
    np.testing.assert_array_equal(run([a, b], out, 3, 10), np.arange(3, 10, 2))
    check_infer_shape(out, [a, b], [3, 10])
    check_infer_shape(out, [a, b], [10, 3])


@pytest.mark.parametrize("args", [(3,), (2, 4), (4, 3, 1), (3, 3, -2)])
def test_eye(args):
    n = T.lscalar("n")
    out = T.eye(*args)
    assert out.dtype == th.config.floatX
    np.testing.assert_array_equal(run([], out), np.eye(*args))
    check_infer_shape(out, [], [])
    sym = T.eye(n, args[0], dtype="int32")
    np.testing.assert_array_equal(run([n], sym, 5), np.eye(5, args[0], dtype="int32"))
    check_infer_shape(sym, [n], [5])


def test_identity_like():
    x = T.dmatrix("x")
    np.testing.assert_array_equal(run([x], T.identity_like(x), np.ones((2, 3))), np.eye(2, 3))


# -- broadcast patterns ---------------------------------------------------------------------------
def test_patternbroadcast_addbroadcast_unbroadcast(mode):
    x, r = T.dmatrix("x"), T.drow("r")
    assert T.patternbroadcast(x, (True, False)).type == r.type
    assert T.addbroadcast(x, 0).type == r.type
    assert T.addbroadcast(x, 0, 1).broadcastable == (True, True)
    assert T.unbroadcast(r, 0).type == x.type
    assert T.patternbroadcast(x, (False, False)) is x
    a = np.array([[1.0, 2.0]])
    got = run([x, r], [T.addbroadcast(x, 0) + np.ones((3, 2)), T.unbroadcast(r, 0)], a, a,
              mode=mode)
    np.testing.assert_array_equal(got[0], np.full((3, 2), 1.0) + a)
    np.testing.assert_array_equal(got[1], a)
    with pytest.raises(ValueError, match=r"dimension 0 of 'x' is declared broadcastable.*length 2"):
        run([x], T.addbroadcast(x, 0), np.ones((2, 2)), mode=mode)
    with pytest.raises(TypeError, match="pattern"):
        T.patternbroadcast(x, (True,))


@pytest.mark.parametrize("shape", [(1, 3), (1, 1)])
def test_patternbroadcast_grad(shape):
    th.verify_grad(lambda v: T.unbroadcast(v, 0) * 2, [RNG.normal(size=shape)], mode="py")
    m = T.dmatrix("m")
    g = T.grad((T.addbroadcast(m, 0) * np.arange(6.0).reshape(3, 2)).sum(), m)
    assert g.type == m.type
    np.testing.assert_array_equal(run([m], g, np.ones((1, 2))), [[6.0, 9.0]])


def test_makevector_grad():
    th.verify_grad(lambda a, b: T.as_tensor_variable([a, b * 2, a]) * [1.0, 2.0, 3.0],
                   [np.array(0.5), np.array(-1.5)], mode="py")

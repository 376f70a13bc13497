"""Reductions against numpy (axis, keepdims, dtypes) and their gradients."""
import numpy as np
import pytest

import minitheano as th
from minitheano import tensor as T
from tests.helpers import check_infer_shape, run

RNG = np.random.default_rng(3)
AXES = [None, 0, 1, -1, (0, 2), (2, 0)]
REDUCTIONS = ["sum", "prod", "max", "min", "mean", "var", "std"]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", REDUCTIONS + ["all", "any"])
def test_reduction_against_numpy(name, keepdims):
    t = T.dtensor3("t")
    a = RNG.normal(size=(2, 3, 4))
    if name in ("all", "any"):
        a = a > -0.5
        t = T.TensorType("bool", (False,) * 3)("t")
    outs = [getattr(T, name)(t, axis=ax, keepdims=keepdims) for ax in AXES]
    outs.append(getattr(t, name)(axis=1, keepdims=keepdims))  # the method form
    got = run([t], outs, a)
    for ax, o, g in zip(AXES + [1], outs, got):
        e = getattr(np, name)(a, axis=ax, keepdims=keepdims)
        assert g.shape == e.shape and g.dtype == o.dtype, (ax, g.shape, e.shape)
        np.testing.assert_allclose(g, e, rtol=1e-12)
    check_infer_shape(outs, [t], [a])


def test_reductions_in_each_mode(mode):
    """One representative graph per mode (the exhaustive sweep above uses the py linker)."""
    t = T.dtensor3("t")
    a = RNG.normal(size=(2, 3, 4))
    outs = [t.sum(axis=1), t.max(axis=(0, 2), keepdims=True), t.mean(), T.argmax(t, axis=-1),
            T.prod(t, axis=0), T.std(t, axis=2), T.any(t > 1.0, axis=0), t.min(axis=None)]
    expect = [a.sum(1), a.max((0, 2), keepdims=True), a.mean(), a.argmax(-1), a.prod(0),
              a.std(2), (a > 1.0).any(0), a.min()]
    for o, g, e in zip(outs, run([t], outs, a, mode=mode), expect):
        assert g.dtype == o.dtype and g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-12)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_argmax_argmin(name, keepdims):
    t = T.dtensor3("t")
    a = RNG.normal(size=(2, 3, 4))
    axes = [None, 0, 1, -1]
    outs = [getattr(T, name)(t, axis=ax, keepdims=keepdims) for ax in axes]
    for ax, o, g in zip(axes, outs, run([t], outs, a)):
        e = getattr(np, name)(a, axis=ax, keepdims=keepdims)
        assert o.dtype == g.dtype == "int64"
        np.testing.assert_array_equal(g, e)
    check_infer_shape(outs, [t], [a])
    assert T.grad(T.cast(getattr(t, name)(axis=0), "float64").sum(), t) is not None


@pytest.mark.parametrize("dtype,name,want", [("int32", "sum", "int64"), ("int8", "prod", "int64"),
                                             ("uint8", "sum", "uint64"), ("bool", "sum", "int64"),
                                             ("int32", "max", "int32"), ("int32", "mean", "float64"),
                                             ("float32", "sum", "float32"),
                                             ("float32", "mean", "float32"),
                                             ("float32", "var", "float32"), ("int32", "var", "float64"),
                                             ("float64", "all", "bool")])
def test_reduction_dtypes(dtype, name, want):
    x = T.TensorType(dtype, (False, False))("x")
    out = getattr(T, name)(x, axis=0)
    assert out.dtype == want
    a = (RNG.integers(0, 5, (3, 2)) if dtype != "bool" else RNG.random((3, 2)) > 0.5).astype(dtype)
    np.testing.assert_allclose(run([x], out, a), getattr(np, name)(a, axis=0), rtol=1e-6)


def test_sum_dtype_argument_and_broadcastable_pattern():
    x = T.bmatrix("x")
    assert x.sum(dtype="float32").dtype == "float32"
    assert T.sum(x, axis=0, dtype="int16").dtype == "int16"
    assert x.prod(dtype="float64").dtype == x.mean(dtype="float32").dtype.replace("32", "64")
    a = np.array([[100, 100], [100, 1]], "int8")
    np.testing.assert_array_equal(run([x], x.sum(axis=0, dtype="int16"), a), [200, 101])
    r = T.drow("r")
    assert T.sum(r, axis=1).broadcastable == (True,)
    assert T.sum(r, axis=0, keepdims=True).broadcastable == (True, False)
    assert T.max(T.dtensor3(), axis=(0, 2), keepdims=True).broadcastable == (True, False, True)


def test_var_std_ddof():
    x = T.dmatrix("x")
    a = RNG.normal(size=(4, 3))
    got = run([x], [T.var(x, axis=0, ddof=1), T.std(x, ddof=1)], a)
    np.testing.assert_allclose(got[0], a.var(axis=0, ddof=1))
    np.testing.assert_allclose(got[1], a.std(ddof=1))


def test_reduction_errors():
    x = T.dmatrix("x")
    with pytest.raises(ValueError, match="axis 2 is out of range for a 2-d tensor"):
        T.sum(x, axis=2)
    with pytest.raises(ValueError, match="one dimension or None"):
        T.argmax(x, axis=(0, 1))
    with pytest.raises(ValueError, match="empty"):
        run([x], T.max(x, axis=0), np.ones((0, 3)))


# -- gradients ------------------------------------------------------------------------------------
@pytest.mark.parametrize("axis,keepdims", [(None, False), (1, False), ((0, 2), True), (-1, True)])
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_grad(name, axis, keepdims):
    a = RNG.normal(size=(2, 3, 4))
    th.verify_grad(lambda x: getattr(T, name)(x, axis=axis, keepdims=keepdims), [a], mode="py",
                   rng=RNG)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_grad_broadcastable_input(name):
    """A reduced dimension that is broadcastable (length 1): the gradient keeps the pattern."""
    a = RNG.normal(size=(1, 3))
    th.verify_grad(lambda x: getattr(T, name)(x, axis=0), [a], mode="py", rng=RNG)
    th.verify_grad(lambda x: getattr(T, name)(x, axis=1, keepdims=True) * x, [a], mode="py",
                   rng=RNG)


@pytest.mark.parametrize("vals", [[2.0, 0.0, 3.0, -1.5], [0.0, 0.0, 3.0, 1.0], [1.0, 2.0, 4.0, 0.5]])
def test_prod_grad_with_zeros(vals):
    """prod is multilinear, so central differences are exact even at zeros."""
    th.verify_grad(lambda x: T.prod(x), [np.array(vals)], mode="py")
    th.verify_grad(lambda x: T.prod(x, axis=1), [np.array(vals).reshape(2, 2)], mode="py")


def test_max_grad_goes_to_the_maximum():
    x = T.dmatrix("x")
    a = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    g = run([x], T.grad(T.max(x, axis=1).sum(), x), a)
    np.testing.assert_array_equal(g, [[0, 1, 0], [1, 0, 0]])

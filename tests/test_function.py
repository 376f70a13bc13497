"""`function`: arguments, outputs, shared variables and updates (computed first, committed
together), givens, clone, eval, error messages, inputs never modified, floatX=float32."""
import warnings

import numpy as np
import pytest

import minitheano as th
from minitheano import tensor as T
from minitheano.compiler.function import MissingInputError, UnusedInputError


# -- arguments and outputs -------------------------------------------------------------------
def test_defaults_and_keywords(mode):
    x, s = T.dvector("x"), T.dscalar("s")
    f = th.function([x, th.In(s, value=2.0)], x * s, mode=mode)
    a = np.array([1.0, 2.0])
    np.testing.assert_allclose(f(a), 2 * a)
    np.testing.assert_allclose(f(a, 3.0), 3 * a)
    np.testing.assert_allclose(f(x=a, s=4.0), 4 * a)
    np.testing.assert_allclose(f(a, s=5.0), 5 * a)
    g = th.function([th.In(x, name="renamed")], x + 1, mode="py")
    np.testing.assert_allclose(g(renamed=a), a + 1)


def test_single_list_and_no_outputs():
    x = T.dvector("x")
    a = np.array([1.0, 2.0])
    out = th.function([x], x * 2, mode="py")(a)
    assert isinstance(out, np.ndarray)
    outs = th.function([x], [x * 2], mode="py")(a)
    assert isinstance(outs, list) and len(outs) == 1
    outs = th.function([x], (x * 2, x.sum()), mode="py")(a)
    assert isinstance(outs, list) and float(outs[1]) == 3.0
    assert th.function([x], [], mode="py", on_unused_input="ignore")(a) == []


def test_constant_and_input_as_outputs():
    x = T.dvector("x")
    f = th.function([x], [x, T.constant(2.0), x.shape], mode="py")
    a = np.array([1.0, 2.0])
    got = f(a)
    np.testing.assert_array_equal(got[0], a)
    assert got[0] is not a and float(got[1]) == 2.0
    np.testing.assert_array_equal(got[2], [2])


# -- shared variables, updates -------------------------------------------------------------------
def test_shared_get_set_value_and_borrow():
    a = np.arange(3.0)
    s = th.shared(a, "s")
    a[0] = 9
    assert s.get_value()[0] == 0  # copied at creation
    v = s.get_value()
    v[1] = 7
    assert s.get_value()[1] == 1  # get_value copies
    assert s.get_value(borrow=True) is s.get_value(borrow=True)
    b = np.ones(3)
    s.set_value(b)
    b[0] = 5
    assert s.get_value()[0] == 1
    s.set_value(b, borrow=True)
    assert s.get_value(borrow=True) is b
    c = np.zeros(2)
    assert th.shared(c, borrow=True).get_value(borrow=True) is c
    assert s.type == T.dvector().type and th.shared(np.float32(1)).dtype == "float32"
    with pytest.raises(TypeError, match=r"'s': expected a 1-d array"):
        s.set_value(np.ones((2, 2)))
    with pytest.raises(TypeError, match="float64"):
        th.shared(np.ones(2, "float32"), "f").set_value(np.ones(2))


def test_updates_list_and_dict(mode):
    x = T.dvector("x")
    acc = th.shared(np.zeros(2), "acc")
    n = th.shared(np.int64(0), "n")
    f = th.function([x], acc.sum(), updates=[(acc, acc + x), (n, n + 1)], mode=mode)
    assert f(np.ones(2)) == 0.0 and f(np.ones(2)) == 2.0
    np.testing.assert_array_equal(acc.get_value(), [2.0, 2.0])
    assert n.get_value() == 2
    g = th.function([], [], updates={acc: acc * 0}, mode=mode)
    g()
    np.testing.assert_array_equal(acc.get_value(), [0.0, 0.0])


def test_updates_read_the_old_values(mode):
    """Updates are computed from the values before the call: a swap works."""
    a, b = th.shared(np.array([1.0]), "a"), th.shared(np.array([2.0]), "b")
    th.function([], [], updates=[(a, b), (b, a)], mode=mode)()
    assert a.get_value()[0] == 2.0 and b.get_value()[0] == 1.0
    c = th.shared(np.array([1.0]), "c")
    th.function([], [], updates=[(a, a + 1), (c, a * 10)], mode=mode)()
    assert a.get_value()[0] == 3.0 and c.get_value()[0] == 20.0


@pytest.mark.parametrize("order", [0, 1])
def test_failed_call_leaves_every_shared_value_unchanged(mode, order):
    x = T.dvector("x")
    a, b = th.shared(np.zeros(3), "a"), th.shared(np.zeros(2), "b")
    ups = [(a, a + x), (b, b + x)]
    f = th.function([x], (a * 2).sum(), updates=ups[::-1] if order else ups, mode=mode)
    with pytest.raises(ValueError, match="shape mismatch"):
        f(np.ones(3))  # a's update succeeds, b's fails
    np.testing.assert_array_equal(a.get_value(), np.zeros(3))
    np.testing.assert_array_equal(b.get_value(), np.zeros(2))


def test_update_errors():
    x = T.dvector("x")
    s = th.shared(np.zeros(2), "s")
    with pytest.raises(TypeError, match="not a shared variable"):
        th.function([x], [], updates=[(x, x + 1)], mode="py")
    with pytest.raises(ValueError, match="'s' is updated twice"):
        th.function([], [], updates=[(s, s + 1), (s, s * 2)], mode="py")
    with pytest.raises(TypeError, match=r"shared variable 's'.*scalar.*expected.*vector"):
        th.function([], [], updates=[(s, s.sum())], mode="py")
    with pytest.raises(TypeError, match="cast it"):
        th.function([], [], updates=[(s, T.cast(s, "float32"))], mode="py")
    with pytest.raises(TypeError, match=r"\(variable, expression\) pair, got"):
        th.function([], [], updates=[(s, s, s)], mode="py")


def test_update_with_a_broadcastable_expression():
    s = th.shared(np.zeros((1, 3)), "s")
    th.function([], [], updates=[(s, T.ones((1, 3)))], mode="py")()
    np.testing.assert_array_equal(s.get_value(), np.ones((1, 3)))


# -- givens, clone, eval ----------------------------------------------------------------------------
def test_givens_replace_a_shared_variable(mode):
    w = th.shared(np.array([1.0, 2.0]), "w")
    x, y = T.dvector("x"), T.dvector("y")
    f = th.function([x, y], (w * x).sum(), givens=[(w, y * 2)], mode=mode)
    assert float(f(np.ones(2), np.array([3.0, 4.0]))) == 14.0
    g = th.function([y], x * 2, givens={x: y + 1}, mode="py")
    np.testing.assert_allclose(g(np.array([1.0])), [4.0])
    np.testing.assert_array_equal(w.get_value(), [1.0, 2.0])


def test_givens_errors():
    x, m = T.dvector("x"), T.dmatrix("m")
    with pytest.raises(TypeError, match=r"givens: 'x' has type .*vector.*replacement"):
        th.function([m], x * 2, givens=[(x, m)], mode="py")
    with pytest.raises(TypeError, match="not a symbolic variable"):
        th.function([], x * 2, givens=[(1.0, x)], mode="py")


def test_clone_replace():
    x, y = T.dvector("x"), T.dvector("y")
    z = T.exp(x) * 2 + x
    z2 = th.clone(z, replace={x: y ** 2})
    a = np.array([0.5, 1.0])
    np.testing.assert_allclose(th.function([y], z2, mode="py")(a), np.exp(a ** 2) * 2 + a ** 2)
    np.testing.assert_allclose(th.function([x], z, mode="py")(a), np.exp(a) * 2 + a)
    a1, a2 = th.clone([z, x + 1], replace={x: y})
    assert a2.owner.inputs[0] is y


def test_eval():
    x, y = T.dvector("x"), T.dscalar("y")
    np.testing.assert_allclose((x * 2).eval({x: np.array([1.0, 2.0])}), [2.0, 4.0])
    np.testing.assert_allclose((x * y).eval({x: np.ones(2), y: 3.0}), [3.0, 3.0])
    assert float((T.constant(2.0) * 3).eval()) == 6.0
    s = th.shared(np.array([1.0, 2.0]))
    np.testing.assert_allclose((s + 1).eval(), [2.0, 3.0])


# -- errors --------------------------------------------------------------------------------------
def test_call_errors():
    x, s = T.dvector("x"), T.dscalar("s")
    f = th.function([x, s], x * s, mode="py", name="scale")
    with pytest.raises(TypeError, match=r"takes 2 argument\(s\) \('x', 's'\), got 3"):
        f(np.ones(2), 1.0, 2.0)
    with pytest.raises(TypeError, match=r"missing argument\(s\) 's'"):
        f(np.ones(2))
    with pytest.raises(TypeError, match="'x': expected a 1-d array.*got a 2-d array"):
        f(np.ones((2, 2)), 1.0)
    with pytest.raises(TypeError, match="unknown keyword argument 'z'"):
        f(np.ones(2), z=1.0)
    with pytest.raises(TypeError, match="'x' given twice"):
        f(np.ones(2), 1.0, x=np.ones(2))
    with pytest.raises(TypeError, match="'x': expected dtype float64.*got complex128"):
        f(np.ones(2) * 1j, 1.0)


def test_downcast_float64_into_float32():
    x = T.fvector("x")
    f = th.function([x], x * 2, mode="py")
    with pytest.raises(TypeError, match="'x': expected dtype float32.*got float64.*"
                                        "allow_input_downcast=True"):
        f(np.ones(2))
    assert f(np.ones(2, "float32")).dtype == "float32"
    assert f([1.0, 2.5]).dtype == "float32"  # Python floats are not a precision claim
    g = th.function([x], x * 2, mode="py", allow_input_downcast=True)
    np.testing.assert_array_equal(g(np.array([1.5, 2.0])), np.array([3.0, 4.0], "float32"))
    i = T.ivector("i")
    with pytest.raises(TypeError, match="expected dtype int32.*got int64"):
        th.function([i], i + 1, mode="py")(np.array([1, 2], "int64"))
    assert th.function([i], i + 1, mode="py")([1, 2]).dtype == "int32"


def test_compile_errors():
    x, y = T.dvector("x"), T.dvector("y")
    with pytest.raises(MissingInputError, match="'y'.*not in `inputs` \\(inputs: 'x'\\)"):
        th.function([x], x + y, mode="py")
    with pytest.raises(TypeError, match="input 0 .* is computed by Elemwise{mul}.*root"):
        th.function([x * 2], x, mode="py")
    with pytest.raises(ValueError, match="'x' is given more than once"):
        th.function([x, x], x, mode="py")
    with pytest.raises(TypeError, match="shared variable"):
        th.function([th.shared(np.ones(2), "s")], x, mode="py")
    with pytest.raises(TypeError, match="constant"):
        th.function([T.constant(1.0)], x, mode="py")
    with pytest.raises(TypeError, match="list of variables"):
        th.function(x, x * 2, mode="py")


def test_unused_inputs():
    x, y = T.dvector("x"), T.dvector("y")
    with pytest.raises(UnusedInputError, match="input 'y' is not used"):
        th.function([x, y], x * 2, mode="py")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = th.function([x, y], x * 2, mode="py", on_unused_input="warn")
    assert any("'y'" in str(w.message) for w in caught)
    np.testing.assert_array_equal(f(np.ones(1), np.ones(5)), [2.0])
    th.function([x, y], x * 2, mode="py", on_unused_input="ignore")


def test_shape_mismatch_names_the_node(mode):
    x, y = T.dvector("x"), T.dvector("y")
    f = th.function([x, y], T.exp(x) * y, mode=mode)
    # the node may be fused (Elemwise{Composite{mul(exp(i0), i1)}}): it is still named
    with pytest.raises(ValueError, match=r"(?s)Elemwise\{.*mul.*'x'\) has 2.*'y'\) has 3.*in node"):
        f(np.ones(2), np.ones(3))


# -- aliasing -----------------------------------------------------------------------------------
def test_inputs_are_never_modified_and_outputs_do_not_alias(mode):
    x = T.dmatrix("x")
    s = th.shared(np.zeros((2, 2)), "s")
    f = th.function([x], [x, x.T, x * 2, x + 0, T.exp(x)], updates=[(s, x)], mode=mode)
    a = np.arange(4.0).reshape(2, 2)
    keep = a.copy()
    outs = f(a)
    np.testing.assert_array_equal(a, keep)
    for o in outs:
        assert not np.may_share_memory(o, a)
        o[...] = -1
    np.testing.assert_array_equal(a, keep)
    assert not np.may_share_memory(s.get_value(borrow=True), a)
    # single-client chains are where an inplace rewrite could be tempted to reuse an input
    w = th.shared(np.ones((2, 2)), "w")
    g = th.function([x], [T.tanh(T.exp(x) * 2 + 1), T.exp(w) * 2 - 1], mode=mode)
    g(a)
    np.testing.assert_array_equal(a, keep)
    np.testing.assert_array_equal(w.get_value(), np.ones((2, 2)))


def test_results_of_successive_calls_are_independent(mode):
    x = T.dvector("x")
    f = th.function([x], [x * 2, T.exp(x).sum()], mode=mode)
    r1 = f(np.array([1.0, 2.0]))
    r2 = f(np.array([5.0, 6.0]))
    np.testing.assert_array_equal(r1[0], [2.0, 4.0])
    np.testing.assert_array_equal(r2[0], [10.0, 12.0])
    assert not np.may_share_memory(r1[0], r2[0])


def test_an_output_listed_twice_gives_two_arrays(mode):
    x = T.dvector("x")
    y = x * 2
    r = th.function([x], [y, y, x, x], mode=mode)(np.ones(2))
    assert not np.may_share_memory(r[0], r[1]) and not np.may_share_memory(r[2], r[3])
    r[0][0] = 7
    assert r[1][0] == 2.0


def test_shared_value_not_aliased_by_an_output():
    s = th.shared(np.ones(2), "s")
    f = th.function([], s, mode="py")
    out = f()
    out[0] = 5
    assert s.get_value()[0] == 1.0


# -- floatX ------------------------------------------------------------------------------------
def test_floatX_float32(mode):
    old = th.config.floatX
    th.config.floatX = "float32"
    try:
        x = T.vector("x")
        w = th.shared(np.ones(2, "float32"), "w")
        out = T.tanh(x * w * 1.5 + 2.0).sum()
        assert x.dtype == out.dtype == T.zeros((2,)).dtype == "float32"
        g = T.grad(out, [x, w])
        f = th.function([x], [out] + g, updates=[(w, w - 0.1 * g[1])], mode=mode)
        res = f([0.5, -0.5])
        assert all(r.dtype == "float32" for r in res) and w.get_value().dtype == "float32"
        a = np.array([0.5, -0.5])
        np.testing.assert_allclose(res[0], np.tanh(a * 1.5 + 2).sum(), rtol=1e-6)
        with pytest.raises(ValueError, match="float32"):
            th.config.floatX = "float16"
    finally:
        th.config.floatX = old
    assert T.vector().dtype == old

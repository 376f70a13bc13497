"""The Numba lowering of scan agrees with the py reference linker (forward and BPTT), runs
the loop inside the one generated function, and reports run-time errors."""
import numpy as np
import pytest

import minitheano as th
from minitheano import tensor as T

rng = np.random.default_rng(7)


def compare_numba_and_py(inputs, outputs, values, rtol=1e-10, atol=1e-12, updates=None):
    """Compile in mode 'py' and FAST_RUN; the results must agree. Returns the Numba function."""
    f_py = th.function(inputs, outputs, mode="py", on_unused_input="ignore")
    f_nb = th.function(inputs, outputs, mode="FAST_RUN", on_unused_input="ignore")
    a, b = f_py(*values), f_nb(*values)
    a = a if isinstance(a, list) else [a]
    b = b if isinstance(b, list) else [b]
    for u, v in zip(a, b):
        assert np.shape(u) == np.shape(v) and np.asarray(u).dtype == np.asarray(v).dtype
        np.testing.assert_allclose(v, u, rtol=rtol, atol=atol)
    return f_nb


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_rnn_forward_and_bptt(dtype):
    x = T.tensor3("x", dtype=dtype)
    h0 = T.matrix("h0", dtype=dtype)
    W, U = T.matrix("W", dtype=dtype), T.matrix("U", dtype=dtype)
    b = T.vector("b", dtype=dtype)
    hs, _ = th.scan(lambda x_t, h, W, U, b: T.tanh(T.dot(x_t, W) + T.dot(h, U) + b),
                    sequences=x, outputs_info=h0, non_sequences=[W, U, b])
    cost = (hs ** 2).sum()
    grads = th.grad(cost, [x, h0, W, U, b])
    vals = [rng.normal(size=s).astype(dtype) for s in [(6, 2, 3), (2, 4), (3, 4), (4, 4), (4,)]]
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else {}
    f = compare_numba_and_py([x, h0, W, U, b], [hs, cost] + grads, vals, **tol)
    src = f.dump_source()
    assert "for " in src and "range(" in src  # the loop is in the generated function


def test_taps_several_outputs_and_nit_sot():
    x = T.matrix("x")
    s0 = T.matrix("s0")
    c0 = T.scalar("c0")

    def step(xm1, xp1, sm3, sm1, c):
        new = T.tanh(sm1 * 0.5 + sm3 * 0.25 + xm1 - xp1)
        return new, c + new.sum(), new.max()

    (s, c, m), _ = th.scan(step, sequences=dict(input=x, taps=[-1, 1]),
                           outputs_info=[dict(initial=s0, taps=[-3, -1]), c0, None])
    compare_numba_and_py([x, s0, c0], [s, c, m],
                         [rng.normal(size=(7, 2)), rng.normal(size=(3, 2)), np.array(0.5)])


def test_scalar_states_and_integer_sequence():
    idx = T.lvector("idx")
    acc0 = T.scalar("acc0")
    out, _ = th.scan(lambda i, a: a * 0.5 + T.cast(i, "float64"), sequences=idx,
                     outputs_info=acc0)
    compare_numba_and_py([idx, acc0], out, [np.array([3, 1, 4, 1, 5]), np.array(2.0)])


def test_reverse_loop_of_gradient_with_mit_sot():
    x0 = T.matrix("x0")
    w = T.vector("w")
    out, _ = th.scan(lambda a, b, w: T.tanh(a * w + b), n_steps=5,
                     outputs_info=dict(initial=x0, taps=[-2, -1]), non_sequences=w)
    g = th.grad((out ** 2).sum(), [x0, w])
    compare_numba_and_py([x0, w], [out] + g, [rng.normal(size=(3, 2)), rng.normal(size=2)])


def test_shared_updates_and_counter():
    state = th.shared(np.int64(0), name="state")
    acc = th.shared(np.zeros(3), name="acc")
    x = T.matrix("x")
    out, upd = th.scan(lambda x_t: (acc + x_t, {acc: acc + x_t, state: state + 1}),
                       sequences=x)
    f = th.function([x], out, updates=upd, mode="FAST_RUN")
    xv = rng.normal(size=(4, 3))
    np.testing.assert_allclose(f(xv), np.cumsum(xv, 0))
    np.testing.assert_allclose(acc.get_value(), xv.sum(0))
    assert state.get_value() == 4


def test_nested_scan():
    M = T.matrix("M")

    def row(r):
        pw, _ = th.scan(lambda p, r: p * r, outputs_info=T.ones_like(r), non_sequences=r,
                        n_steps=3)
        return pw.sum(0)

    out, _ = th.scan(row, sequences=M)
    g = th.grad(out.sum(), M)
    compare_numba_and_py([M], [out, g], [rng.uniform(0.5, 1.5, size=(3, 4))])


def test_zero_steps():
    x = T.matrix("x")
    h0 = T.vector("h0")
    (hs, ys), _ = th.scan(lambda x_t, h: [h + x_t, (h * x_t).sum()], sequences=x,
                          outputs_info=[h0, None])
    compare_numba_and_py([x, h0], [hs, ys], [np.zeros((0, 3)), np.ones(3)])


def test_runtime_errors_name_the_problem():
    x0 = T.matrix("x0")
    out, _ = th.scan(lambda a, b: a + b, outputs_info=dict(initial=x0, taps=[-2, -1]),
                     n_steps=3)
    for mode in ("py", "FAST_RUN"):
        f = th.function([x0], out, mode=mode)
        with pytest.raises(ValueError, match="initial value.*1 rows.*need 2|has 1 rows"):
            f(np.ones((1, 2)))
    h0 = T.vector("h0")
    grow, _ = th.scan(lambda h: T.concatenate([h, h]), outputs_info=h0, n_steps=2)
    for mode in ("py", "FAST_RUN"):
        f = th.function([h0], grow, mode=mode)
        with pytest.raises(ValueError, match="shape"):
            f(np.ones(2))
    xs = T.vector("xs")
    short, _ = th.scan(lambda a: a, sequences=xs, n_steps=5)
    for mode in ("py", "FAST_RUN"):
        with pytest.raises(ValueError, match="sequence 0.*3 entries"):
            th.function([xs], short, mode=mode)(np.ones(3))


def test_second_order_gradient():
    w = T.vector("w")
    hs, _ = th.scan(lambda h, w: T.tanh(h * w + 0.3), outputs_info=T.ones_like(w),
                    non_sequences=w, n_steps=4)
    g = th.grad((hs ** 2).sum(), w)
    hvp = th.grad((g * T.arange(3)).sum(), w)
    compare_numba_and_py([w], [g, hvp], [rng.uniform(0.2, 0.9, size=3)])


def _rnn():
    x, h0, U = T.tensor3("x"), T.matrix("h0"), T.matrix("U")
    hs, _ = th.scan(lambda x_t, h, U: T.tanh(x_t + T.dot(h, U)), sequences=x, outputs_info=h0,
                    non_sequences=U)
    return x, h0, U, hs


def test_loop_buffers_are_reused_between_calls_without_aliasing_results():
    """The loops' buffers come from arenas the function keeps (runtime/arena.py): results of
    an earlier call stay intact, calls with more or fewer steps stay right."""
    x, h0, U, hs = _rnn()
    cost = (hs ** 2).sum()
    outs = [hs, hs[-1], cost] + th.grad(cost, [U, x])
    f_py = th.function([x, h0, U], outs, mode="py")
    f = th.function([x, h0, U], outs, mode="FAST_RUN")
    arenas = f.thunk.arenas
    assert len(arenas) == 2 and all(a.size == 0 for a in arenas)  # forward, backward loop
    kept = []
    for steps in (5, 5, 8, 3):
        vals = [rng.normal(size=(steps, 2, 3)), rng.normal(size=(2, 3)),
                0.5 * rng.normal(size=(3, 3))]
        got = f(*vals)
        for a, b in zip(got, f_py(*vals)):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
        assert not any(np.shares_memory(r, a) for r in got if np.ndim(r) for a in f.thunk.arenas)
        kept.append((got, [np.copy(r) for r in got]))
    assert all(a.size > 0 for a in f.thunk.arenas)  # grown after the first call
    for got, copies in kept:  # later calls did not write into earlier results
        for r, c in zip(got, copies):
            np.testing.assert_array_equal(r, c)


def test_loop_buffers_come_from_the_arena_once_it_is_grown():
    from numba.core.runtime import _nrt_python, rtsys
    x, h0, U, hs = _rnn()
    f = th.function([x, h0, U], th.grad((hs ** 2).sum(), U), mode="FAST_RUN")
    vals = [rng.normal(size=(6, 2, 3)), rng.normal(size=(2, 3)), 0.5 * rng.normal(size=(3, 3))]
    _nrt_python.memsys_enable_stats()
    try:
        counts = []
        for _ in range(3):
            before = rtsys.get_allocation_stats().alloc
            f(*vals)
            counts.append(rtsys.get_allocation_stats().alloc - before)
    finally:
        _nrt_python.memsys_disable_stats()
    # first call: every buffer allocated; then the forward loop's states and history and the
    # backward loop's state buffers come from the arenas
    assert counts[1] == counts[2] <= counts[0] - 3


def test_shared_update_from_a_loop_does_not_keep_its_arena():
    x, h0, U, hs = _rnn()
    h = th.shared(np.zeros((2, 3)), name="h")
    f = th.function([x, U], hs.sum(), givens={h0: h}, updates={h: hs[-1]}, mode="FAST_RUN")
    vals = [rng.normal(size=(4, 2, 3)), 0.5 * rng.normal(size=(3, 3))]
    f(*vals)
    first = h.get_value()
    f(*vals)  # the second call writes into the arena the first call sized
    value = h.get_value(borrow=True)
    assert not any(np.shares_memory(value, a) for a in f.thunk.arenas)
    assert not np.array_equal(value, first)  # it started from the first call's last state

"""Property tests: random graphs (elementwise, broadcasting, dot, reductions, shared variables
with updates) compiled with every rewrite equal the same graphs run with none; inputs the user
passes never change, also when one array is passed for two inputs; shared values change only
through their updates."""
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minitheano as th
from minitheano import tensor as T

from minitheano.compiler.mode import Mode

from .rewriting_utils import ORACLE, PY, check_phases  # noqa: F401

NUMBA = Mode("numba")

UNARY = {
    "tanh": T.tanh, "neg": lambda a: -a, "sqr": T.sqr, "sigmoid": T.nnet.sigmoid,
    "exp_tanh": lambda a: T.exp(T.tanh(a)), "log1sq": lambda a: T.log(1 + T.sqr(a)),
    "logsig": lambda a: T.log(T.nnet.sigmoid(a)), "log1msig": lambda a: T.log(1 - T.nnet.sigmoid(a)),
    "expm1": lambda a: T.exp(T.tanh(a)) - 1, "pow2": lambda a: a ** 2,
    "sqrt": lambda a: (1 + T.sqr(a)) ** 0.5, "inv": lambda a: (1 + T.sqr(a)) ** -1,
    "times1": lambda a: a * 1, "plus0": lambda a: 0 + a, "xmx": lambda a: a - a,
    "div_self": lambda a: (a / (1 + T.sqr(a))) * (1 + T.sqr(a)), "twice": lambda a: a * 2.0 * 3,
    "softplus": T.nnet.softplus, "cast32": lambda a: T.cast(T.cast(a, "float32"), "float64"),
}
BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / (1 + T.sqr(b)), "max": T.maximum,
          "scaled": lambda a, b: 0.5 * a - 2.0 * b}


def _broadcastable(sa, sb):
    """Whether shapes sa, sb broadcast (numpy, right-aligned) and the result shape."""
    if len(sa) < len(sb):
        sa, sb = sb, sa
    sb = (1,) * (len(sa) - len(sb)) + sb
    if all(p == q or q == 1 for p, q in zip(sa, sb)):
        return True, sa
    return False, None


class Pool:
    """Variables built so far with their numeric shapes."""

    def __init__(self, items):
        self.items = list(items)

    def pick(self, draw, pred=lambda s: True):
        cands = [it for it in self.items if pred(it[1])]
        return draw(st.sampled_from(cands)) if cands else (None, None)


def _step(draw, pool: Pool) -> None:
    kind = draw(st.sampled_from(["unary", "binary", "binary", "dot", "sum", "shape_ops"]))
    if kind == "unary":
        v, s = pool.pick(draw)
        pool.items.append((UNARY[draw(st.sampled_from(sorted(UNARY)))](v), s))
    elif kind == "binary":
        a, sa = pool.pick(draw)
        col = lambda s: len(s) == 1 and len(sa) == 2 and s[0] == sa[0] != sa[1]  # noqa: E731
        b, sb = pool.pick(draw, lambda s: len(s) <= len(sa) and
                          (_broadcastable(sa, s)[0] or col(s)))
        if b is not None:
            if col(sb):
                b = b.dimshuffle(0, "x")  # a column: broadcast along the rows
            pool.items.append((BINARY[draw(st.sampled_from(sorted(BINARY)))](a, b), sa))
    elif kind == "dot":
        a, sa = pool.pick(draw, lambda s: len(s) in (1, 2))
        b, sb = pool.pick(draw, lambda s: len(s) in (1, 2) and s[0] == sa[-1] and
                          not (len(s) == 1 and len(sa) == 1))
        if b is not None:
            pool.items.append((T.dot(a, b), sa[:-1] + sb[1:]))
    elif kind == "sum":
        v, s = pool.pick(draw, lambda s: len(s) >= 1)
        axis = draw(st.sampled_from([None] + list(range(len(s)))))
        keep = draw(st.booleans())
        out = v.sum(axis=axis, keepdims=keep)
        shape = tuple(1 if keep and (axis is None or d == axis) else n for d, n in enumerate(s)
                      if keep or not (axis is None or d == axis))
        pool.items.append((out, shape))
    else:
        v, s = pool.pick(draw, lambda s: len(s) == 2)
        op = draw(st.sampled_from(["T", "outer", "reshape"]))
        if op == "T":
            pool.items.append((v.T, s[::-1]))
        elif op == "outer":
            a, sa = pool.pick(draw, lambda s: len(s) == 1)
            b, sb = pool.pick(draw, lambda s: len(s) == 1)
            pool.items.append((T.outer(a, b), sa + sb))
        else:
            pool.items.append((v.reshape([s[0] * s[1]]).reshape(s) * 1.5, s))


def _close(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    fin = np.isfinite(want)
    assert np.all(np.isfinite(got[fin])), "a rewrite made a finite value non-finite"
    scale = 1 + np.max(np.abs(want[fin]), initial=0)
    np.testing.assert_allclose(got[fin], want[fin], rtol=1e-7, atol=1e-7 * scale)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_graphs_equal_the_unrewritten_graph(data):
    _check_random_graph(data.draw, PY)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_graphs_compiled_by_numba_equal_the_unrewritten_graph(data):
    """The Numba backend honours the rewritten graph's fused, BLAS and inplace ops."""
    _check_random_graph(data.draw, NUMBA)


def _check_random_graph(draw, mode):
    A, u, u2, v, s = T.matrix("A"), T.vector("u"), T.vector("u2"), T.vector("v"), T.scalar("s")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    S = th.shared(rng.uniform(-1, 1, size=(3, 4)), "S")
    sv = th.shared(rng.uniform(-1, 1, size=4), "sv")
    pool = Pool([(A, (3, 4)), (u, (3,)), (u2, (3,)), (v, (4,)), (s, ()), (S, (3, 4)),
                 (sv, (4,))])
    for _ in range(draw(st.integers(4, 14))):
        _step(draw, pool)
    built = pool.items[7:] or [(A * 2, (3, 4))]
    outs = [built[-1][0]] + [draw(st.sampled_from(built))[0] for _ in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        outs.append(draw(st.sampled_from([A.T, u, S.T])))  # outputs viewing inputs
    updates = []
    mats = [e for e, sh in built if sh == (3, 4)]
    if mats and draw(st.booleans()):
        updates.append((S, draw(st.sampled_from(mats))))
    vecs = [e for e, sh in built if sh == (4,)]
    if vecs and draw(st.booleans()):
        updates.append((sv, draw(st.sampled_from(vecs))))

    ins = [A, u, u2, v, s]
    vals = [rng.uniform(-2, 2, size=(3, 4)), rng.uniform(-2, 2, size=3), None,
            rng.uniform(-2, 2, size=4), np.array(rng.uniform(-2, 2))]
    vals[2] = vals[1] if draw(st.booleans()) else rng.uniform(-2, 2, size=3)  # one array twice
    copies = [np.array(x, copy=True) for x in vals]
    init = {S: S.get_value(), sv: sv.get_value()}

    results = []
    for mode in (mode, ORACLE):
        for var, val in init.items():
            var.set_value(val)
        with np.errstate(all="ignore"):
            f = th.function(ins, outs, mode=mode, updates=updates, on_unused_input="ignore")
            got = [f(*vals) for _ in range(2)]  # twice: updates feed the second call
        for x, c in zip(vals, copies):
            np.testing.assert_array_equal(x, c, err_msg="an input array was modified")
        shared_after = {var: var.get_value() for var in init}
        for var, val in shared_after.items():
            if var not in dict(updates):
                np.testing.assert_array_equal(val, init[var], err_msg=f"{var} changed")
        results.append((got, shared_after))
    (got, sh_got), (want, sh_want) = results
    for call_got, call_want in zip(got, want):
        for a, b in zip(call_got, call_want):
            _close(a, b)
    for var in init:
        _close(sh_got[var], sh_want[var])

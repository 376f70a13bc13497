"""The vectorisable exp/tanh of generated loops keep their documented accuracy vs numpy."""
import numpy as np
import pytest

from minitheano.compiler.numba.runtime import vmath

rng = np.random.default_rng(1)


def _ulps(got, want):
    scale = np.spacing(np.abs(want)).clip(np.finfo(np.float64).smallest_subnormal)
    return np.max(np.abs(got - want) / scale)


@pytest.mark.parametrize("fn, bound, ranges", [
    ("exp", 1, [(-745.1, 709.78), (-1, 1), (-1e-9, 1e-9), (-40, 40), (-745.1, -700)]),
    ("tanh", 2, [(-1, 1), (-0.7, 0.7), (-1e-9, 1e-9), (-20, 20), (-400, 400)]),
])
def test_accuracy_bound(fn, bound, ranges):
    jit, ref = getattr(vmath, fn), getattr(np, fn)
    for lo, hi in ranges:
        x = rng.uniform(lo, hi, 4000)
        got = np.array([jit(v) for v in x])
        assert _ulps(got, ref(x)) <= bound, (fn, lo, hi)
    special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 709.78, 710.0, -745.2, -746.0, 1e-310])
    with np.errstate(over="ignore"):
        want = ref(special)
    got = np.array([jit(v) for v in special])
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)


def test_sin_cos_accuracy_and_exact_rerun_beyond_the_fast_range():
    import minitheano as th
    from minitheano import tensor as T
    for lo, hi in [(-1, 1), (-1e-9, 1e-9), (-vmath.TRIG_LIMIT, vmath.TRIG_LIMIT)]:
        x = rng.uniform(lo, hi, 4000)
        assert _ulps(np.array([vmath.sin(v) for v in x]), np.sin(x)) <= 2
        assert _ulps(np.array([vmath.cos(v) for v in x]), np.cos(x)) <= 2
    x = T.dvector("x")
    f = th.function([x], T.sin(x) * T.exp(-x) + T.cos(x))
    assert "_vm.sin(" in f.dump_source() and "math.sin(" in f.dump_source()
    for v in (np.linspace(-5, 5, 11), np.array([0.5, 1e7, -3e12, np.nan, np.inf, 2.0])):
        with np.errstate(invalid="ignore"):
            want = np.sin(v) * np.exp(-v) + np.cos(v)
        np.testing.assert_allclose(f(v), want, rtol=1e-14, atol=1e-300)

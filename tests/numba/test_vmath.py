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


def _ulps32(got, x, ref):
    """Error of float32 results in float32 ulps of the float64 reference."""
    want = ref(x.astype(np.float64))
    ulp = np.spacing(np.abs(want.astype(np.float32))).astype(np.float64)
    return np.max(np.abs(got.astype(np.float64) - want) / ulp.clip(1.4e-45))


def _tanh32(v):
    return vmath.tanh32_from(v, vmath.exp32(np.float32(2.0) * abs(v)))


@pytest.mark.parametrize("fn, bound, ranges", [
    (vmath.exp32, 1.5, [(-103.9, 88.7), (-1, 1), (-1e-6, 1e-6), (-20, 20), (-103.9, -87)]),
    (_tanh32, 1.0, [(-1, 1), (-0.7, 0.7), (-1e-6, 1e-6), (-20, 20), (-100, 100)]),
])
def test_float32_accuracy_bound(fn, bound, ranges):
    ref = np.exp if fn is vmath.exp32 else np.tanh
    for lo, hi in ranges:
        x = rng.uniform(lo, hi, 4000).astype(np.float32)
        got = np.array([fn(v) for v in x], dtype=np.float32)
        assert _ulps32(got, x, ref) <= bound, (lo, hi)
    special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 88.72, 89.0, -103.9, -105.0,
                        1e-40], np.float32)
    with np.errstate(over="ignore"):
        want = ref(special)
    got = np.array([fn(v) for v in special], dtype=np.float32)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=0)


def test_float32_loops_use_float32_kernels():
    import minitheano as th
    from minitheano import tensor as T
    x = T.fvector("x")
    f = th.function([x], T.tanh(x) + T.nnet.sigmoid(x) * T.exp(x))
    assert "_vm.exp32(" in f.dump_source() and "_vm.tanh32_from(" in f.dump_source()
    v = rng.uniform(-30, 30, 1000).astype(np.float32)
    want = np.tanh(v) + 1 / (1 + np.exp(-v.astype(np.float64))) * np.exp(v.astype(np.float64))
    assert f(v).dtype == np.float32
    np.testing.assert_allclose(f(v), want, rtol=1e-6, atol=1e-7)  # float32 rounding of 4 ops


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

"""Vectorisable exp and tanh for generated loops.

libm's `exp`/`tanh` are opaque scalar calls, so a loop calling them runs one element at a
time (tanh ~14 ns each here) while numpy's ufuncs use SIMD. These versions are plain
arithmetic and selects in small leaf functions (compiled once, cached), which LLVM inlines
into the calling loop and vectorises. (Numba-level `inline="always"` would also work but
costs ~0.1 s of compile per use; tanh is split as tanh_from(x, exp(2|x|)) because LLVM does
not inline a function that itself calls exp.) Their multiply-adds may fuse (`fastmath=
{"contract"}`, flags that stay on the inlined instructions only): a loop of exp 3.4 -> 2.1 ns
per element here; the bounds below hold with and without fusion.

Accuracy, float64, checked against numpy in tests/numba/test_vmath.py:
- exp: at most 1 ulp over the whole range (overflow to inf above 709.78, gradual underflow
  to 0 below -745.13), nan -> nan. Method: x = k ln2 + r, |r| <= ln2/2 (Cody-Waite, two-part
  ln2), degree-13 Taylor polynomial of exp(r) (truncation < 0.01 ulp), times 2**k built from
  exponent bits in two halves (so subnormal results and 2**1024 overflow come out right).
- tanh: at most 2 ulp. |x| < 0.625: x + x z P(z)/Q(z), z = x*x (Cephes' rational
  approximation); otherwise sign(x) (1 - 2 / (exp(2|x|) + 1)); tanh(+-0) = +-0, nan -> nan.
float32 (exp32, tanh32_from): the same methods in float32 arithmetic, eight lanes where
float64 has four; degree-7 Taylor polynomial for exp, Cephes' tanhf polynomial below 0.625.
Measured against the float64 result: exp32 <= 1.5 ulp (numpy's own float32 exp: ~2.3 here),
tanh32 <= 1 ulp; overflow to inf above ~88.72, subnormal results down to ~-103.97.
"""
from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

_JIT = dict(cache=True, error_model="numpy", fastmath={"contract"})
_INLINE = dict(_JIT, inline="always")  # pieces of the leaf functions


def _bitcast(src, dst, llvm_type):
    """An intrinsic reinterpreting the bits of a `src` scalar as a `dst` scalar."""
    @intrinsic
    def cast(typingctx, x):
        def codegen(context, builder, sig, args):
            return builder.bitcast(args[0], llvm_type)
        return dst(src), codegen
    return cast


_bits = _bitcast(types.float64, types.int64, ir.IntType(64))     # float64 -> its bits
_float = _bitcast(types.int64, types.float64, ir.DoubleType())   # bits -> float64
_bits32 = _bitcast(types.float32, types.int32, ir.IntType(32))
_float32 = _bitcast(types.int32, types.float32, ir.FloatType())


_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln2 split so that k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_SHIFT = 1023.0 + 4503599627370496.0  # + 2**52 puts the integer k + 1023 in the low bits


@njit(**_INLINE)
def _pow2(k):
    """2.0**k for an integral float k in [-1022, 1023], from the exponent bits."""
    return _float(_bits(k + _SHIFT) << 52)


@njit(**_INLINE)
def _exp(x):
    y = x if x < 710.0 else 710.0
    y = y if y > -746.0 else -746.0
    k = np.floor(y * _LOG2E + 0.5)
    r = (y - k * _LN2_HI) - k * _LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    half = np.floor(k * 0.5)
    res = p * _pow2(half) * _pow2(k - half)  # p first: p * 2**512 * 2**512 stays finite
    return res if x == x else x


@njit(**_JIT)
def exp(x):
    """exp(x), float64, <= 1 ulp (see the module docstring)."""
    return _exp(x)


@njit(**_JIT)
def tanh_from(x, e):
    """tanh(x) given e = exp(2|x|), float64, <= 2 ulp (see the module docstring)."""
    a = abs(x)
    z = x * x
    ratio = ((-9.64399179425052238628e-1 * z - 9.92877231001918586564e1) * z
             - 1.61468768441708447952e3) / \
        (((z + 1.12811678491632931402e2) * z + 2.23548839060100448583e3) * z
         + 4.84406305325125486048e3)
    small = x + x * (z * ratio)
    big = math.copysign(1.0 - 2.0 / (e + 1.0), x)
    res = small if a < 0.625 else big
    return x if a < 1e-300 else res  # keeps the sign of zero; passes nan through


@njit(**_JIT)
def tanh(x):
    """tanh(x) (generated loops call tanh_from(x, exp(2|x|)) instead, see above)."""
    return tanh_from(x, _exp(2.0 * abs(x)))


# -- float32: the same methods in single precision, twice the SIMD width ----------------------
_F = np.float32
_HI32, _LO32 = _F(89.0), _F(-104.0)  # beyond: inf, 0
_LOG2E32, _HALF32, _ONE32, _TWO32 = _F(_LOG2E), _F(0.5), _F(1.0), _F(2.0)
_LN2_HI32, _LN2_LO32 = _F(0.693359375), _F(-2.12194440e-4)  # k * _LN2_HI32 exact
_SHIFT32 = _F(127.0 + 8388608.0)  # + 2**23 puts the integer k + 127 in the low bits
_EXP32 = tuple(_F(1.0 / math.factorial(n)) for n in range(7, 1, -1))  # 1/7! .. 1/2!
_TANH32 = (_F(-5.70498872745e-3), _F(2.06390887954e-2), _F(-5.37397155531e-2),
           _F(1.33314422036e-1), _F(-3.33332819422e-1))  # Cephes tanhf, |x| < 0.625
_SMALL32 = _F(0.625)


@njit(**_INLINE)
def _pow2_32(k):
    """2.0**k as a float32, for an integral float32 k in [-126, 127]."""
    return _float32(_bits32(k + _SHIFT32) << np.int32(23))


@njit(**_INLINE)
def _exp32(x):
    y = x if x < _HI32 else _HI32
    y = y if y > _LO32 else _LO32
    k = np.floor(y * _LOG2E32 + _HALF32)
    r = (y - k * _LN2_HI32) - k * _LN2_LO32
    c7, c6, c5, c4, c3, c2 = _EXP32
    p = ((((((c7 * r + c6) * r + c5) * r + c4) * r + c3) * r + c2) * r + _ONE32) * r + _ONE32
    half = np.floor(k * _HALF32)
    res = p * _pow2_32(half) * _pow2_32(k - half)
    return res if x == x else x


@njit(**_JIT)
def exp32(x):
    """exp(x) of a float32 in float32 arithmetic, <= 1 ulp (see the module docstring)."""
    return _exp32(np.float32(x))


@njit(**_JIT)
def tanh32_from(x, e):
    """tanh(x) of a float32 given e = exp32(2|x|), <= 2 ulp (see the module docstring)."""
    x = np.float32(x)
    a = abs(x)
    z = x * x
    c4, c3, c2, c1, c0 = _TANH32
    small = (((((c4 * z + c3) * z + c2) * z + c1) * z + c0) * z) * x + x
    big = _ONE32 - _TWO32 / (e + _ONE32)
    big = -big if x < 0 else big
    res = small if a < _SMALL32 else big
    return x if a == 0 else res  # keeps the sign of zero; nan falls through `big`


# -- sin / cos --------------------------------------------------------------------------------
# x = n pi/2 + r with pi/2 in four parts (fdlibm's 33-bit pio2_1, pio2_2, pio2_3 and tail):
# each n * part is exact while |n| < 2**20, so r is accurate to ~1 ulp for |x| <= TRIG_LIMIT;
# generated loops test that bound and rerun the loop with libm when some |x| exceeds it.
TRIG_LIMIT = 2.0 ** 19 * (math.pi / 2)
_INVPIO2 = 6.36619772367581382433e-01
_PIO2_1, _PIO2_2 = 1.57079632673412561417e+00, 6.07710050630396597660e-11
_PIO2_3, _PIO2_3T = 2.02226624871116645580e-21, 8.47842766036889956997e-32


@njit(**_INLINE)
def _reduce(x):
    n = np.floor(x * _INVPIO2 + 0.5)
    r = (((x - n * _PIO2_1) - n * _PIO2_2) - n * _PIO2_3) - n * _PIO2_3T
    return r, n - 4.0 * np.floor(n * 0.25)  # the quadrant, 0..3


@njit(**_INLINE)
def _sin_kernel(r, z):  # fdlibm __kernel_sin on |r| <= pi/4, z = r*r
    p = 2.75573137070700676789e-06 + z * (-2.50507602534068634195e-08
                                          + z * 1.58969099521155010221e-10)
    p = -1.66666666666666324348e-01 + z * (8.33333333332248946124e-03
                                           + z * (-1.98412698298579493134e-04 + z * p))
    return r + r * z * p


@njit(**_INLINE)
def _cos_kernel(z):  # fdlibm __kernel_cos on |r| <= pi/4
    p = -2.75573143513906633035e-07 + z * (2.08757232129817482790e-09
                                           - z * 1.13596475577881948265e-11)
    p = z * (4.16666666666666019037e-02 + z * (-1.38888888888741095749e-03
                                               + z * (2.48015872894767294178e-05 + z * p)))
    hz = 0.5 * z
    w = 1.0 - hz
    return w + (((1.0 - w) - hz) + z * p)


@njit(**_JIT)
def sin(x):
    """sin(x), float64, for |x| <= TRIG_LIMIT (<= 1 ulp measured; see tests)."""
    r, q = _reduce(x)
    z = r * r
    v = _cos_kernel(z) if (q == 1.0) | (q == 3.0) else _sin_kernel(r, z)
    return -v if q >= 2.0 else v


@njit(**_JIT)
def cos(x):
    """cos(x), float64, for |x| <= TRIG_LIMIT."""
    r, q = _reduce(x)
    z = r * r
    v = _sin_kernel(r, z) if (q == 1.0) | (q == 3.0) else _cos_kernel(z)
    return -v if (q == 1.0) | (q == 2.0) else v

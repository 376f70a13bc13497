"""BLAS from Numba code: ?gemv, ?gemm, ?ger and ?dot (d and s), called once per Gemv / Gemm /
Ger / Dot, writing into the destination array.

The BLAS is numpy's own bundled OpenBLAS when there is one (already loaded: no import cost,
numpy's speed), else scipy's cython BLAS. Function addresses are registered with LLVM
(`llvmlite.binding.add_symbol`) at import and declared as `numba.types.ExternalFunction`,
which keeps every caller cacheable on disk (an address taken through ctypes inside jitted code
would disable caching). The symbol names carry the BLAS integer width, so code cached for one
BLAS fails loudly (unresolved symbol, then recompiled) rather than call another wrongly.
"""
from __future__ import annotations

import ctypes
import glob
import os

import numpy as np
from llvmlite import binding as llvm
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

_NAMES = ("dgemv", "sgemv", "dgemm", "sgemm", "dger", "sger", "ddot", "sdot")


def _numpy_openblas() -> dict | None:
    """Addresses in numpy's bundled OpenBLAS (ILP64: 8-byte integers), if it has one."""
    here = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(here, "libscipy_openblas64_*")):
        try:
            lib = ctypes.CDLL(path)
            return {n: ctypes.cast(getattr(lib, f"scipy_{n}_64_"), ctypes.c_void_p).value
                    for n in _NAMES}
        except (OSError, AttributeError):
            continue
    return None


def _scipy_blas() -> dict:
    """Addresses in scipy's cython BLAS (LP64: 4-byte integers)."""
    from scipy.linalg import cython_blas
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    get_ptr = ctypes.pythonapi.PyCapsule_GetPointer
    get_ptr.restype, get_ptr.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    caps = cython_blas.__pyx_capi__
    return {n: get_ptr(caps[n], get_name(caps[n])) for n in _NAMES}


_ADDRESSES = _numpy_openblas()
_INT = np.int64 if _ADDRESSES is not None else np.int32
_ADDRESSES = _ADDRESSES or _scipy_blas()


def _external(name: str, nargs: int, restype=types.void):
    symbol = f"minitheano_{name}_i{np.dtype(_INT).itemsize}"
    llvm.add_symbol(symbol, _ADDRESSES[name])
    return types.ExternalFunction(symbol, restype(*[types.voidptr] * nargs))


# Fortran BLAS: every argument by reference
_dgemv, _sgemv = _external("dgemv", 11), _external("sgemv", 11)
_dgemm, _sgemm = _external("dgemm", 13), _external("sgemm", 13)
_dger, _sger = _external("dger", 9), _external("sger", 9)
_ddot, _sdot = _external("ddot", 5, types.float64), _external("sdot", 5, types.float32)

_N, _T = 78, 84  # ord('N'), ord('T')


@intrinsic
def _ptr(typingctx, arr):
    """The address of an array's first element, as void*."""
    if not isinstance(arr, types.Array):
        return None

    def codegen(context, builder, sig, args):
        a = context.make_array(sig.args[0])(context, builder, args[0])
        return builder.bitcast(a.data, cgutils.voidptr_t)
    return types.voidptr(arr), codegen


@intrinsic
def _ref(typingctx, val):
    """A pointer to a stack copy of a scalar (Fortran passes everything by reference)."""
    if not isinstance(val, (types.Integer, types.Float)):
        return None

    def codegen(context, builder, sig, args):
        slot = cgutils.alloca_once_value(builder, args[0])
        return builder.bitcast(slot, cgutils.voidptr_t)
    return types.voidptr(val), codegen


# -- raw calls: arrays are arguments, so the caller keeps them alive during the call -------
@njit(cache=True)
def _gemv_raw(trans, m, n, alpha, A, lda, x, incx, beta, y, incy):
    if y.itemsize == 8:
        _dgemv(_ref(np.uint8(trans)), _ref(_INT(m)), _ref(_INT(n)), _ref(np.float64(alpha)),
               _ptr(A), _ref(_INT(lda)), _ptr(x), _ref(_INT(incx)), _ref(np.float64(beta)),
               _ptr(y), _ref(_INT(incy)))
    else:
        _sgemv(_ref(np.uint8(trans)), _ref(_INT(m)), _ref(_INT(n)), _ref(np.float32(alpha)),
               _ptr(A), _ref(_INT(lda)), _ptr(x), _ref(_INT(incx)), _ref(np.float32(beta)),
               _ptr(y), _ref(_INT(incy)))


@njit(cache=True)
def _gemm_raw(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc):
    if C.itemsize == 8:
        _dgemm(_ref(np.uint8(ta)), _ref(np.uint8(tb)), _ref(_INT(m)), _ref(_INT(n)), _ref(_INT(k)),
               _ref(np.float64(alpha)), _ptr(A), _ref(_INT(lda)), _ptr(B), _ref(_INT(ldb)),
               _ref(np.float64(beta)), _ptr(C), _ref(_INT(ldc)))
    else:
        _sgemm(_ref(np.uint8(ta)), _ref(np.uint8(tb)), _ref(_INT(m)), _ref(_INT(n)), _ref(_INT(k)),
               _ref(np.float32(alpha)), _ptr(A), _ref(_INT(lda)), _ptr(B), _ref(_INT(ldb)),
               _ref(np.float32(beta)), _ptr(C), _ref(_INT(ldc)))


@njit(cache=True)
def _ger_raw(m, n, alpha, x, incx, y, incy, A, lda):
    if A.itemsize == 8:
        _dger(_ref(_INT(m)), _ref(_INT(n)), _ref(np.float64(alpha)), _ptr(x), _ref(_INT(incx)),
              _ptr(y), _ref(_INT(incy)), _ptr(A), _ref(_INT(lda)))
    else:
        _sger(_ref(_INT(m)), _ref(_INT(n)), _ref(np.float32(alpha)), _ptr(x), _ref(_INT(incx)),
              _ptr(y), _ref(_INT(incy)), _ptr(A), _ref(_INT(lda)))


@njit(cache=True)
def _unit_stride(v):
    """v's stride in elements when BLAS can use it (positive), else 0."""
    s = v.strides[0]
    return s // v.itemsize if s > 0 and s % v.itemsize == 0 else 0


@njit(cache=True)
def _scale(z, beta):
    """z *= beta (z = 0 when beta is 0, ignoring NaN in z, as BLAS does)."""
    if beta == 0:
        z[...] = 0
    else:
        z *= beta
    return z


# -- the entry points called by generated code -------------------------------------------
@njit(cache=True)
def gemv(y, alpha, A, x, beta):
    """y = beta*y + alpha*A·x in y's buffer (a copy of y when BLAS cannot write into it)."""
    m, n = A.shape
    if m == 0:
        return y
    out = y if _unit_stride(y) else np.ascontiguousarray(y).copy()
    if n == 0:
        return _scale(out, beta)
    xs = x if _unit_stride(x) else np.ascontiguousarray(x).copy()
    if A.flags.f_contiguous and not A.flags.c_contiguous:
        _gemv_raw(_N, m, n, alpha, A, m, xs, _unit_stride(xs), beta, out, _unit_stride(out))
    else:  # row-major A is the Fortran matrix A.T: y = (A.T).T x
        Ac = np.ascontiguousarray(A)
        _gemv_raw(_T, n, m, alpha, Ac, n, xs, _unit_stride(xs), beta, out, _unit_stride(out))
    return out


@njit(cache=True)
def gemm(Z, alpha, X, Y, beta):
    """Z = beta*Z + alpha*X·Y in Z's buffer (a copy of Z when it is not contiguous)."""
    m, n = Z.shape
    k = X.shape[1]
    if m == 0 or n == 0:
        return Z
    if k == 0:
        return _scale(Z, beta)
    out = Z if (Z.flags.c_contiguous or Z.flags.f_contiguous) else np.ascontiguousarray(Z).copy()
    Xf = X if (X.flags.c_contiguous or X.flags.f_contiguous) else np.ascontiguousarray(X)
    Yf = Y if (Y.flags.c_contiguous or Y.flags.f_contiguous) else np.ascontiguousarray(Y)
    xc, yc = Xf.flags.c_contiguous, Yf.flags.c_contiguous
    if out.flags.c_contiguous:  # Fortran sees Z.T = alpha * Y.T X.T + beta * Z.T
        _gemm_raw(_N if yc else _T, _N if xc else _T, n, m, k, alpha,
                  Yf, n if yc else k, Xf, k if xc else m, beta, out, n)
    else:  # Fortran order: Z = alpha * X Y + beta * Z
        _gemm_raw(_T if xc else _N, _T if yc else _N, m, n, k, alpha,
                  Xf, k if xc else m, Yf, n if yc else k, beta, out, m)
    return out


@njit(cache=True)
def ger(A, alpha, x, y):
    """A = A + alpha*outer(x, y) in A's buffer (a copy of A when it is not contiguous)."""
    m, n = A.shape
    if m == 0 or n == 0:
        return A
    out = A if (A.flags.c_contiguous or A.flags.f_contiguous) else np.ascontiguousarray(A).copy()
    xs = x if _unit_stride(x) else np.ascontiguousarray(x).copy()
    ys = y if _unit_stride(y) else np.ascontiguousarray(y).copy()
    if out.flags.c_contiguous:  # Fortran sees A.T += alpha * y x.T
        _ger_raw(n, m, alpha, ys, _unit_stride(ys), xs, _unit_stride(xs), out, n)
    else:
        _ger_raw(m, n, alpha, xs, _unit_stride(xs), ys, _unit_stride(ys), out, m)
    return out


@njit(cache=True)
def _dot_raw(n, x, incx, y, incy):
    if x.itemsize == 8:
        return _ddot(_ref(_INT(n)), _ptr(x), _ref(_INT(incx)), _ptr(y), _ref(_INT(incy)))
    return _sdot(_ref(_INT(n)), _ptr(x), _ref(_INT(incx)), _ptr(y), _ref(_INT(incy)))


# -- Dot (numpy.dot of floats) through the same calls ---------------------------------------
@njit(cache=True)
def matmul(X, Y):
    """X·Y for matrices (gemm with beta=0 into a new array)."""
    return gemm(np.empty((X.shape[0], Y.shape[1]), X.dtype), 1.0, X, Y, 0.0)


@njit(cache=True)
def matvec(A, x):
    """A·x (gemv with beta=0 into a new vector)."""
    return gemv(np.empty(A.shape[0], A.dtype), 1.0, A, x, 0.0)


@njit(cache=True)
def vecmat(x, A):
    """x·A = A.T·x."""
    return gemv(np.empty(A.shape[1], A.dtype), 1.0, A.T, x, 0.0)


@njit(cache=True)
def vdot(x, y):
    """The inner product of two vectors."""
    if x.shape[0] == 0:  # BLAS reads nothing and returns 0
        return _dot_raw(0, x, 1, y, 1)
    xs = x if _unit_stride(x) else np.ascontiguousarray(x).copy()
    ys = y if _unit_stride(y) else np.ascontiguousarray(y).copy()
    return _dot_raw(x.shape[0], xs, _unit_stride(xs), ys, _unit_stride(ys))

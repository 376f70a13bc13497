"""Scalar expressions of scalar ops (and fused Composite bodies) in Numba source.

Each ScalarOp's own `code` is used, except where Numba's scalar semantics differ from numpy's
(NaN propagation of maximum/minimum, `~` on booleans, floor/ceil of nan); the result is cast to the op's dtype
where Numba's scalar typing could give another one (small ints, float32, floor -> int).
"""
from __future__ import annotations

from typing import Callable, Sequence

from ...ops import scalar as S
from .dispatch import np_dtype

_FLOAT = ("float32", "float64")


def _maximum(a, b, dtype):
    if dtype in _FLOAT:  # numpy propagates NaN from either side
        return f"({a} if ({a} >= {b} or {a} != {a}) else {b})"
    return f"max({a}, {b})"


def _minimum(a, b, dtype):
    if dtype in _FLOAT:
        return f"({a} if ({a} <= {b} or {a} != {a}) else {b})"
    return f"min({a}, {b})"


def _invert(a, dtype):
    return f"(not {a})" if dtype == "bool" else f"(~{a})"


def _sgn(a, dtype):
    return f"np.sign({a})" if dtype in _FLOAT else f"(({a} > 0) - ({a} < 0))"


def _exp(a: str, dtype: str) -> str:
    """A vectorisable runtime.vmath exp for floats (float32 in float32), libm's otherwise."""
    if dtype == "float32":
        return f"_vm.exp32({a})"
    return f"_vm.exp({a})" if dtype == "float64" else f"math.exp({a})"


def _tanh(a: str, dtype: str) -> str:
    if dtype == "float32":
        return f"_vm.tanh32_from({a}, _vm.exp32(np.float32(2.0) * abs({a})))"
    return f"_vm.tanh_from({a}, _vm.exp(2.0 * abs({a})))" if dtype == "float64" \
        else f"math.tanh({a})"


def _sigmoid(a: str, dtype: str) -> str:
    one = "np.float32(1.0)" if dtype == "float32" else "1.0"
    return f"({one} / ({one} + {_exp(f'-{a}', dtype)}))"


OVERRIDES: dict[str, Callable[..., str]] = {
    # SIMD-friendly exp/tanh (runtime/vmath.py: <= 1-2 ulp); libm's are scalar calls
    "exp": _exp, "tanh": _tanh, "sigmoid": _sigmoid,
    "maximum": _maximum, "minimum": _minimum, "invert": _invert, "sgn": _sgn,
    # math.floor/ceil return Python ints (wrong for nan/inf); numpy's keep floats
    "floor": lambda a, dtype: f"np.floor({a})", "ceil": lambda a, dtype: f"np.ceil({a})",
}

# ops whose Numba result already has the op's dtype when every input has it
_SAME_TYPE = {"add", "mul", "sub", "neg", "abs", "identity", "maximum", "minimum", "switch",
              "clip", "int_div", "mod", "sqr"}
_FLOAT64_EXACT = _SAME_TYPE | {"true_div", "pow", "exp", "exp2", "log", "log2", "log10",
                               "log1p", "expm1", "sqrt", "sin", "cos", "tan", "tanh",
                               "sigmoid", "softplus"}
_BOOL_EXACT = {"lt", "le", "gt", "ge", "eq", "neq", "and_", "or_", "xor", "invert",
               "identity", "switch"}


def _exact(op: S.ScalarOp, in_dtypes: Sequence[str], out: str) -> bool:
    """Whether Numba's scalar typing already yields `out` (so no cast is written)."""
    name = getattr(op, "name", "")
    values = in_dtypes[1:] if name == "switch" else in_dtypes
    if out == "float64":
        return all(d == "float64" for d in values) and name in _FLOAT64_EXACT
    if out == "int64":
        return all(d == "int64" for d in values) and name in _SAME_TYPE - {"abs"}
    if out == "bool":
        return name in _BOOL_EXACT and (name not in ("and_", "or_", "xor", "invert", "identity",
                                                     "switch") or
                                        all(d == "bool" for d in values))
    return False


def scalar_expr(op: S.ScalarOp, args: Sequence[str], in_dtypes: Sequence[str], out: str,
                guards: list[str] | None = None) -> str:
    """The Numba expression of `op` on simple arguments (names or literals), of dtype `out`.

    With a `guards` list (a loop that has an exact fallback), sin/cos use runtime.vmath's
    vectorisable versions and add the condition under which the loop must be rerun exactly.
    """
    name = getattr(op, "name", "")
    if isinstance(op, S.Cast):
        return args[0] if in_dtypes[0] == out else f"{np_dtype(out)}({args[0]})"
    if name in ("sin", "cos") and guards is not None and out in _FLOAT:
        guards.append(f"abs({args[0]}) > _vm.TRIG_LIMIT")
        code = f"_vm.{name}({args[0]})"
    elif name in OVERRIDES:
        code = OVERRIDES[name](*args, out)
    else:
        code = op.code(list(args), out)
    return code if _exact(op, in_dtypes, out) else f"{np_dtype(out)}({code})"


def scalar_body(op: S.ScalarOp, args: Sequence[str], in_dtypes: Sequence[str],
                out_dtypes: Sequence[str], fresh: Callable[[str], str],
                guards: list[str] | None = None) -> tuple[list[str], list[str]]:
    """Lines computing `op` on `args` and the expressions of its outputs. A Composite becomes
    one line per step, each a scalar temporary. (`guards`: see scalar_expr.)"""
    if not isinstance(op, S.Composite):
        return [], [scalar_expr(op, args, in_dtypes, out_dtypes[0], guards)]
    names, dtypes = list(args), list(in_dtypes)
    lines = []
    for step_op, idx, dtype in op.graph:
        t = fresh("t")
        code = scalar_expr(step_op, [names[j] for j in idx], [dtypes[j] for j in idx], dtype, guards)
        lines.append(f"{t} = {code}")
        names.append(t)
        dtypes.append(dtype)
    return lines, [names[o] for o in op.outputs]

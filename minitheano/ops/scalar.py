"""Scalar operations: the per-element meaning of every Elemwise op.

Each ScalarOp gives its numpy implementation (`impl`, on arrays), its output dtype, its
gradient (as tensor expressions of the Elemwise inputs) and `code`, a scalar expression for
the Numba backend. Fused elementwise graphs (`Composite`) are built from these.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..config import config

_SMALL = {"bool", "int8", "uint8", "int16", "uint16"}


def upcast(*dtypes: str) -> str:
    """numpy's promotion of dtypes (bool+bool stays bool)."""
    return str(np.result_type(*[np.dtype(d) for d in dtypes]))


def float_dtype(dtype: str) -> str:
    """The float dtype an integer input of a transcendental function computes in."""
    if dtype in ("float32", "float64"):
        return dtype
    if dtype.startswith("complex"):
        return dtype
    return config.floatX if dtype in _SMALL else "float64"


class ScalarOp:
    """A scalar function; equal name and parameters compare equal."""

    nin = 1
    name = "scalar"
    commutative = False
    associative = False

    def _props(self) -> tuple:
        return ()

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self._props() == other._props()

    def __hash__(self) -> int:
        return hash((type(self), self._props()))

    def __str__(self) -> str:
        return self.name

    __repr__ = __str__

    def output_dtype(self, *dtypes: str) -> str:
        return upcast(*dtypes)

    def impl(self, *args: np.ndarray) -> np.ndarray:
        raise NotImplementedError(self.name)

    def grad(self, inputs, output, gz):
        raise NotImplementedError(f"gradient of {self.name}")

    def code(self, args: Sequence[str], dtype: str) -> str:
        """A Numba scalar expression of `args` (names of scalars) with result dtype `dtype`."""
        raise NotImplementedError(f"no Numba code for scalar op {self.name}")


def _E():
    from . import elemwise
    return elemwise


class _Table(ScalarOp):
    """A scalar op defined by a row of the tables below."""

    def __init__(self, name, nin, impl, code, grad=None, dtype_rule="upcast",
                 commutative=False, associative=False):
        self.name, self.nin, self._impl, self._code = name, nin, impl, code
        self._grad, self.dtype_rule = grad, dtype_rule
        self.commutative, self.associative = commutative, associative

    def _props(self):
        return (self.name,)

    def __reduce__(self):
        return (by_name, (self.name,))

    def output_dtype(self, *dtypes):
        if self.dtype_rule == "bool":
            return "bool"
        if self.dtype_rule == "float":
            return float_dtype(upcast(*dtypes))
        if self.dtype_rule == "int_or_bool" and any(d.startswith(("float", "complex"))
                                                    for d in dtypes):
            raise TypeError(f"{self.name} is a bitwise op: it takes integer or bool inputs, "
                            f"got dtypes {list(dtypes)}")
        return upcast(*dtypes)

    def impl(self, *args):
        if self.dtype_rule == "float":
            # compute in the output float dtype: numpy would use float16 for int8 inputs
            args = [np.asarray(a) for a in args]
            dt = self.output_dtype(*[str(a.dtype) for a in args])
            args = [a.astype(dt) if a.dtype.kind in "biu" else a for a in args]
        return self._impl(*args)

    def grad(self, inputs, output, gz):
        if self._grad is None:
            raise NotImplementedError(f"{self.name} has no gradient")
        return self._grad(inputs, output, gz)

    def code(self, args, dtype):
        return self._code(*args) if callable(self._code) else self._code.format(*args)


def _sigmoid(x):
    return np.exp(-np.logaddexp(0, -x)).astype(x.dtype, copy=False) if x.dtype.kind == "f" \
        else np.exp(-np.logaddexp(0, -x))


def _softplus(x):
    return np.logaddexp(0, x).astype(x.dtype, copy=False) if x.dtype.kind == "f" else np.logaddexp(0, x)


def _nary(sym):
    return lambda *a: "(" + f" {sym} ".join(a) + ")"


def _zeros_grad(inputs, output, gz):
    return [None for _ in inputs]


# gradients: functions of (inputs, output, gz) returning one tensor (or None) per input
def _g_add(xs, z, gz): return [gz for _ in xs]
def _g_mul(xs, z, gz):
    E = _E()
    res = []
    for i in range(len(xs)):
        others = [x for j, x in enumerate(xs) if j != i]
        res.append(E.mul(gz, *others) if others else gz)
    return res
def _g_sub(xs, z, gz): return [gz, -gz]
def _g_mod(xs, z, gz):
    x, y = xs  # x mod y = x - floor(x / y) * y
    return [gz, -gz * _E().int_div(x, y)]
def _g_div(xs, z, gz):
    x, y = xs
    return [gz / y, -gz * x / (y * y)]
def _g_pow(xs, z, gz):
    E = _E()
    x, y = xs
    gx = gz * y * E.pow(x, y - 1)
    gy = gz * z * E.log(E.switch(E.gt(x, 0), x, 1))
    return [gx, gy]
def _g_neg(xs, z, gz): return [-gz]
def _g_abs(xs, z, gz): return [gz * _E().sgn(xs[0])]
def _g_exp(xs, z, gz): return [gz * z]
def _g_log(xs, z, gz): return [gz / xs[0]]
# Python floats (not np.float64) so that float32 gradients stay float32
def _g_log2(xs, z, gz): return [gz / (xs[0] * float(np.log(2.0)))]
def _g_log10(xs, z, gz): return [gz / (xs[0] * float(np.log(10.0)))]
def _g_log1p(xs, z, gz): return [gz / (1 + xs[0])]
def _g_expm1(xs, z, gz): return [gz * (z + 1)]
def _g_sqrt(xs, z, gz): return [gz * 0.5 / z]
def _g_sqr(xs, z, gz): return [gz * 2 * xs[0]]
def _g_sin(xs, z, gz): return [gz * _E().cos(xs[0])]
def _g_cos(xs, z, gz): return [-gz * _E().sin(xs[0])]
def _g_tan(xs, z, gz): return [gz * (1 + z * z)]
def _g_tanh(xs, z, gz): return [gz * (1 - z * z)]
def _g_sigmoid(xs, z, gz): return [gz * z * (1 - z)]
def _g_softplus(xs, z, gz): return [gz * _E().sigmoid(xs[0])]
def _g_max(xs, z, gz):
    E = _E()
    x, y = xs
    return [gz * E.cast(E.ge(x, y), gz.dtype), gz * E.cast(E.lt(x, y), gz.dtype)]
def _g_min(xs, z, gz):
    E = _E()
    x, y = xs
    return [gz * E.cast(E.le(x, y), gz.dtype), gz * E.cast(E.gt(x, y), gz.dtype)]
def _g_switch(xs, z, gz):
    E = _E()
    c, a, b = xs
    zero = E.zeros_like(gz)
    return [None, E.switch(c, gz, zero), E.switch(c, zero, gz)]
def _g_clip(xs, z, gz):
    E = _E()
    x, lo, hi = xs
    gx = E.switch(E.and_(E.ge(x, lo), E.le(x, hi)), gz, 0)
    return [gx, E.switch(E.lt(x, lo), gz, 0), E.switch(E.gt(x, hi), gz, 0)]
def _g_identity(xs, z, gz): return [gz]


def _py_switch(c, a, b): return np.where(c, a, b)
def _py_clip(x, lo, hi): return np.minimum(np.maximum(x, lo), hi)


_ROWS = [
    # name, nin, numpy impl, numba code, grad, dtype rule, commutative/associative
    ("add", -1, lambda *a: _reduce(np.add, a), _nary("+"), _g_add, "upcast", True),
    ("mul", -1, lambda *a: _reduce(np.multiply, a), _nary("*"), _g_mul, "upcast", True),
    ("sub", 2, np.subtract, "({0} - {1})", _g_sub, "upcast", False),
    ("true_div", 2, np.true_divide, "({0} / {1})", _g_div, "float", False),
    ("int_div", 2, np.floor_divide, "({0} // {1})", _zeros_grad, "upcast", False),
    ("mod", 2, np.mod, "({0} % {1})", _g_mod, "upcast", False),
    ("pow", 2, np.power, "({0} ** {1})", _g_pow, "upcast", False),
    ("maximum", 2, np.maximum, "max({0}, {1})", _g_max, "upcast", True),
    ("minimum", 2, np.minimum, "min({0}, {1})", _g_min, "upcast", True),
    ("neg", 1, np.negative, "(-{0})", _g_neg, "upcast", False),
    ("abs", 1, np.abs, "abs({0})", _g_abs, "upcast", False),
    ("sgn", 1, np.sign, "(({0} > 0) - ({0} < 0))", _zeros_grad, "upcast", False),
    ("exp", 1, np.exp, "math.exp({0})", _g_exp, "float", False),
    ("exp2", 1, np.exp2, "(2.0 ** {0})", lambda xs, z, gz: [gz * z * float(np.log(2.0))], "float", False),
    ("log", 1, np.log, "np.log({0})", _g_log, "float", False),
    ("log2", 1, np.log2, "np.log2({0})", _g_log2, "float", False),
    ("log10", 1, np.log10, "np.log10({0})", _g_log10, "float", False),
    ("log1p", 1, np.log1p, "np.log1p({0})", _g_log1p, "float", False),
    ("expm1", 1, np.expm1, "math.expm1({0})", _g_expm1, "float", False),
    ("sqrt", 1, np.sqrt, "np.sqrt({0})", _g_sqrt, "float", False),
    ("sqr", 1, np.square, "({0} * {0})", _g_sqr, "upcast", False),
    ("sin", 1, np.sin, "math.sin({0})", _g_sin, "float", False),
    ("cos", 1, np.cos, "math.cos({0})", _g_cos, "float", False),
    ("tan", 1, np.tan, "math.tan({0})", _g_tan, "float", False),
    ("tanh", 1, np.tanh, "math.tanh({0})", _g_tanh, "float", False),
    ("sigmoid", 1, _sigmoid, "(1.0 / (1.0 + math.exp(-{0})))", _g_sigmoid, "float", False),
    ("softplus", 1, _softplus,
     "(({0}) + math.log1p(math.exp(-({0}))) if ({0}) > 0 else math.log1p(math.exp({0})))",
     _g_softplus, "float", False),
    ("floor", 1, np.floor, "math.floor({0})", _zeros_grad, "float", False),
    ("ceil", 1, np.ceil, "math.ceil({0})", _zeros_grad, "float", False),
    ("round_half_to_even", 1, np.round, "np.round({0})", _zeros_grad, "float", False),
    ("lt", 2, np.less, "({0} < {1})", _zeros_grad, "bool", False),
    ("le", 2, np.less_equal, "({0} <= {1})", _zeros_grad, "bool", False),
    ("gt", 2, np.greater, "({0} > {1})", _zeros_grad, "bool", False),
    ("ge", 2, np.greater_equal, "({0} >= {1})", _zeros_grad, "bool", False),
    ("eq", 2, np.equal, "({0} == {1})", _zeros_grad, "bool", True),
    ("neq", 2, np.not_equal, "({0} != {1})", _zeros_grad, "bool", True),
    ("and_", 2, np.bitwise_and, "({0} & {1})", _zeros_grad, "int_or_bool", True),
    ("or_", 2, np.bitwise_or, "({0} | {1})", _zeros_grad, "int_or_bool", True),
    ("xor", 2, np.bitwise_xor, "({0} ^ {1})", _zeros_grad, "int_or_bool", True),
    ("invert", 1, np.invert, "(~{0})", _zeros_grad, "int_or_bool", False),
    ("switch", 3, _py_switch, "({1} if {0} else {2})", _g_switch, "switch", False),
    ("clip", 3, _py_clip, "min(max({0}, {1}), {2})", _g_clip, "clip", False),
    ("identity", 1, lambda x: np.array(x, copy=True), "{0}", _g_identity, "upcast", False),
]


def _reduce(f, arrays):
    out = arrays[0]
    for a in arrays[1:]:
        out = f(out, a)
    return np.asarray(out)


SCALAR_OPS: dict[str, ScalarOp] = {}
for _name, _nin, _impl, _code, _grad, _rule, _comm in _ROWS:
    SCALAR_OPS[_name] = _Table(_name, _nin, _impl, _code, _grad, _rule,
                               commutative=_comm, associative=_name in ("add", "mul"))

# switch and clip take their dtype from the value operands only
SCALAR_OPS["switch"].output_dtype = lambda c, a, b: upcast(a, b)
SCALAR_OPS["clip"].output_dtype = lambda x, lo, hi: upcast(x, lo, hi)


def by_name(name: str) -> ScalarOp:
    """The scalar op called `name` (pickling support)."""
    return SCALAR_OPS[name]


class Cast(ScalarOp):
    """Convert to `dtype` (values are truncated/wrapped as numpy's astype does)."""

    def __init__(self, dtype: str):
        self.dtype = str(np.dtype(dtype))
        self.name = f"Cast{{{self.dtype}}}"

    def _props(self):
        return (self.dtype,)

    def output_dtype(self, *dtypes):
        return self.dtype

    def impl(self, x):
        return np.asarray(x).astype(self.dtype)

    def grad(self, inputs, output, gz):
        x = inputs[0]
        if x.dtype.startswith(("float", "complex")):
            return [_E().cast(gz, x.dtype)]
        return [None]

    def code(self, args, dtype):
        return f"np.{self.dtype}({args[0]})"


class Composite(ScalarOp):
    """A fused scalar graph: `outputs` expressions of `nin` inputs, built from scalar ops.

    `graph` is a tuple of steps (scalar_op, argument indices, dtype); indices below `nin`
    name inputs, higher ones earlier steps. `outputs` are step indices.
    """

    def __init__(self, nin: int, in_dtypes: tuple, graph: tuple, outputs: tuple):
        self.nin, self.in_dtypes, self.graph, self.outputs = nin, tuple(in_dtypes), tuple(graph), tuple(outputs)
        self.name = "Composite{" + ", ".join(self.formula()) + "}"

    def _props(self):
        return (self.nin, self.in_dtypes, self.graph, self.outputs)

    @property
    def nout(self) -> int:
        return len(self.outputs)

    def output_dtypes(self) -> list[str]:
        return [self.graph[o - self.nin][2] if o >= self.nin else self.in_dtypes[o] for o in self.outputs]

    def output_dtype(self, *dtypes):
        return self.output_dtypes()[0]

    def formula(self) -> list[str]:
        """Readable formulas of the outputs, inputs named i0, i1, ..."""
        exprs = [f"i{k}" for k in range(self.nin)]
        for op, args, _ in self.graph:
            a = [exprs[j] for j in args]
            exprs.append(f"{op.name}({', '.join(a)})")
        return [exprs[o] for o in self.outputs]

    def impl(self, *args):
        vals = [np.asarray(a) for a in args]
        for op, idx, dtype in self.graph:
            vals.append(np.asarray(op.impl(*[vals[j] for j in idx])).astype(dtype, copy=False))
        outs = [vals[o] for o in self.outputs]
        return outs if len(outs) > 1 else outs[0]

    def code(self, args, dtype):
        raise NotImplementedError("Composite lowers through its steps, see compiler.numba")

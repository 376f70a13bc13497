"""Reverse-mode differentiation (`grad`, `jacobian`, `hessian`) and `verify_grad`, a check
of symbolic gradients against finite differences."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .graphlib import Apply, Op, Variable, toposort
from .ops.basic import as_tensor_variable
from .ops.elemwise import cast, zeros_like
from .ops.shape import patternbroadcast
from .ops.type import TensorType, TensorVariable


class DisconnectedInputError(ValueError):
    """`grad` was asked for a variable the cost does not depend on."""


class GradientError(AssertionError):
    """verify_grad found a symbolic gradient that differs from finite differences."""

    def __init__(self, arg: int, abs_err: float, rel_err: float, analytic, numeric):
        self.arg, self.abs_err, self.rel_err = arg, abs_err, rel_err
        self.analytic, self.numeric = analytic, numeric
        super().__init__(f"gradient of argument {arg} differs from finite differences: max abs "
                         f"error {abs_err:.3g}, max rel error {rel_err:.3g}\nsymbolic:\n{analytic}"
                         f"\nnumeric:\n{numeric}")


def grad(cost, wrt, consider_constant: Sequence[Variable] | None = None,
         disconnected_inputs: str = "raise", known_grads: dict | None = None,
         return_disconnected: str = "zero"):
    """Gradient of the scalar `cost` with respect to `wrt` (a variable or a list).

    `consider_constant` variables are not differentiated through; `known_grads` maps
    variables to gradients given by the caller (then `cost` may be None).
    """
    single = isinstance(wrt, Variable)
    wrt_list = [wrt] if single else list(wrt)
    for w in wrt_list:
        if not isinstance(w, Variable):
            raise TypeError(f"grad: wrt must be symbolic variables, got {w!r}")
    grads: dict[Variable, Variable] = {}
    if known_grads:
        for v, g in known_grads.items():
            grads[v] = as_tensor_variable(g)
    sources = list(grads)
    if cost is not None:
        cost = as_tensor_variable(cost)
        if cost.ndim != 0:
            raise TypeError(f"grad: the cost must be a scalar, got {cost} of type {cost.type} "
                            f"(sum or average it first)")
        if not cost.dtype.startswith("float"):
            raise TypeError(f"grad: the cost must be a float, got dtype {cost.dtype}")
        grads[cost] = _add_grad(grads.get(cost), as_tensor_variable(np.asarray(1.0, cost.dtype)))
        sources.append(cost)
    blockers = set(consider_constant or ())
    # not blocked at wrt: a wrt computed from another wrt passes its gradient on (total derivative)
    nodes = toposort(sources, blockers=blockers)
    # variables with a path to a source: their gradient is zero, not disconnected, when every
    # path crosses a piecewise-constant or integer step (floor, comparisons, argmax, ...)
    reaches = set(sources) | {i for node in nodes for i in node.inputs}
    # keep only nodes on a path from some wrt to a source
    wanted = set(wrt_list)
    connected: set[Variable] = set(wrt_list)
    for node in nodes:
        if any(i in connected for i in node.inputs):
            connected.update(node.outputs)
    for node in reversed(nodes):
        if not any(o in connected for o in node.outputs):
            continue
        out_grads = [grads.get(o) for o in node.outputs]
        if all(g is None for g in out_grads):
            continue
        out_grads = [zeros_like(o) if g is None else g for o, g in zip(node.outputs, out_grads)]
        in_grads = node.op.grad(list(node.inputs), out_grads)
        if len(in_grads) != len(node.inputs):
            raise ValueError(f"{node.op}.grad returned {len(in_grads)} gradients for "
                             f"{len(node.inputs)} inputs")
        for inp, g in zip(node.inputs, in_grads):
            if g is None or inp not in connected or inp in blockers - wanted:
                continue
            g = as_tensor_variable(g)
            _check_grad_type(node, inp, g)
            if g.dtype != inp.dtype and inp.dtype.startswith("float"):
                g = cast(g, inp.dtype)
            if isinstance(inp.type, TensorType) and g.broadcastable != inp.broadcastable:
                g = patternbroadcast(g, inp.broadcastable)  # a gradient has its input's type
            grads[inp] = _add_grad(grads.get(inp), g)
    result = []
    for w in wrt_list:
        g = grads.get(w)
        if g is None and w in reaches:
            g = zeros_like(w)
        if g is None:
            msg = (f"grad: the cost does not depend on {_label(w)} ({w.type}); pass "
                   f"disconnected_inputs='ignore' (or 'warn') to get zeros")
            if disconnected_inputs == "raise":
                raise DisconnectedInputError(msg)
            if disconnected_inputs == "warn":
                import warnings
                warnings.warn(msg)
            g = zeros_like(w) if return_disconnected == "zero" else None
        result.append(g)
    return result[0] if single else result


def _label(v) -> str:
    return f"'{v.name}'" if v.name else str(v)


def _add_grad(a, b):
    if a is None:
        return b
    return a + b


def _check_grad_type(node: Apply, inp: Variable, g: Variable) -> None:
    if isinstance(inp.type, TensorType) and g.ndim != inp.ndim:
        raise TypeError(f"{node.op}.grad: gradient of input {_label(inp)} has {g.ndim} "
                        f"dimensions, the input {inp.ndim}")


def jacobian(expression, wrt, consider_constant=None, disconnected_inputs: str = "raise"):
    """d expression[i] / d wrt for a vector `expression` (one grad per element)."""
    from .ops.join import stack
    from .ops.subtensor import getitem
    expression = as_tensor_variable(expression)
    single = isinstance(wrt, Variable)
    wrt_list = [wrt] if single else list(wrt)
    if expression.ndim == 0:
        res = grad(expression, wrt_list, consider_constant, disconnected_inputs)
        return res[0] if single else res
    if expression.ndim != 1:
        raise TypeError("jacobian: expression must be a scalar or a vector")
    n = _static_len(expression)
    rows = [grad(getitem(expression, i), wrt_list, consider_constant, disconnected_inputs)
            for i in range(n)]
    res = [stack([r[k] for r in rows]) for k in range(len(wrt_list))]
    return res[0] if single else res


def _static_len(v: Variable) -> int:
    """The length of a vector whose shape is known at graph-build time (via test values)."""
    from .ops.shape import _static_length
    try:
        return _static_length(v)
    except ValueError:
        pass
    from .compiler.function import function
    from .graphlib import Constant, graph_inputs
    # shared variables hold their values; other inputs need a test value
    ins = [i for i in graph_inputs([v]) if not isinstance(i, Constant) and not hasattr(i, "container")]
    missing = [str(i) for i in ins if getattr(i.tag, "test_value", None) is None]
    if missing:
        raise ValueError(f"jacobian/hessian: the length of {v} is not known when the graph is "
                         f"built; give {', '.join(missing)} a test value "
                         f"(x.tag.test_value = array)")
    # the reference linker: compiling a kernel just to read one length would cost seconds
    return int(function(ins, v.shape[0], mode="py", on_unused_input="ignore")(
        *[i.tag.test_value for i in ins]))


def hessian(cost, wrt, consider_constant=None, disconnected_inputs: str = "raise"):
    """Matrix of second derivatives of scalar `cost` wrt each vector in `wrt`."""
    single = isinstance(wrt, Variable)
    wrt_list = [wrt] if single else list(wrt)
    res = []
    for w in wrt_list:
        g = grad(cost, w, consider_constant, disconnected_inputs)
        res.append(jacobian(g, w, consider_constant, disconnected_inputs))
    return res[0] if single else res


def numeric_grad(f: Callable, points: list[np.ndarray], eps: float) -> list[np.ndarray]:
    """Central finite differences of the scalar function f(*points)."""
    grads = []
    for k, p in enumerate(points):
        g = np.zeros_like(p, dtype="float64")
        flat = p.reshape(-1)
        for j in range(flat.size):
            old = flat[j]
            flat[j] = old + eps
            fp = float(f(*points))
            flat[j] = old - eps
            fm = float(f(*points))
            flat[j] = old
            g.reshape(-1)[j] = (fp - fm) / (2 * eps)
        grads.append(g)
    return grads


def verify_grad(fn: Callable, points: Sequence, eps: float | None = None,
                rel_tol: float | None = None, abs_tol: float | None = None,
                rng: np.random.Generator | np.random.RandomState | None = None,
                mode=None, n_tests: int = 1) -> None:
    """Check the symbolic gradient of `fn` at `points` against finite differences.

    `fn` maps symbolic tensors (one per point) to a tensor; its output is projected on a
    random array to a scalar, whose gradient is compared. Raises GradientError on mismatch.
    """
    from .compiler.function import function
    points = [np.array(p, dtype=p.dtype if hasattr(p, "dtype") and p.dtype.kind == "f"
                       else "float64") for p in points]
    if rng is None:
        rng = np.random.default_rng(1234)
    rand = (lambda shape: rng.random(shape)) if hasattr(rng, "random") and not hasattr(rng, "rand") \
        else (lambda shape: rng.rand(*shape))
    low = any(p.dtype == np.float32 for p in points)
    eps = eps if eps is not None else (1e-3 if low else 1e-6)
    rel_tol = rel_tol if rel_tol is not None else (1e-2 if low else 1e-5)
    abs_tol = abs_tol if abs_tol is not None else (1e-3 if low else 1e-7)
    syms = [TensorType(str(p.dtype), tuple(n == 1 for n in p.shape))(f"input{k}")
            for k, p in enumerate(points)]
    out = as_tensor_variable(fn(*syms))
    out_shape = np.shape(function(syms, out, mode=mode, on_unused_input="ignore")(*points))
    for _ in range(n_tests):
        proj_val = np.asarray(np.asarray(rand(out_shape)) + 0.5, dtype=out.dtype)
        proj = TensorType(out.dtype, (False,) * out.ndim)("projection")
        cost = (out * proj).sum()
        gs = grad(cost, syms, disconnected_inputs="ignore")
        f_cost = function(syms + [proj], cost, mode=mode, on_unused_input="ignore")
        f_grad = function(syms + [proj], gs, mode=mode, on_unused_input="ignore")
        analytic = f_grad(*points, proj_val)
        work = [p.astype("float64") for p in points]
        numeric = numeric_grad(lambda *ps: f_cost(*[q.astype(p.dtype) for q, p in zip(ps, points)],
                                                  proj_val), work, eps)
        for k, (a, n) in enumerate(zip(analytic, numeric)):
            abs_err = np.abs(a - n)
            rel_err = abs_err / np.maximum(np.abs(a) + np.abs(n), 1e-8)
            bad = (abs_err > abs_tol) & (rel_err > rel_tol)
            if np.any(bad):
                raise GradientError(k, float(abs_err.max()), float(rel_err.max()), a, n)

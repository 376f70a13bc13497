"""`function`: compile inputs -> outputs (+ shared-variable updates) into a callable."""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from ..graphlib import Constant, FunctionGraph, Variable, clone_replace, graph_inputs
from ..ops.basic import as_tensor_variable
from ..ops.sharedvar import SharedVariable
from .mode import Mode, get_mode


class MissingInputError(Exception):
    """An output depends on a variable that is neither an input nor shared."""


class UnusedInputError(Exception):
    """An input does not take part in computing any output or update."""


class In:
    """An input with options: a default `value` (used when the argument is omitted), a `name`
    for keyword calls, `borrow` (the function may keep a reference to the array)."""

    def __init__(self, variable: Variable, name: str | None = None, value: Any = None,
                 borrow: bool = False, mutable: bool = False):
        self.variable = variable
        self.name = name if name is not None else variable.name
        self.value = value
        self.borrow = borrow
        self.mutable = mutable


class Out:
    """An output with `borrow=True`: the function may return an internal buffer."""

    def __init__(self, variable: Variable, borrow: bool = False):
        self.variable, self.borrow = variable, borrow


def _label(v: Variable) -> str:
    return f"'{v.name}'" if v.name else f"<{v.type}>"


def _pairs(d, what: str) -> list[tuple]:
    if d is None:
        return []
    if isinstance(d, dict):
        return list(d.items())
    try:
        pairs = [tuple(p) for p in d]
    except TypeError:
        raise TypeError(f"{what} must be a dict or a list of (variable, expression) pairs") from None
    for p in pairs:
        if len(p) != 2:
            raise TypeError(f"{what}: each entry must be a (variable, expression) pair, got {p}")
    return pairs


def function(inputs: Sequence = (), outputs=None, mode=None, updates=None, givens=None,
             no_default_updates: bool = False, accept_inplace: bool = False,
             name: str | None = None, rebuild_strict: bool = True,
             allow_input_downcast: bool | None = None, profile=None,
             on_unused_input: str = "raise", trust_input: bool = False) -> "Function":
    """Compile a callable from `inputs` to `outputs`, applying `updates` to shared variables
    after each call and substituting `givens` in the graph first (Theano's theano.function)."""
    if isinstance(inputs, (Variable, In)):
        raise TypeError("function: inputs must be a list of variables")
    ins = [i if isinstance(i, In) else In(i) for i in inputs]
    for k, i in enumerate(ins):
        v = i.variable
        if not isinstance(v, Variable):
            raise TypeError(f"function: input {k} is {v!r}, not a symbolic variable")
        if isinstance(v, SharedVariable):
            raise TypeError(f"function: input {k} ({_label(v)}) is a shared variable; shared "
                            f"variables are implicit inputs, leave it out of `inputs`")
        if isinstance(v, Constant):
            raise TypeError(f"function: input {k} ({v}) is a constant, not a free variable")
        if v.owner is not None:
            raise TypeError(f"function: input {k} ({_label(v)}) is computed by {v.owner.op}; "
                            f"inputs must be root variables (use givens to substitute)")
    in_vars = [i.variable for i in ins]
    if len(set(map(id, in_vars))) != len(in_vars):
        dup = next(v for v in in_vars if in_vars.count(v) > 1)
        raise ValueError(f"function: input {_label(dup)} is given more than once")

    single = outputs is not None and not isinstance(outputs, (list, tuple))
    outs_raw = [] if outputs is None else ([outputs] if single else list(outputs))
    out_borrow = [o.borrow if isinstance(o, Out) else False for o in outs_raw]
    outs = [as_tensor_variable(o.variable if isinstance(o, Out) else o) for o in outs_raw]

    upd = []
    seen = set()
    for target, expr in _pairs(updates, "updates"):
        if not isinstance(target, SharedVariable):
            raise TypeError(f"updates: {target} is not a shared variable; only shared "
                            f"variables can be updated")
        if target in seen:
            raise ValueError(f"updates: shared variable {_label(target)} is updated twice")
        seen.add(target)
        expr = as_tensor_variable(expr)
        conv = target.type.convert_variable(expr)
        if conv is None:
            raise TypeError(f"updates: the new value of shared variable {_label(target)} has "
                            f"type {expr.type}, expected {target.type}" +
                            (f"; cast it, e.g. T.cast(expr, '{target.dtype}')"
                             if expr.dtype != target.dtype else ""))
        upd.append((target, conv))

    gv = {}
    for var, expr in _pairs(givens, "givens"):
        if not isinstance(var, Variable):
            raise TypeError(f"givens: key {var!r} is not a symbolic variable")
        expr = as_tensor_variable(expr)
        conv = var.type.convert_variable(expr)
        if conv is None:
            raise TypeError(f"givens: {_label(var)} has type {var.type} but its replacement "
                            f"{expr} has type {expr.type}")
        gv[var] = conv
    targets = outs + [e for _, e in upd]
    if gv:
        targets = clone_replace(targets, gv) if targets else []
    outs, upd = targets[:len(outs)], [(t, e) for (t, _), e in zip(upd, targets[len(outs):])]

    implicit: list[SharedVariable] = []
    for v in graph_inputs(targets):
        if isinstance(v, Constant) or v in in_vars:
            continue
        if isinstance(v, SharedVariable):
            if v not in implicit:
                implicit.append(v)
            continue
        raise MissingInputError(
            f"function: {_label(v)} ({v.type}) is needed to compute the outputs but is not in "
            f"`inputs` (inputs: {', '.join(_label(i) for i in in_vars) or 'none'})")
    for t, _ in upd:
        if t not in implicit:
            implicit.append(t)

    used = set(graph_inputs(targets))
    unused = [v for v in in_vars if v not in used]
    if unused and on_unused_input != "ignore":
        msg = (f"function: input {', '.join(_label(v) for v in unused)} is not used to compute "
               f"any output or update; pass on_unused_input='ignore' (or 'warn') to allow it")
        if on_unused_input == "raise":
            raise UnusedInputError(msg)
        warnings.warn(msg)

    mode_obj = get_mode(mode)
    fgraph = FunctionGraph(in_vars + implicit, outs + [e for _, e in upd])
    fgraph.n_outputs = len(outs)
    fgraph.update_targets = [t for t, _ in upd]
    fgraph.n_explicit = len(in_vars)
    graph = _Rewritten(fgraph, mode_obj)
    linker = mode_obj.make_linker()
    if hasattr(linker, "make_function_thunk"):  # may not need the rewritten graph at all
        thunk = linker.make_function_thunk(fgraph, mode_obj, graph.get)
    else:
        thunk = linker.make_thunk(graph.get())
    cls = Function
    if getattr(thunk, "direct", None) is not None and not implicit and not upd and \
            getattr(thunk, "owns_outputs", False):
        cls = _DirectFunction
    return cls(ins, implicit, graph, thunk, single, out_borrow, [t for t, _ in upd],
               mode_obj, name, allow_input_downcast, trust_input)


class _Rewritten:
    """A function's graph, rewritten by its mode when first asked for (a warm start links
    the compiled code without it; printing and error messages ask)."""

    def __init__(self, fgraph: FunctionGraph, mode: Mode):
        self.fgraph, self._mode = fgraph, mode

    def get(self) -> FunctionGraph:
        if self._mode is not None:
            mode, self._mode = self._mode, None
            mode.rewrite(self.fgraph)
        return self.fgraph


class Function:
    """A compiled function: call it with the input values, in order or by name.

    A call checks its inputs cheaply (an exact ndarray of the right dtype, ndim and
    broadcastable lengths passes untouched; anything else goes through `TensorType.filter`),
    or not at all with `trust_input=True`. Returned arrays never share memory with inputs,
    shared values or each other (the Numba linker copies only where aliasing is possible);
    `Out(v, borrow=True)` skips the copy of the py linker's views.
    """

    def __init__(self, ins: list[In], implicit: list[SharedVariable], graph: "_Rewritten",
                 thunk, single: bool, out_borrow: list[bool], update_targets: list,
                 mode: Mode, name: str | None, allow_input_downcast, trust_input: bool):
        self.ins, self.implicit, self._graph, self.thunk = ins, implicit, graph, thunk
        self.single, self.out_borrow, self.update_targets = single, out_borrow, update_targets
        self.mode, self.name = mode, name
        self.allow_input_downcast, self.trust_input = allow_input_downcast, trust_input
        self.n_out = len(out_borrow)
        self._defaults = {k: i.value for k, i in enumerate(ins) if i.value is not None}
        self._by_name = {i.name: k for k, i in enumerate(ins) if i.name}
        self._n_in = len(ins)
        self._accepts = _accepts([i.variable.type for i in ins])
        self._containers = [s.container for s in implicit]
        self._owns = bool(getattr(thunk, "owns_outputs", False))
        self._plain = self._owns and not update_targets  # results need no further work
        self.maker = self  # Theano's f.maker.fgraph

    @property
    def inputs(self) -> list[In]:
        return self.ins

    @property
    def fgraph(self) -> FunctionGraph:
        """The rewritten graph this function runs (Theano's `f.maker.fgraph`)."""
        return self._graph.get()

    def _arguments(self, args, kwargs) -> list:
        n = len(self.ins)
        if len(args) > n:
            raise TypeError(f"{self._fname()}: takes {n} argument(s) "
                            f"({', '.join(_label(i.variable) for i in self.ins)}), got {len(args)}")
        values = list(args) + [None] * (n - len(args))
        given = [True] * len(args) + [False] * (n - len(args))
        for key, val in kwargs.items():
            if key not in self._by_name:
                raise TypeError(f"{self._fname()}: unknown keyword argument {key!r}")
            k = self._by_name[key]
            if given[k]:
                raise TypeError(f"{self._fname()}: argument {key!r} given twice")
            values[k], given[k] = val, True
        for k in range(n):
            if not given[k]:
                if k not in self._defaults:
                    missing = [_label(self.ins[j].variable) for j in range(n)
                               if not given[j] and j not in self._defaults]
                    raise TypeError(f"{self._fname()}: missing argument(s) {', '.join(missing)} "
                                    f"(takes {n}, got {sum(given)})")
                values[k] = self._defaults[k]
        if self.trust_input:
            return values
        return [self._filter(k, v) for k, v in enumerate(values)]

    def _filter(self, k: int, v):
        i = self.ins[k]
        return i.variable.type.filter(v, name=i.name or f"input {k}",
                                      allow_downcast=self.allow_input_downcast)

    def _fname(self) -> str:
        return f"function {self.name!r}" if self.name else "function"

    def __call__(self, *args, **kwargs):
        if kwargs or len(args) != self._n_in:
            values = self._arguments(args, kwargs)
        elif self.trust_input or self._accepts(*args):
            values = args
        else:
            values = [self._filter(k, v) for k, v in enumerate(args)]
        if self._containers:
            results = self.thunk(*values, *[c[0] for c in self._containers])
        else:
            results = self.thunk(*values)
        if self._plain:
            return results[0] if self.single else list(results)
        if self._owns:
            outs, new = results[:self.n_out], results[self.n_out:]
        else:
            outs, new = results[:self.n_out], results[self.n_out:]
            sources = list(values) + ([c[0] for c in self._containers] if self._containers else [])
            owned: list = []  # an output listed twice must not come back as one array
            for o, b in zip(outs, self.out_borrow):
                owned.append(o if b else _own(o, sources + owned))
            outs = owned
            new = [_own(v, sources + outs) for v in new]
        for target, v in zip(self.update_targets, new):  # commit only after all succeeded
            target.container[0] = v
        if self.single:
            return outs[0]
        return list(outs)

    def dump_source(self) -> str:
        """The generated source of this function (Numba linker), or the node order (py)."""
        src = getattr(self.thunk, "source", None)
        if src is not None:
            return src
        return "\n".join(str(n) for n in self.fgraph.toposort())

    def __repr__(self) -> str:
        return f"<minitheano.Function {self.name or ''} mode={self.mode.linker}>"


def _accepts(types: list):
    """A predicate true when every argument is already what `filter` would return (an ndarray
    of the exact dtype, ndim and length-1 dims): one generated expression, so the common call
    pays a few attribute reads per input."""
    env = {"ndarray": np.ndarray}
    terms = []
    for k, t in enumerate(types):
        env[f"d{k}"] = np.dtype(t.dtype)
        terms.append(f"type(a{k}) is ndarray and (a{k}.dtype is d{k} or a{k}.dtype == d{k}) "
                     f"and a{k}.ndim == {t.ndim}")
        terms += [f"a{k}.shape[{d}] == 1" for d, b in enumerate(t.broadcastable) if b]
    args = ", ".join(f"a{k}" for k in range(len(types)))
    exec(f"def accepts({args}):\n    return {' and '.join(terms) or 'True'}\n", env)
    return env["accepts"]


def as_arrays(out: Sequence, scalars: list) -> list:
    """Compiled results with the bare scalars at (position, dtype) made 0-d arrays."""
    out = list(out)
    for k, dtype in scalars:
        out[k] = np.asarray(out[k], dtype)
    return out


def _own(value, sources) -> np.ndarray:
    """`value`, copied if it may share memory with an input or another result."""
    if not isinstance(value, np.ndarray):
        return np.asarray(value)
    for s in sources:
        if isinstance(s, np.ndarray) and np.may_share_memory(value, s):
            return value.copy()
    return value


class _DirectFunction(Function):
    """A Function whose call is the compiled graph itself: no shared variables, no updates,
    outputs owned by the linker (the common small function; W6 measures its overhead)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._run, self._fail = self.thunk.direct, self.thunk.fail
        self._scalars = self.thunk.scalars  # 0-d outputs the graph returns as scalars
        self._one_scalar = self._scalars[0][1] if self.single and self._scalars else None

    def __call__(self, *args, **kwargs):
        if kwargs or len(args) != self._n_in or not (self.trust_input or self._accepts(*args)):
            return Function.__call__(self, *args, **kwargs)
        try:
            results = self._run(*args)
        except Exception as e:  # noqa: BLE001
            if self.thunk.as_compiled(args) is not None:  # e.g. a Fortran-ordered array
                return Function.__call__(self, *args)
            raise self._fail(e, list(args)) from None
        if self._one_scalar is not None:
            return np.asarray(results[0], self._one_scalar)
        if self._scalars:
            results = as_arrays(results, self._scalars)
        return results[0] if self.single else list(results)


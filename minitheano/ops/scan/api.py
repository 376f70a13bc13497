"""`scan`, Theano's loop constructor: call the step function once on placeholders to build the
inner graph, then wrap it in a Scan op applied to the outer sequences, states and parameters."""
from __future__ import annotations

from collections import OrderedDict
from typing import Callable

from ...graphlib import Variable, clone_replace
from ..basic import as_tensor_variable
from ..shape import shape_i
from ..elemwise import minimum
from ..sharedvar import SharedVariable
from ..type import TensorType
from .op import Scan, ScanInfo
from .utils import as_type, drop_time, free_variables, label


def scan(fn: Callable, sequences=None, outputs_info=None, non_sequences=None, n_steps=None,
         truncate_gradient: int = -1, go_backwards: bool = False, mode=None,
         name: str | None = None, profile=False, allow_gc=None, strict: bool = False,
         return_list: bool = False):
    """Repeat `fn` over the steps of `sequences`, feeding outputs back: returns
    `(outputs, updates)` as Theano's `theano.scan`.

    sequences:     variables or `dict(input=x, taps=[...])` (default taps [0]); step t reads
                   x[t + tap - min(taps)].
    outputs_info:  one entry per output of `fn`: None (not fed back), an initial state (taps
                   [-1]) or `dict(initial=x0, taps=[-2, -1])` (x0 holds the -min(taps) states
                   before step 0 along its first axis).
    non_sequences: values passed unchanged to every step; other variables `fn` uses (shared
                   variables included) are added automatically unless `strict`.
    fn gets the sequence taps, then the output taps, then the non-sequences, and returns its
    outputs, optionally with an updates dict for shared variables. `updates` maps each such
    shared variable to its value after the last step; pass it to `function(updates=...)`.
    `mode`, `profile` and `allow_gc` are accepted for compatibility: the loop is compiled
    with the function that contains it.
    """
    name = name or "scan_fn"
    seqs = _sequences(sequences, go_backwards)
    outs_info = _outputs_info(outputs_info)
    non_seqs = [as_tensor_variable(v) if not isinstance(v, Variable) else v
                for v in _as_list(non_sequences)]

    seq_args = [ph for s in seqs for ph in s["placeholders"]]
    state_args = [ph for o in outs_info if o is not None for ph in o["placeholders"]]
    raw = fn(*seq_args, *state_args, *non_seqs)
    outputs, updates = _split_result(raw)
    if outputs_info is None:
        outs_info = [None] * len(outputs)
    if len(outputs) != len(outs_info):
        raise ValueError(f"scan: fn returned {len(outputs)} output(s) but outputs_info has "
                         f"{len(outs_info)} entries; use None in outputs_info for outputs "
                         f"that are not fed back")
    outputs = [_step_output(o, k) for k, o in enumerate(outputs)]
    rec_ids = [k for k, o in enumerate(outs_info) if o is not None]
    nit_ids = [k for k, o in enumerate(outs_info) if o is None]
    for k in rec_ids:
        outputs[k] = _fit_state(outputs[k], k, outs_info[k])

    shared_targets, shared_phs, shared_outs = _shared_updates(updates)
    inner_outs = ([outputs[k] for k in rec_ids] + shared_outs + [outputs[k] for k in nit_ids])

    explicit = []
    for v in non_seqs:
        if not any(v is u for u in explicit + shared_targets):
            explicit.append(v)
    implicit = free_variables(inner_outs, seq_args + state_args + shared_targets + explicit)
    if strict and implicit:
        raise ValueError(f"scan(strict=True): fn uses {', '.join(map(label, implicit))} "
                         f"which {'is' if len(implicit) == 1 else 'are'} not in non_sequences")
    outer_ns = explicit + implicit
    ns_phs = [_placeholder(v.type, v.name) for v in outer_ns]
    repl = dict(zip(outer_ns, ns_phs))
    repl.update(zip(shared_targets, shared_phs))
    inner_outs = clone_replace(inner_outs, repl) if inner_outs else []

    n_sh = len(shared_phs)  # updated shared variables: states of which the last is kept
    info = ScanInfo(
        seq_taps=tuple(tuple(s["offsets"]) for s in seqs),
        out_taps=tuple(tuple(outs_info[k]["taps"]) for k in rec_ids) + ((-1,),) * n_sh,
        init_is_state=tuple(outs_info[k]["taps"] == [-1] for k in rec_ids) + (True,) * n_sh,
        n_nit_sot=len(nit_ids), n_non_seqs=len(outer_ns),
        keep_last=(False,) * len(rec_ids) + (True,) * n_sh + (False,) * len(nit_ids),
        truncate_gradient=int(truncate_gradient))
    out_names = ([_out_name(outputs[k], k) for k in rec_ids] +
                 [f"the update of {label(t)}" for t in shared_targets] +
                 [_out_name(outputs[k], k) for k in nit_ids])
    op = Scan(seq_args + state_args + shared_phs + ns_phs, inner_outs, info, name, out_names)
    steps = _n_steps(n_steps, seqs)
    res = op(steps, *[s["input"] for s in seqs],
             *[outs_info[k]["initial"] for k in rec_ids], *shared_targets, *outer_ns)
    res = res if isinstance(res, list) else [res]

    user = [None] * len(outputs)
    for pos, k in enumerate(rec_ids):
        user[k] = res[pos]
    base = len(rec_ids) + len(shared_phs)
    for pos, k in enumerate(nit_ids):
        user[k] = res[base + pos]
    new_updates = OrderedDict(zip(shared_targets, res[len(rec_ids):base]))
    if not user:
        return ([] if return_list else None), new_updates
    if len(user) == 1 and not return_list:
        return user[0], new_updates
    return user, new_updates


# -- argument normalisation -------------------------------------------------------------------
def _as_list(x) -> list:
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def _placeholder(t: TensorType, name: str | None) -> Variable:
    return t(name)


def _tap_name(base: str | None, k: int) -> str | None:
    if base is None:
        return None
    return f"{base}[t]" if k == 0 else f"{base}[t{k:+d}]"


def _sequences(sequences, go_backwards: bool) -> list[dict]:
    res = []
    for i, s in enumerate(_as_list(sequences)):
        if isinstance(s, dict):
            if "input" not in s:
                raise ValueError(f"scan: sequence {i} is a dict without 'input'")
            x, taps = s["input"], s.get("taps", [0])
        else:
            x, taps = s, [0]
        x = as_tensor_variable(x)
        taps = [0] if taps is None else list(_as_list(taps))
        if not taps or not all(isinstance(k, int) for k in taps):
            raise ValueError(f"scan: the taps of sequence {i} ({label(x)}) must be a non-empty "
                             f"list of ints, got {taps}")
        if x.ndim == 0:
            raise TypeError(f"scan: sequence {i} ({label(x)}) is a scalar; a sequence is "
                            f"iterated over its first dimension")
        base = x.name
        if go_backwards:
            x = x[::-1]
        # Theano's slicing: several taps span min..max; a single tap k reads x[t] when k < 0
        # (dropping the last -k entries) and x[t + k] when k > 0.
        lo, hi = ((min(taps), max(taps)) if len(set(taps)) > 1
                  else (min(taps[0], 0), max(taps[0], 0)))
        t = drop_time(x.type)
        res.append(dict(input=x, offsets=[k - lo for k in taps], reduction=hi - lo,
                        placeholders=[_placeholder(t, _tap_name(base, k)) for k in taps]))
    return res


def _outputs_info(outputs_info) -> list:
    res = []
    for k, o in enumerate(_as_list(outputs_info)):
        if isinstance(o, dict):
            init, taps = o.get("initial"), o.get("taps")
            if init is None:
                if taps:
                    raise ValueError(f"scan: outputs_info[{k}] has taps {taps} but no initial "
                                     f"value")
                res.append(None)
                continue
            taps = [-1] if taps is None else list(_as_list(taps))
        elif o is None:
            res.append(None)
            continue
        else:
            init, taps = o, [-1]
        init = as_tensor_variable(init)
        if not taps or not all(isinstance(t, int) for t in taps):
            raise ValueError(f"scan: the taps of outputs_info[{k}] must be a non-empty list of "
                             f"ints, got {taps}")
        if any(t >= 0 for t in taps):
            raise ValueError(f"scan: outputs_info[{k}] has taps {taps}; an output can only read "
                             f"its past values (negative taps)")
        if len(set(taps)) != len(taps):
            raise ValueError(f"scan: outputs_info[{k}] repeats a tap: {taps}")
        if taps == [-1]:
            st = init.type
        else:
            if init.ndim == 0:
                raise TypeError(f"scan: outputs_info[{k}] has taps {taps}, so its initial value "
                                f"({label(init)}) must stack the {-min(taps)} states before step "
                                f"0 along a first axis; got a scalar")
            st = drop_time(init.type)
        res.append(dict(initial=init, taps=taps,
                        placeholders=[_placeholder(st, _tap_name(init.name, t)) for t in taps]))
    return res


def _split_result(raw) -> tuple[list, OrderedDict]:
    """Theano's step results: outputs, an updates dict, or (outputs, updates) in either order."""
    if isinstance(raw, dict):
        return [], OrderedDict(raw)
    if isinstance(raw, (list, tuple)) and len(raw) == 2 and any(isinstance(r, dict) for r in raw):
        a, b = raw
        outs, upd = (a, b) if isinstance(b, dict) else (b, a)
        return _as_list(outs), OrderedDict(upd)
    if raw is None:
        raise ValueError("scan: fn returned None; return the step's outputs (and/or an "
                         "updates dict)")
    return _as_list(raw), OrderedDict()


def _step_output(o, k: int) -> Variable:
    try:
        return as_tensor_variable(o)
    except TypeError as e:
        raise TypeError(f"scan: output {k} of fn is {o!r}, not a tensor: {e}") from None


def _out_name(o: Variable, k: int) -> str:
    return f"output {k} ('{o.name}')" if o.name else f"output {k}"


def _fit_state(out: Variable, k: int, info: dict) -> Variable:
    """The step's output `out` as the type of the state it feeds (same dtype and rank)."""
    st = info["placeholders"][0].type
    init = info["initial"]
    if out.dtype != st.dtype or out.ndim != st.ndim:
        what = "dtype" if out.dtype != st.dtype else "number of dimensions"
        raise TypeError(f"scan: {_out_name(out, k)} of fn has type {out.type}, but its initial "
                        f"state {label(init)} gives states of type {st}; the {what} must match "
                        f"(cast the initial value or the step's result)")
    return as_type(out, st)


def _shared_updates(updates: OrderedDict) -> tuple[list, list, list]:
    targets, phs, outs = [], [], []
    for target, expr in updates.items():
        if not isinstance(target, SharedVariable):
            raise TypeError(f"scan: the updates of fn must be for shared variables; "
                            f"{label(target)} is not one")
        expr = as_tensor_variable(expr)
        conv = target.type.convert_variable(expr)
        if conv is None:
            raise TypeError(f"scan: the update of shared variable {label(target)} has type "
                            f"{expr.type}, expected {target.type}")
        targets.append(target)
        phs.append(_placeholder(target.type, target.name))
        outs.append(conv)
    return targets, phs, outs


def _n_steps(n_steps, seqs: list[dict]) -> Variable:
    if n_steps is not None:
        n = as_tensor_variable(n_steps)
        if n.ndim != 0 or not n.dtype.startswith(("int", "uint")):
            raise TypeError(f"scan: n_steps must be an integer scalar, got {n_steps!r}")
        return n
    if not seqs:
        raise ValueError("scan: no sequences and no n_steps; give n_steps to say how many "
                         "steps to run")
    lengths = [shape_i(s["input"], 0) - s["reduction"] if s["reduction"] else
               shape_i(s["input"], 0) for s in seqs]
    n = lengths[0]
    for m in lengths[1:]:
        n = minimum(n, m)
    return n

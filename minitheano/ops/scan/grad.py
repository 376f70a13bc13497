"""Backpropagation through time: the gradient of a Scan is another Scan running backwards.

The backward loop has the other direction (ScanInfo.reverse), so it visits forward step
t = n-1, ..., 0 reading every array at the forward loop's positions: the forward inputs of
step t (sequences, the state history, non-sequences), its outputs, the intermediates the
forward loop stored for it (nothing of the step is recomputed) and the output gradients of
step t. It carries, per recurrent output j with
lookback L, the pending gradients P[j][m] of state t-1-m (m < L) coming from later steps, and
per non-sequence w the running sum of its gradient:

    G_t      = dC/ds_t (direct) + P[j][0]                        total gradient of state t
    d_*      = vector-Jacobian product of the step at (G_t, dC/dy_t)
    P'[j][m] = P[j][m+1] + d_{s[t-1-m]}                          shift the window by one step
    A'[w]    = A[w] + d_w

Per-step gradients of the sequence entries are outputs of the backward loop; after it, P
holds the gradients of the initial states. With `truncate_gradient = T` only the last T
forward steps are visited (Theano's truncated BPTT), earlier entries get zero gradient.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...graphlib import Variable, ancestors, clone_replace, toposort
from ..alloc import alloc
from ..basic import as_tensor_variable, constant
from ..join import concatenate, stack
from ..shape import MakeVector, Reshape, Shape, Shape_i, SpecifyBroadcastable, shape_i
from ..elemwise import DimShuffle, le, minimum, switch
from ..subtensor import Subtensor
from .op import Scan, ScanInfo
from .utils import add_time, as_type, is_zero, merge_duplicates


def scan_grad(op: Scan, inputs: list[Variable], output_grads: list[Variable]) -> list:
    """Gradients of the Scan `op` applied to `inputs`, given the gradients of its outputs."""
    from ...gradient import grad  # the vector-Jacobian product of the step graph
    info = op.info
    n, seqs, inits, non_seqs = info.split_outer(inputs)
    truncated = info.truncate_gradient > 0
    n_b = minimum(n, info.truncate_gradient) if truncated else n

    def ph(t, name=None):
        return t(name)

    def is_float(v) -> bool:
        return v.dtype.startswith("float")

    seq_idx, st_idx = info.inner_seq_indices(), info.inner_state_indices()
    ns_base = info.n_inner_inputs - info.n_non_seqs
    # placeholders of the forward step's inputs and outputs inside the backward step
    new_in = [ph(v.type, v.name) for v in op.inner_inputs]
    out_ph = [ph(o.type, f"{o.name or 'out'}[t]") for o in op.inner_outputs]
    rec_float = [is_float(op.state_type(j)) for j in range(info.n_rec)]

    # backward carries: pending state gradients, then non-sequence gradient sums
    carries = [[ph(op.state_type(j), f"d{j}[t-{m + 1}]") for m in range(info.lookback(j))]
               if rec_float[j] else [] for j in range(info.n_rec)]
    step_g = []  # (placeholder, outer gradient, output index) of direct output gradients
    known: dict[Variable, Variable] = {}
    cloned = clone_replace(op.inner_outputs, dict(zip(op.inner_inputs, new_in)))

    def add_known(v, g):
        known[v] = known[v] + g if v in known else g

    for j in range(info.n_rec):
        if not rec_float[j]:
            continue
        g = output_grads[j]
        G = carries[j][0]
        if not info.keep_last[j] and not is_zero(g):
            gp = ph(op.state_type(j), f"g{j}[t]")
            step_g.append((gp, as_type(g, add_time(op.state_type(j))), j))
            G = G + gp
        add_known(cloned[j], G)
    for m in range(info.n_nit_sot):
        k = info.n_rec + m
        g = output_grads[k]
        if not is_float(op.inner_outputs[k]) or is_zero(g):
            continue
        gp = ph(op.inner_outputs[k].type, f"g{k}[t]")
        step_g.append((gp, g if info.keep_last[k] else
                       as_type(g, add_time(op.inner_outputs[k].type)), k))
        add_known(cloned[k], gp)
    if not known:
        return [None] * len(inputs)

    wrt = [v for v in new_in if is_float(v)]
    dws = grad(None, wrt, known_grads=known, disconnected_inputs="ignore",
               return_disconnected="none")
    d = {v: g for v, g in zip(wrt, dws)}

    # new carry values
    new_carries = []
    for j in range(info.n_rec):
        L, taps = info.lookback(j), info.out_taps[j]
        for m in range(len(carries[j])):
            terms = [carries[j][m + 1]] if m + 1 < L else []
            if -(m + 1) in taps:
                g = d.get(new_in[st_idx[j][taps.index(-(m + 1))]])
                if g is not None:
                    terms.append(g)
            val = terms[0] if terms else _zeros_like(carries[j][m])
            for t in terms[1:]:
                val = val + t
            new_carries.append(as_type(val, op.state_type(j)))
    ns_grad_ids = [i for i in range(info.n_non_seqs)
                   if d.get(new_in[ns_base + i]) is not None]
    acc = [ph(op.inner_inputs[ns_base + i].type, f"d_ns{i}") for i in ns_grad_ids]
    new_acc = [as_type(a + d[new_in[ns_base + i]], a.type) for a, i in zip(acc, ns_grad_ids)]
    seq_grad_ids = [(i, q) for i, idx in enumerate(seq_idx) for q, k in enumerate(idx)
                    if d.get(new_in[k]) is not None]
    nit = [as_type(d[new_in[seq_idx[i][q]]], new_in[seq_idx[i][q]].type)
           for i, q in seq_grad_ids]

    # reuse forward values instead of recomputing the step's outputs
    b_outs = merge_duplicates(new_carries + new_acc + nit + cloned,
                              new_in + [c for cs in carries for c in cs] + acc +
                              [p for p, *_ in step_g])
    b_outs, cloned_m = b_outs[:-len(cloned)], b_outs[-len(cloned):]
    b_phs = new_in + [c for cs in carries for c in cs] + acc + [p for p, *_ in step_g]
    saved = _saved_intermediates(b_outs, cloned_m, b_phs)
    saved_ph = [ph(v.type, f"{v.name or 'saved'}[t]") for v in saved]
    reuse = {c: p for c, p in zip(cloned_m, out_ph) if c.owner is not None}
    reuse.update(zip(saved, saved_ph))
    if reuse:
        b_outs = clone_replace(b_outs, reuse)
    used = set(ancestors(b_outs))

    # the forward loop, also returning the intermediates the backward loop reads
    extra = clone_replace(saved, dict(zip(new_in, op.inner_inputs))) if saved else []
    full = Scan(op.inner_inputs, op.inner_outputs + extra,
                replace(info, n_nit_sot=info.n_nit_sot + len(extra),
                        keep_last=(False,) * (info.n_outs + len(extra))),
                op.name, op.output_names + [f"saved {k}" for k in range(len(extra))])
    fwd = full(*inputs)
    fwd = fwd if isinstance(fwd, list) else [fwd]
    states, ys = fwd[:info.n_rec], fwd[info.n_rec:info.n_outs]
    step_g = [(p, _last_only(g, ys[k - info.n_rec], n, info.reverse)
               if k >= info.n_rec and info.keep_last[k] else g) for p, g, k in step_g]

    # backward sequences: forward sequence entries, state histories, outputs, gradients
    b_seq, b_seq_taps, b_seq_phs = [], [], []

    def add_seq(outer, pairs):
        pairs = [(off, p) for off, p in pairs if p in used]
        if pairs:
            b_seq.append(outer)
            b_seq_taps.append(tuple(off for off, _ in pairs))
            b_seq_phs.extend(p for _, p in pairs)

    shift = truncated and not info.reverse  # the backward loop starts at position n - n_b

    def view(a):
        return a[n - n_b:] if shift else a

    for i, (x, taps) in enumerate(zip(seqs, info.seq_taps)):
        add_seq(view(x), [(o, new_in[k]) for o, k in zip(taps, seq_idx[i])])
    for j in range(info.n_rec):
        L = info.lookback(j)
        if info.reverse:  # states at positions n-1-tau, initial states after them
            pairs = [(-k, new_in[i]) for k, i in zip(info.out_taps[j], st_idx[j])]
            pairs.append((0, out_ph[j]))
        else:
            pairs = [(L + k, new_in[i]) for k, i in zip(info.out_taps[j], st_idx[j])]
            pairs.append((L, out_ph[j]))
        if any(p in used for _, p in pairs):
            init = inits[j]
            if info.init_is_state[j]:
                head = init.dimshuffle("x", *range(init.ndim))
            else:
                head = init[:L][::-1] if info.reverse else init[:L]
            hist = [states[j], head] if info.reverse else [head, states[j]]
            add_seq(view(concatenate(hist)), pairs)
    for m in range(info.n_nit_sot):
        if out_ph[info.n_rec + m] in used:
            add_seq(view(ys[m]), [(0, out_ph[info.n_rec + m])])
    for p, g in step_g:
        add_seq(view(g), [(0, p)])
    for p, x in zip(saved_ph, fwd[info.n_outs:]):
        add_seq(view(x), [(0, p)])

    # carries' initial values: zeros, or the gradient of a keep-last output
    carry_init = []
    for j in range(info.n_rec):
        for m in range(len(carries[j])):
            g = output_grads[j]
            if m == 0 and info.keep_last[j] and not is_zero(g):
                carry_init.append(as_type(g, op.state_type(j)))
            else:
                carry_init.append(_zeros_of_state(inits[j], info.init_is_state[j],
                                                  op.state_type(j)))
    carry_init += [_zeros_like(non_seqs[i]) for i in ns_grad_ids]

    ns_pairs = [(non_seqs[i], new_in[ns_base + i]) for i in range(info.n_non_seqs)
                if new_in[ns_base + i] in used]
    n_carry = len(new_carries) + len(new_acc)
    b_info = ScanInfo(seq_taps=tuple(b_seq_taps), out_taps=((-1,),) * n_carry,
                      init_is_state=(True,) * n_carry, n_nit_sot=len(nit),
                      n_non_seqs=len(ns_pairs),
                      keep_last=(True,) * n_carry + (False,) * len(nit),
                      reverse=not info.reverse)
    b_inputs = (b_seq_phs + [c for cs in carries for c in cs] + acc + [p for _, p in ns_pairs])
    b_op = Scan(b_inputs, b_outs, b_info, name=f"grad_of_{op.name}")
    res = b_op(n_b, *b_seq, *carry_init, *[o for o, _ in ns_pairs])
    res = res if isinstance(res, list) else [res]
    fin_carries, fin_acc, seq_steps = (res[:len(new_carries)],
                                       res[len(new_carries):n_carry], res[n_carry:])

    # gradients of the outer inputs
    grads: list = [None]
    for i, (x, taps) in enumerate(zip(seqs, info.seq_taps)):
        total = None
        for (i2, q), gs in zip(seq_grad_ids, seq_steps):
            if i2 != i:
                continue
            start = taps[q] + (n - n_b) if shift else taps[q]
            placed = _place(gs, x, start, start + n_b)
            total = placed if total is None else total + placed
        grads.append(total)
    pos = 0
    for j in range(info.n_rec):
        L = len(carries[j])
        if not L:
            grads.append(None)
            continue
        fin = fin_carries[pos:pos + L]
        pos += L
        if info.init_is_state[j]:
            g = fin[0]
        else:  # init rows 0..L-1 are states -L..-1; P[m] is the gradient of state -1-m
            g = stack(fin[::-1])
            rest = [shape_i(inits[j], dd) for dd in range(1, inits[j].ndim)]
            g = concatenate([g, alloc(constant(np.zeros((), g.dtype)),
                                      shape_i(inits[j], 0) - L, *rest)])
        if truncated:  # the loop did not reach the initial states unless n <= T
            g = switch(le(n, info.truncate_gradient), g, 0)
        grads.append(g)
    acc_of = dict(zip(ns_grad_ids, fin_acc))
    grads += [acc_of.get(i) for i in range(info.n_non_seqs)]
    return grads


def _last_only(g: Variable, y: Variable, n: Variable, reverse: bool) -> Variable:
    """The history gradient of an output kept only at its last step: zeros, then g."""
    rest = [shape_i(y, d) for d in range(1, y.ndim)]
    parts = [alloc(constant(np.zeros((), g.dtype)), n - 1, *rest),
             g.dimshuffle("x", *range(g.ndim))]
    return concatenate(parts[::-1] if reverse else parts)


_VIEWS = (DimShuffle, Subtensor, SpecifyBroadcastable, Reshape, Shape, Shape_i, MakeVector)


def _saved_intermediates(b_outs: list, fwd_outs: list, inputs: list) -> list:
    """Forward-step values (not outputs, not cheap views of inputs) that the backward step
    reads: the forward loop stores them instead of the backward loop recomputing them."""
    inputs_set = set(inputs)
    fwd = {v for v in ancestors(fwd_outs, blockers=inputs)
           if v.owner is not None and v not in inputs_set}
    cheap: dict = {}

    def is_cheap(v) -> bool:
        if v.owner is None or v in inputs_set:
            return True
        if v not in cheap:
            cheap[v] = isinstance(v.owner.op, _VIEWS) and all(map(is_cheap, v.owner.inputs))
        return cheap[v]

    keep, res = set(fwd_outs), []

    def consider(v) -> None:
        if v in fwd and v not in keep and v not in res and not is_cheap(v):
            res.append(v)

    for node in toposort(b_outs, blockers=inputs):
        if not any(o in fwd for o in node.outputs):  # a node of the backward step proper
            for v in node.inputs:
                consider(v)
    for v in b_outs:
        consider(v)
    return res


def _place(g: Variable, x: Variable, start, stop) -> Variable:
    """A zero array shaped like `x` with rows start..stop-1 set to `g`."""
    rest = [shape_i(x, d) for d in range(1, x.ndim)]
    zero = constant(np.zeros((), g.dtype))
    parts = [g]
    if not (isinstance(start, int) and start == 0):
        parts.insert(0, alloc(zero, as_tensor_variable(start), *rest))
    parts.append(alloc(zero, shape_i(x, 0) - stop, *rest))
    return concatenate(parts)


def _zeros_of_state(init: Variable, init_is_state: bool, t) -> Variable:
    dims = range(init.ndim) if init_is_state else range(1, init.ndim)
    return alloc(constant(np.zeros((), t.dtype)), *[shape_i(init, d) for d in dims])


def _zeros_like(v: Variable) -> Variable:
    return alloc(constant(np.zeros((), v.dtype)), *[shape_i(v, d) for d in range(v.ndim)])

"""The Scan op: a symbolic loop whose body is an inner graph computing one step.

Outer inputs:  n_steps, sequences, initial states (one per recurrent output), non-sequences.
Outer outputs: recurrent outputs (the states of every step, or only the last one), then the
               per-step outputs that are not fed back ("nit-sot").
Inner inputs:  one per (sequence, tap), one per (recurrent output, tap), the non-sequences.
Inner outputs: the new value of each recurrent output, then the nit-sot values.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from ...graphlib import Apply, Constant, Op, Variable, ancestors, clone_replace, toposort
from ..basic import as_tensor_variable
from ..elemwise import cast
from ..type import TensorType, TensorVariable
from .utils import add_time, evaluator, graph_key, label


@dataclass(frozen=True)
class ScanInfo:
    """The layout of a Scan's inputs and outputs.

    seq_taps[i]:     read offsets (>= 0) of sequence i: step t reads seq[t + offset], one inner
                     input per offset, in the order given.
    out_taps[j]:     taps (< 0) of recurrent output j: step t reads state[t + tap].
    init_is_state[j]: the initial value of output j is one state (taps (-1,) given as a plain
                     variable, Theano's "sit-sot"); otherwise a block whose first -min(taps)
                     rows are the states before step 0 ("mit-sot").
    keep_last[k]:    outer output k holds only its last step instead of the whole history.
    reverse:         the steps visit positions n-1, ..., 0: step s reads seq[n-1-s + offset]
                     and writes its outputs at position n-1-s, so every array is the mirror
                     image of the forward loop's (state histories keep their initial states
                     after position n-1, mirrored). The gradient of a loop runs the other way.
    """

    seq_taps: tuple[tuple[int, ...], ...] = ()
    out_taps: tuple[tuple[int, ...], ...] = ()
    init_is_state: tuple[bool, ...] = ()
    n_nit_sot: int = 0
    n_non_seqs: int = 0
    keep_last: tuple[bool, ...] = ()
    truncate_gradient: int = -1
    reverse: bool = False

    @property
    def n_seqs(self) -> int:
        return len(self.seq_taps)

    @property
    def n_rec(self) -> int:
        return len(self.out_taps)

    @property
    def n_outs(self) -> int:
        return self.n_rec + self.n_nit_sot

    def lookback(self, j: int) -> int:
        """How many past states recurrent output j reads (-min(taps))."""
        return -min(self.out_taps[j])

    # -- index ranges of the inner inputs -----------------------------------------------------
    def inner_seq_indices(self) -> list[list[int]]:
        res, k = [], 0
        for taps in self.seq_taps:
            res.append(list(range(k, k + len(taps))))
            k += len(taps)
        return res

    def inner_state_indices(self) -> list[list[int]]:
        res, k = [], sum(len(t) for t in self.seq_taps)
        for taps in self.out_taps:
            res.append(list(range(k, k + len(taps))))
            k += len(taps)
        return res

    @property
    def n_inner_inputs(self) -> int:
        return (sum(len(t) for t in self.seq_taps) + sum(len(t) for t in self.out_taps)
                + self.n_non_seqs)

    def split_outer(self, inputs: Sequence) -> tuple:
        """(n_steps, sequences, initial states, non-sequences) of the outer inputs."""
        a = 1 + self.n_seqs
        b = a + self.n_rec
        return inputs[0], list(inputs[1:a]), list(inputs[a:b]), list(inputs[b:])


class Scan(Op):
    """Run the inner graph `n_steps` times, feeding states back (Theano's `for{cpu,name}`).

    `inner_inputs` / `inner_outputs` are the step graph (printing shows it after the outer
    graph). Ops compare by the layout and the structure of the inner graph, so identical loops
    merge. `perform` is the reference: a Python loop evaluating the inner graph node by node.
    """

    __props__ = ("info", "graph_key")

    def __init__(self, inner_inputs: Sequence[Variable], inner_outputs: Sequence[Variable],
                 info: ScanInfo, name: str | None = None,
                 output_names: Sequence[str] | None = None):
        self.inner_inputs = list(inner_inputs)
        self.inner_outputs = list(inner_outputs)
        if not info.keep_last:
            info = replace(info, keep_last=(False,) * info.n_outs)
        self.info = info
        self.name = name or "scan_fn"
        self.output_names = list(output_names or [f"output {k}" for k in range(info.n_outs)])
        self._check_layout()
        self.graph_key = graph_key(self.inner_inputs, self.inner_outputs)
        self._thunk = None
        self.inner_rewritten = False  # set by the rewrite that ran the pipeline on the step

    def _check_layout(self) -> None:
        info = self.info
        if len(self.inner_inputs) != info.n_inner_inputs:
            raise ValueError(f"{self}: {len(self.inner_inputs)} inner inputs for a layout that "
                             f"needs {info.n_inner_inputs}")
        if len(self.inner_outputs) != info.n_outs or len(info.keep_last) != info.n_outs:
            raise ValueError(f"{self}: {len(self.inner_outputs)} inner outputs for a layout "
                             f"with {info.n_outs}")
        if len(info.init_is_state) != info.n_rec:
            raise ValueError(f"{self}: init_is_state needs one flag per recurrent output")
        if len(set(map(id, self.inner_inputs))) != len(self.inner_inputs):
            raise ValueError(f"{self}: an inner input is listed twice")
        for v in self.inner_inputs:
            if v.owner is not None or isinstance(v, Constant):
                raise ValueError(f"{self}: inner input {v} must be a free variable")
        for taps in info.seq_taps:
            if not taps or any(o < 0 for o in taps):
                raise ValueError(f"{self}: sequence offsets must be >= 0, got {taps}")
        for j, taps in enumerate(info.out_taps):
            if not taps or any(k >= 0 for k in taps) or len(set(taps)) != len(taps):
                raise ValueError(f"{self}: taps of {self.output_names[j]} must be distinct "
                                 f"and negative, got {taps}")
            if info.init_is_state[j] and taps != (-1,):
                raise ValueError(f"{self}: a single-state initial value needs taps (-1,)")
        for j, idx in enumerate(info.inner_state_indices()):
            st = self.state_type(j)
            for i in idx:
                if self.inner_inputs[i].type != st:
                    raise TypeError(f"{self}: the taps of {self.output_names[j]} have different "
                                    f"types")
            out = self.inner_outputs[j]
            if out.type != st:
                raise TypeError(f"{self}: {self.output_names[j]} of the step has type "
                                f"{out.type}, but its state has type {st}")

    # -- types ---------------------------------------------------------------------------------
    def state_type(self, j: int) -> TensorType:
        """The type of one state of recurrent output j."""
        return self.inner_inputs[self.info.inner_state_indices()[j][0]].type

    def output_types(self) -> list[TensorType]:
        info = self.info
        types = [self.state_type(j) for j in range(info.n_rec)]
        types += [o.type for o in self.inner_outputs[info.n_rec:]]
        return [t if last else add_time(t) for t, last in zip(types, info.keep_last)]

    def with_info(self, **changes) -> "Scan":
        """The same loop with a changed layout field (for example keep_last)."""
        op = Scan(self.inner_inputs, self.inner_outputs, replace(self.info, **changes),
                  self.name, self.output_names)
        op.inner_rewritten = self.inner_rewritten
        return op

    def __str__(self) -> str:
        return f"for{{cpu,{self.name}}}"

    __repr__ = __str__

    # -- graph building ------------------------------------------------------------------------
    def make_node(self, n_steps, *args) -> Apply:
        info = self.info
        n_steps = as_tensor_variable(n_steps)
        if n_steps.ndim != 0 or not n_steps.dtype.startswith(("int", "uint")):
            raise TypeError(f"{self}: n_steps must be an integer scalar, got {n_steps} "
                            f"({n_steps.type})")
        n_steps = cast(n_steps, "int64")
        args = [as_tensor_variable(a) for a in args]
        expected = info.n_seqs + info.n_rec + info.n_non_seqs
        if len(args) != expected:
            raise TypeError(f"{self}: expected {expected} inputs after n_steps, got {len(args)}")
        _, seqs, inits, non_seqs = info.split_outer([n_steps] + args)
        for i, (seq, idx) in enumerate(zip(seqs, info.inner_seq_indices())):
            _check_fits(self, f"sequence {i} ({label(seq)})", seq.type,
                        add_time(self.inner_inputs[idx[0]].type))
        for j, init in enumerate(inits):
            st = self.state_type(j)
            want = st if info.init_is_state[j] else add_time(st)
            _check_fits(self, f"the initial value of {self.output_names[j]} ({label(init)})",
                        init.type, want)
        base = info.n_inner_inputs - info.n_non_seqs
        for i, ns in enumerate(non_seqs):
            _check_fits(self, f"non-sequence {i} ({label(ns)})", ns.type,
                        self.inner_inputs[base + i].type)
        outs = [TensorVariable(t) for t in self.output_types()]
        return Apply(self, [n_steps] + args, outs)

    # -- reference implementation ------------------------------------------------------------
    def _inner_thunk(self):
        if self._thunk is None:
            self._thunk = evaluator(self.inner_inputs, self.inner_outputs)
        return self._thunk

    def perform(self, node: Apply, inputs: list, output_storage: list[list]) -> None:
        info = self.info
        n_arr, seqs, inits, non_seqs = info.split_outer(inputs)
        n = int(n_arr)
        if n < 0:
            raise ValueError(f"{self}: n_steps is {n}; it must be >= 0")
        for i, (seq, offs) in enumerate(zip(seqs, info.seq_taps)):
            need = n + max(offs)
            if seq.shape[0] < need:
                raise ValueError(f"{self}: sequence {i} ({label(node.inputs[1 + i])}) has "
                                 f"{seq.shape[0]} entries; {n} steps with read offsets "
                                 f"{list(offs)} need {need}")
        rev = info.reverse

        def pos(tau: int, L: int) -> int:  # buffer row of the state of step tau (-L <= tau < n)
            return n - 1 - tau if rev else L + tau

        bufs, looks = [], []
        for j, init in enumerate(inits):
            L = info.lookback(j)
            block = init[None] if info.init_is_state[j] else init
            if block.shape[0] < L:
                raise ValueError(f"{self}: the initial value of {self.output_names[j]} has "
                                 f"{block.shape[0]} rows; taps {list(info.out_taps[j])} need {L}")
            buf = np.empty((n + L,) + block.shape[1:], dtype=self.state_type(j).dtype)
            for i in range(L):
                buf[pos(i - L, L)] = block[i]
            bufs.append(buf)
            looks.append(L)
        ys: list = [None] * info.n_nit_sot
        thunk = self._inner_thunk()
        for tau in range(n):
            p = n - 1 - tau if rev else tau
            # [i, ...] keeps 0-d entries arrays (views), as inplace step ops need
            args = [seq[p + o, ...] for seq, offs in zip(seqs, info.seq_taps) for o in offs]
            args += [buf[pos(tau + k, L), ...] for buf, L, taps in
                     zip(bufs, looks, info.out_taps) for k in taps]
            res = thunk(*args, *non_seqs)
            for j, (buf, L) in enumerate(zip(bufs, looks)):
                r = np.asarray(res[j])
                if r.shape != buf.shape[1:]:
                    raise ValueError(f"{self}: step {tau} returned {self.output_names[j]} of "
                                     f"shape {r.shape}, but its state has shape "
                                     f"{buf.shape[1:]} (from the initial value)")
                buf[pos(tau, L)] = r
            for m in range(info.n_nit_sot):
                r = np.asarray(res[info.n_rec + m])
                if ys[m] is None:
                    ys[m] = np.empty((n,) + r.shape, dtype=node.outputs[info.n_rec + m].dtype)
                elif r.shape != ys[m].shape[1:]:
                    raise ValueError(f"{self}: step {tau} returned "
                                     f"{self.output_names[info.n_rec + m]} of shape {r.shape}, "
                                     f"earlier steps of shape {ys[m].shape[1:]}")
                ys[m][p] = r
        last = 0 if rev else -1
        for j, (buf, L) in enumerate(zip(bufs, looks)):
            hist = buf[:n] if rev else buf[L:]
            output_storage[j][0] = buf[pos(n - 1, L)].copy() if info.keep_last[j] else hist
        for m in range(info.n_nit_sot):
            k = info.n_rec + m
            y = ys[m]
            if y is None:  # zero steps: the per-step shape is unknown, use empty dimensions
                t = node.outputs[k].type
                y = np.zeros((0,) + tuple(1 if b else 0 for b in t.broadcastable[1:]), t.dtype)
                if info.keep_last[k]:
                    raise ValueError(f"{self}: {self.output_names[k]} has no last step "
                                     f"(0 steps)")
            output_storage[k][0] = y[last].copy() if info.keep_last[k] else y

    # -- shapes and gradient -----------------------------------------------------------------
    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        info = self.info
        n = node.inputs[0]
        _, seq_sh, init_sh, ns_sh = info.split_outer(input_shapes)
        shapes = []
        for j, sh in enumerate(init_sh):
            st = tuple(sh) if info.init_is_state[j] else tuple(sh[1:])
            shapes.append(st)
        inner_shapes = _inner_output_shapes(self, seq_sh, [tuple(s) for s in shapes], ns_sh)
        for m in range(info.n_nit_sot):
            sh = inner_shapes[info.n_rec + m]
            if sh is None:
                name = self.output_names[info.n_rec + m]
                raise NotImplementedError(f"{self}: the shape of {name} depends on values "
                                          f"computed in the step")
            shapes.append(sh)
        return [s if last else (n,) + tuple(s) for s, last in zip(shapes, info.keep_last)]

    def grad(self, inputs: list[Variable], output_grads: list[Variable]) -> list:
        from .grad import scan_grad
        return scan_grad(self, inputs, output_grads)


def _check_fits(op: Scan, what: str, got: TensorType, want: TensorType) -> None:
    """`got` may stand where `want` is expected: same dtype and rank, length 1 where `want` says."""
    ok = (isinstance(got, TensorType) and got.dtype == want.dtype and got.ndim == want.ndim
          and all(g or not w for g, w in zip(got.broadcastable, want.broadcastable)))
    if not ok:
        raise TypeError(f"{op}: {what} has type {got}, expected {want}")


def _inner_output_shapes(op: Scan, seq_sh, state_sh, ns_sh) -> list:
    """Shapes of the inner outputs in terms of outer shapes, or None where they depend on
    inner values (a length computed inside the step)."""
    info = op.info
    known: dict[Variable, tuple | None] = {}
    for sh, idx in zip(seq_sh, info.inner_seq_indices()):
        for i in idx:
            known[op.inner_inputs[i]] = tuple(sh[1:])
    for sh, idx in zip(state_sh, info.inner_state_indices()):
        for i in idx:
            known[op.inner_inputs[i]] = sh
    base = info.n_inner_inputs - info.n_non_seqs
    for i, sh in enumerate(ns_sh):
        known[op.inner_inputs[base + i]] = tuple(sh)
    inner_vars = set(op.inner_inputs)

    def shape_of(v):
        return tuple(np.shape(v.data)) if isinstance(v, Constant) else known.get(v)

    for node in toposort(op.inner_outputs, blockers=op.inner_inputs):
        inner_vars.update(node.outputs)
        in_sh = [shape_of(v) for v in node.inputs]
        out_sh = None
        if all(sh is not None for sh in in_sh):
            try:
                out_sh = node.op.infer_shape(node, in_sh)
            except Exception:  # noqa: BLE001  (an op without shape inference)
                out_sh = None
        for k, o in enumerate(node.outputs):
            sh = None if out_sh is None else _outer_shape(out_sh[k], known, inner_vars)
            known[o] = sh
    return [shape_of(o) for o in op.inner_outputs]


def _outer_shape(sh, known: dict, inner_vars: set) -> tuple | None:
    """A shape whose entries may read inner variables only through their (known) shapes,
    rewritten in outer terms; None when an entry needs an inner value."""
    from ..shape import MakeVector, Shape, Shape_i
    res = []
    for e in sh:
        if not isinstance(e, Variable):
            res.append(as_tensor_variable(np.int64(e)))
            continue
        repl = {}
        for v in ancestors([e]):
            node = v.owner
            if node is None or v in repl:
                continue
            w = node.inputs[0] if isinstance(node.op, (Shape, Shape_i)) else None
            if w in inner_vars and known.get(w) is not None:
                wsh = known[w]
                repl[v] = (wsh[node.op.i] if isinstance(node.op, Shape_i)
                           else MakeVector("int64")(*wsh))
        if repl:
            e = clone_replace(e, {k: as_tensor_variable(v) for k, v in repl.items()})
        if any(v in inner_vars for v in ancestors([e])):
            return None
        res.append(e)
    return tuple(res)

"""An editable view of a Scan node (its sequences, recurrent outputs, nit-sot outputs and
non-sequences as lists), for rewrites that move work in or out of the loop and rebuild it."""
from __future__ import annotations

from dataclasses import dataclass, field

from ...graphlib import Apply, Variable, ancestors, clone_replace
from .op import Scan, ScanInfo


@dataclass
class SeqPart:
    outer: Variable
    taps: list  # (offset, inner placeholder)


@dataclass
class RecPart:
    init: Variable
    taps: list  # (tap, inner placeholder)
    init_is_state: bool
    out: Variable  # inner output
    keep_last: bool
    source: int | None  # index of the outer output it came from (None: new)


@dataclass
class NitPart:
    out: Variable
    keep_last: bool
    source: int | None


@dataclass
class ScanParts:
    """A Scan node taken apart; `build()` makes the node again from the (edited) parts."""

    n_steps: Variable
    seqs: list = field(default_factory=list)
    recs: list = field(default_factory=list)
    nits: list = field(default_factory=list)
    non_seqs: list = field(default_factory=list)  # (outer, placeholder)
    name: str = "scan_fn"
    truncate_gradient: int = -1
    reverse: bool = False
    rewritten: bool = False  # the step graph already went through the pipeline

    @classmethod
    def from_node(cls, node: Apply) -> "ScanParts":
        op: Scan = node.op
        info = op.info
        n, seqs, inits, non_seqs = info.split_outer(node.inputs)
        ii = op.inner_inputs
        parts = cls(n, name=op.name, truncate_gradient=info.truncate_gradient,
                    reverse=info.reverse, rewritten=getattr(op, "inner_rewritten", False))
        for x, offs, idx in zip(seqs, info.seq_taps, info.inner_seq_indices()):
            parts.seqs.append(SeqPart(x, [(o, ii[i]) for o, i in zip(offs, idx)]))
        for j, (init, taps, idx) in enumerate(zip(inits, info.out_taps,
                                                  info.inner_state_indices())):
            parts.recs.append(RecPart(init, [(k, ii[i]) for k, i in zip(taps, idx)],
                                      info.init_is_state[j], op.inner_outputs[j],
                                      info.keep_last[j], j))
        for m in range(info.n_nit_sot):
            k = info.n_rec + m
            parts.nits.append(NitPart(op.inner_outputs[k], info.keep_last[k], k))
        base = info.n_inner_inputs - info.n_non_seqs
        parts.non_seqs = [(v, ii[base + i]) for i, v in enumerate(non_seqs)]
        return parts

    # -- editing -----------------------------------------------------------------------------
    def inner_outputs(self) -> list[Variable]:
        return [r.out for r in self.recs] + [m.out for m in self.nits]

    def replace_inner(self, mapping: dict) -> None:
        """Substitute inner variables (simultaneously) in every inner output."""
        outs = clone_replace(self.inner_outputs(), mapping)
        for part, o in zip(self.recs + self.nits, outs):
            part.out = o

    def merge_inputs(self) -> None:
        """One inner input per distinct outer value: a non-sequence given twice, or the same
        sequence tap twice, becomes one placeholder."""
        mapping, first = {}, {}
        for v, ph in self.non_seqs:
            if v in first:
                mapping[ph] = first[v]
            else:
                first[v] = ph
        taps = {}
        for s in self.seqs:
            for o, ph in s.taps:
                key = (s.outer, o)
                if key in taps:
                    mapping[ph] = taps[key]
                else:
                    taps[key] = ph
        if mapping:
            self.replace_inner(mapping)

    def prune(self, keep: set | None = None) -> None:
        """Drop the outputs not in `keep` (sources) unless another kept output needs their
        states, then every sequence tap and non-sequence no kept output reads."""
        if keep is not None:
            needed = [p for p in self.recs + self.nits if p.source in keep or p.source is None]
            rec_of = {ph: r for r in self.recs for _, ph in r.taps}
            stack = list(needed)
            while stack:
                p = stack.pop()
                for v in ancestors([p.out], blockers=list(rec_of)):
                    r = rec_of.get(v)
                    if r is not None and all(r is not q for q in needed):
                        needed.append(r)
                        stack.append(r)
            self.recs = [r for r in self.recs if any(r is q for q in needed)]
            self.nits = [m for m in self.nits if any(m is q for q in needed)]
        used = set(ancestors(self.inner_outputs()))
        for s in self.seqs:
            s.taps = [(o, ph) for o, ph in s.taps if ph in used]
        self.seqs = [s for s in self.seqs if s.taps]
        self.non_seqs = [(v, ph) for v, ph in self.non_seqs if ph in used]

    # -- rebuilding -----------------------------------------------------------------------------
    def build(self, output_names=None) -> tuple[Scan, list[Variable]]:
        """The Scan op and its outer inputs."""
        info = ScanInfo(
            seq_taps=tuple(tuple(o for o, _ in s.taps) for s in self.seqs),
            out_taps=tuple(tuple(k for k, _ in r.taps) for r in self.recs),
            init_is_state=tuple(r.init_is_state for r in self.recs),
            n_nit_sot=len(self.nits), n_non_seqs=len(self.non_seqs),
            keep_last=tuple(p.keep_last for p in self.recs + self.nits),
            truncate_gradient=self.truncate_gradient, reverse=self.reverse)
        inner_in = ([ph for s in self.seqs for _, ph in s.taps] +
                    [ph for r in self.recs for _, ph in r.taps] +
                    [ph for _, ph in self.non_seqs])
        op = Scan(inner_in, self.inner_outputs(), info, self.name, output_names)
        op.inner_rewritten = self.rewritten
        outer = ([self.n_steps] + [s.outer for s in self.seqs] + [r.init for r in self.recs] +
                 [v for v, _ in self.non_seqs])
        return op, outer

    def apply(self, old_node: Apply, new_outputs: list | None = None) -> dict:
        """Build the node; {old outer output: new outer output} for outputs that survive.
        `new_outputs`, when given, receives the new node's outputs in part order."""
        names = getattr(old_node.op, "output_names", None)
        out_names = [names[p.source] if names and p.source is not None else f"output {k}"
                     for k, p in enumerate(self.recs + self.nits)]
        op, outer = self.build(out_names)
        new = op(*outer)
        new = new if isinstance(new, list) else [new]
        if new_outputs is not None:
            new_outputs.extend(new)
        return {old_node.outputs[p.source]: v for p, v in zip(self.recs + self.nits, new)
                if p.source is not None}

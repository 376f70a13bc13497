"""Shared test checks: compile-and-run, infer_shape against the real output shape."""
from __future__ import annotations

import numpy as np

import minitheano as th
from minitheano.ops.basic import as_tensor_variable
from minitheano.ops.shape import shape_i


def run(inputs, outputs, *values, mode="py", **kwargs):
    """Compile `inputs -> outputs` in `mode` and call it on `values`."""
    return th.function(list(inputs), outputs, mode=mode, on_unused_input="ignore", **kwargs)(*values)


def check_infer_shape(outputs, inputs, values, mode="py") -> None:
    """Each output node's `infer_shape`, evaluated, equals the shape of the computed output.

    Every inferred entry must be a Python int or an int64 scalar variable (the contract)."""
    outputs = [outputs] if not isinstance(outputs, (list, tuple)) else list(outputs)
    actual = run(inputs, outputs, *values, mode=mode)
    scalars, layout = [], []
    for out in outputs:
        node = out.owner
        in_shapes = [tuple(shape_i(x, d) for d in range(x.ndim)) for x in node.inputs]
        shape = node.op.infer_shape(node, in_shapes)[out.index]
        assert len(shape) == out.ndim, f"{node.op}: inferred {len(shape)} dims for {out.type}"
        for s in shape:
            if not isinstance(s, (int, np.integer)):
                s = as_tensor_variable(s)
                assert s.ndim == 0 and s.dtype == "int64", f"{node.op}: shape entry {s.type}"
        layout.append(len(shape))
        scalars.extend(as_tensor_variable(np.int64(s)) if isinstance(s, (int, np.integer))
                       else s for s in shape)
    got = run(inputs, scalars, *values, mode=mode) if scalars else []
    k = 0
    for out, a, n in zip(outputs, actual, layout):
        assert tuple(int(v) for v in got[k:k + n]) == np.shape(a), f"{out.owner.op}: inferred shape"
        k += n

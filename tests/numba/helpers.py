"""Compare the Numba linker with the py reference linker on the same graph."""
from __future__ import annotations

import numpy as np

import minitheano as th
from minitheano.compiler.mode import Mode

NUMBA_RAW = Mode("numba", optimizer=None)  # lowerings exactly as built, no rewrites
PY_RAW = Mode("py", optimizer=None)


def compare_numba_and_py(inputs, outputs, values, mode=NUMBA_RAW, rtol=1e-7, atol=1e-12,
                         **kwargs):
    """Compile `inputs -> outputs` with Numba (`mode`) and the py linker (same rewrites off),
    check the results agree (dtypes and shapes exactly), inputs are left untouched, and
    return the Numba function and its results."""
    outputs = outputs if isinstance(outputs, list) else [outputs]
    ref_mode = PY_RAW if mode.optimizer is None else Mode("py", mode.optimizer)
    f = th.function(inputs, outputs, mode=mode, on_unused_input="ignore", **kwargs)
    g = th.function(inputs, outputs, mode=ref_mode, on_unused_input="ignore", **kwargs)
    before = [np.array(v, copy=True) for v in values]
    got = f(*values)
    for v, b in zip(values, before):
        np.testing.assert_array_equal(v, b, err_msg="the Numba function changed an input")
    want = g(*values)
    for k, (a, b) in enumerate(zip(got, want)):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype, f"output {k}: dtype {a.dtype} != {b.dtype}"
        assert a.shape == b.shape, f"output {k}: shape {a.shape} != {b.shape}"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"output {k}")
    return f, got

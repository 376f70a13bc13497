"""Imports every lowering module, filling the `numba_funcify` registry.

A family whose ops module has not landed yet is skipped; an op of it in a graph is then a
loud MissingLoweringError, never a silent slow path.
"""
import importlib

FAMILIES = ["elemwise", "basic", "reduction", "blas", "subtensor", "nnet", "as_op", "scan",
            "rewrite_ops"]

for _family in FAMILIES:
    try:
        importlib.import_module(f"{__package__}.{_family}")
    except ModuleNotFoundError as _e:
        # only a missing lowering module or a missing ops module is expected here
        if not (_e.name or "").startswith("minitheano."):
            raise

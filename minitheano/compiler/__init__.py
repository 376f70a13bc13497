"""Compiler: `function`, modes, linkers (py reference, numba) and graph rewrites."""

"""Theano's `theano.compile.ops` path: `as_op`."""
try:
    from ..ops.as_op import as_op  # noqa: F401
except ImportError:  # pragma: no cover
    pass

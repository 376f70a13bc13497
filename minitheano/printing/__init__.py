"""Printing of graphs and compiled functions: debugprint, pp, pydotprint."""
try:
    from .debugprint import debugprint  # noqa: F401
    from .pp import pp  # noqa: F401
    from .pydot import pydotprint  # noqa: F401
except ImportError:  # pragma: no cover
    pass

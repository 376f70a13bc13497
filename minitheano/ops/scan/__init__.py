"""Symbolic loops: `scan` (Theano's API), the Scan op holding the step graph, and its
gradient by backpropagation through time."""
from .api import scan
from .op import Scan, ScanInfo

__all__ = ["Scan", "ScanInfo", "scan"]

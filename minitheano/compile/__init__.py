"""Theano's `theano.compile` paths: function, shared, Mode, and `ops.as_op`."""
from ..compiler.function import In, Out, function
from ..compiler.mode import Mode
from ..ops.sharedvar import shared
from . import ops

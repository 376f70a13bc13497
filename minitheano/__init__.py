"""minitheano: a small, fast re-creation of Theano — symbolic graphs, autodiff, compiled
functions. Port Theano code with `import minitheano as theano; from minitheano import tensor as T`.
"""
from . import tensor
from .compiler import function as _function_module
from .compiler.function import Function, In, Out, function
from .compiler.mode import Mode
from .config import config
from .gradient import grad, verify_grad
from .graphlib import Apply, Constant, Op, Variable
from .graphlib import clone_replace as _clone_replace
from .ops.sharedvar import shared
from .ops.scan import scan

__version__ = "0.1.0"


def clone(output, replace=None, strict: bool = True, share_inputs: bool = True):
    """Copy of `output` (a variable or a list) with each key of `replace` substituted."""
    from .ops.basic import as_tensor_variable
    rep = {k: as_tensor_variable(v) for k, v in dict(replace or {}).items()}
    return _clone_replace(output, rep)


from . import compile, printing  # noqa: E402  (Theano's module paths)

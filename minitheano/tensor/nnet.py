"""T.nnet: neural-network ops (sigmoid, softplus, relu, softmax, crossentropies)."""
from ..ops.elemwise import sigmoid, softplus

try:
    from ..ops.nnet import *  # noqa: F401,F403
except ImportError:  # pragma: no cover - lands with the nnet module
    pass

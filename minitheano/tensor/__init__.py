"""The user namespace `T` (`from minitheano import tensor as T`), as Theano's theano.tensor."""
from ..gradient import grad, hessian, jacobian, verify_grad
from ..ops.alloc import ARange, Alloc, Eye, alloc, arange, eye, fill, identity_like, ones, zeros
from ..ops.basic import as_tensor_variable, constant
from ..ops.blas import Dot, dot, outer, tensordot
from ..ops.elemwise import (DimShuffle, Elemwise, abs, abs_, add, and_, bitwise_not, cast, ceil,
                            clip, cos, eq, exp, exp2, expm1, floor, ge, gt, int_div, invert, le,
                            log, log1p, log2, log10, lt, maximum, minimum, mod, mul, neg, neq,
                            ones_like, or_, pow, round, sgn, sigmoid, sin, softplus, sqr, sqrt,
                            sub, switch, tan, tanh, tensor_copy, transpose, true_div, true_divide,
                            where, xor, zeros_like)
from ..ops.inc_subtensor import inc_subtensor, set_subtensor
from ..ops.join import Join, concatenate, join, stack
from ..ops.reduction import (all, any, argmax, argmin, max, mean, min, prod, std, sum, var)
from ..ops.shape import (MakeVector, Reshape, Shape, Shape_i, addbroadcast, flatten,
                         patternbroadcast, reshape, shape, shape_i, unbroadcast)
from ..ops.sharedvar import SharedVariable, shared
from ..ops.type import TensorConstant, TensorType, TensorVariable
from . import nnet
from .constructors import *  # noqa: F401,F403  (scalar, vector, fmatrix, dscalars, ...)
from .constructors import tensor


floor_div = int_div

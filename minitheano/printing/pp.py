"""`pp`: a one-line math form of an expression, e.g. `sigmoid((dot(x, W) + b))`.

Arithmetic and comparisons print infix (always parenthesised, as Theano's pp did), other ops in
call form `op(args)`; broadcasting DimShuffles are hidden and a transpose prints as `x.T`.
"""
from __future__ import annotations

from ..graphlib import Variable

# scalar-op name -> infix symbol
INFIX = {"add": "+", "sub": "-", "mul": "*", "true_div": "/", "int_div": "//", "mod": "%",
         "pow": "**", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "neq": "!=",
         "and_": "&", "or_": "|", "xor": "^"}
PREFIX = {"neg": "-", "invert": "~"}


def pp(var: Variable) -> str:
    """The expression computing `var` on one line (leaves print their name or constant)."""
    if not isinstance(var, Variable):
        raise TypeError(f"pp: expected a symbolic Variable, got {type(var).__name__}")
    return _pp(var, {})


def _pp(var: Variable, memo: dict) -> str:
    if var not in memo:  # shared subexpressions are formatted once
        memo[var] = _format(var, memo)
    return memo[var]


def _format(var: Variable, memo: dict) -> str:
    node = var.owner
    if node is None:
        return str(var)
    op, args = node.op, [_pp(i, memo) for i in node.inputs]
    scalar = getattr(op, "scalar_op", None)
    name = getattr(scalar, "name", None)
    if name in INFIX and len(args) >= 2:
        return "(" + f" {INFIX[name]} ".join(args) + ")"
    if name in PREFIX and len(args) == 1:
        return f"{PREFIX[name]}{args[0]}"
    if scalar is not None:
        text = f"{name}({', '.join(args)})"
    elif hasattr(op, "new_order"):
        text = _dimshuffle(op, node.inputs[0], args[0])
    else:
        text = f"{op}({', '.join(args)})"
    return text + (f".{var.index}" if len(node.outputs) > 1 else "")


def _dimshuffle(op, inp: Variable, arg: str) -> str:
    """Hide added broadcast dimensions; `x.T` for a full reversal; else DimShuffle{...}(x)."""
    kept = [o for o in op.new_order if o != "x"]
    if kept == list(range(inp.ndim)):
        return arg
    if kept == list(reversed(range(inp.ndim))) and len(kept) == len(op.new_order):
        return f"{arg}.T"
    return f"{op}({arg})"

"""Graph core: Type, Variable, Constant, Apply and Op — tensor-agnostic.

Types and Ops are values (equal parameters compare and hash equal); Variables and Apply
nodes are identities.
"""
from __future__ import annotations

import sys
import traceback
from typing import Any, Sequence


class Type:
    """The static type of a Variable; subclasses define `filter` (value check) and `__props__`."""

    __props__: tuple[str, ...] = ()

    def _props(self) -> tuple:
        return tuple(getattr(self, p) for p in self.__props__)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._props() == other._props()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self._props()))

    def filter(self, value: Any, name: str = "", allow_downcast: bool = False) -> Any:
        """Return `value` converted to this type, or raise TypeError naming `name`."""
        raise NotImplementedError(f"{type(self).__name__}.filter")

    def make_variable(self, name: str | None = None) -> "Variable":
        """A new free Variable of this type."""
        return self.variable_class(self, None, None, name)

    variable_class: type = None  # set below


class Variable:
    """A symbolic value: a graph input (owner None) or the index-th output of an Apply."""

    _count = 0

    def __init__(self, type: Type, owner: "Apply | None" = None, index: int | None = None,
                 name: str | None = None):
        self.type = type
        self.owner = owner
        self.index = index
        self.name = name
        self.tag = Tag()
        Variable._count += 1
        self.auto_name = f"auto_{Variable._count}"

    def clone(self) -> "Variable":
        """A new Variable of the same type and name, with no owner."""
        cp = type(self)(self.type, None, None, self.name)
        cp.tag = self.tag.copy()
        return cp

    def get_parents(self) -> list["Apply"]:
        return [self.owner] if self.owner is not None else []

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        if self.owner is not None:
            return f"{self.owner.op}.{self.index}"
        return f"<{self.type}>"

    def __repr__(self) -> str:
        return str(self)

    __hash__ = object.__hash__


class Tag:
    """Free-form annotations of a Variable or Apply (for example the user's stack trace)."""

    def copy(self) -> "Tag":
        t = Tag()
        t.__dict__.update(self.__dict__)
        return t


Type.variable_class = Variable


class Constant(Variable):
    """A Variable with a fixed value; equal constants of equal type can be merged."""

    def __init__(self, type: Type, data: Any, name: str | None = None):
        super().__init__(type, None, None, name)
        self.data = type.filter(data)

    def signature(self) -> tuple:
        return (self.type, _data_key(self.data))

    def clone(self) -> "Constant":
        return self  # constants are immutable and safe to share

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        return f"{type(self).__name__}{{{_short_data(self.data)}}}"


def _data_key(data: Any) -> Any:
    try:
        import numpy as np
        a = np.asarray(data)
        return (a.dtype.str, a.shape, a.tobytes())
    except Exception:  # pragma: no cover - non-array constants
        return data


def _short_data(data: Any) -> str:
    import numpy as np
    a = np.asarray(data)
    if a.ndim == 0:
        return repr(a.item()) if a.dtype.kind != "b" else str(bool(a))
    if a.size <= 8:
        return str(a.tolist())
    return "..."


class Apply:
    """An application of an Op to input Variables, producing output Variables."""

    def __init__(self, op: "Op", inputs: Sequence[Variable], outputs: Sequence[Variable]):
        self.op = op
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.tag = Tag()
        for i, out in enumerate(self.outputs):
            out.owner = self
            out.index = i

    @property
    def out(self) -> Variable:
        """The single output."""
        assert len(self.outputs) == 1
        return self.outputs[0]

    def clone_with_new_inputs(self, inputs: Sequence[Variable], strict: bool = True) -> "Apply":
        """An Apply of the same op on `inputs` (outputs re-inferred by make_node)."""
        new = self.op.make_node(*inputs)
        for o_old, o_new in zip(self.outputs, new.outputs):
            o_new.name = o_old.name
            o_new.tag = o_old.tag.copy()
        new.tag = self.tag.copy()
        return new

    def __str__(self) -> str:
        return f"{self.op}({', '.join(map(str, self.inputs))})"

    __repr__ = __str__


class Op:
    """An operation. Subclasses define `make_node`, `perform`, and usually `grad`/`infer_shape`.

    `__props__` names the parameters that define equality; `view_map` / `destroy_map` map an
    output index to the input indices it views / overwrites.
    """

    __props__: tuple[str, ...] = ()
    view_map: dict[int, list[int]] = {}
    destroy_map: dict[int, list[int]] = {}

    def _props(self) -> tuple:
        return tuple(getattr(self, p) for p in self.__props__)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._props() == other._props()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self._props()))

    def __str__(self) -> str:
        if self.__props__:
            ps = ", ".join(f"{p}={getattr(self, p)!r}" for p in self.__props__)
            return f"{type(self).__name__}{{{ps}}}"
        return type(self).__name__

    __repr__ = __str__

    def make_node(self, *inputs: Any) -> Apply:
        raise NotImplementedError(f"{type(self).__name__}.make_node")

    def __call__(self, *inputs: Any, **kwargs: Any):
        node = self.make_node(*inputs, **kwargs)
        node.tag.trace = _user_trace()
        if len(node.outputs) == 1:
            return node.outputs[0]
        return node.outputs

    def perform(self, node: Apply, inputs: list, output_storage: list[list]) -> None:
        """Compute outputs with numpy: set output_storage[i][0]."""
        raise NotImplementedError(f"{type(self).__name__}.perform")

    def grad(self, inputs: list[Variable], output_grads: list[Variable]) -> list[Variable | None]:
        """Symbolic gradients wrt each input; None where disconnected."""
        raise NotImplementedError(f"{type(self).__name__} has no gradient")

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        """Symbolic output shapes from the input shapes (tuples of scalar Variables)."""
        raise NotImplementedError(f"{type(self).__name__}.infer_shape")


def _user_trace() -> list:
    """The innermost stack frame outside minitheano: where the user built this node."""
    f = sys._getframe(2)  # walk frames: extract_stack reads every source line (slow)
    while f is not None:
        if "/minitheano/" not in f.f_code.co_filename.replace("\\", "/"):
            return [traceback.FrameSummary(f.f_code.co_filename, f.f_lineno, f.f_code.co_name,
                                           lookup_line=False)]
        f = f.f_back
    return []

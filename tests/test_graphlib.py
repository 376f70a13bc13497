"""The tensor-agnostic graph core on a toy type of Python numbers: identity and value
semantics, traversal, cloning with replacement, FunctionGraph changes and checks."""
import pytest

from minitheano.graphlib import (Apply, Constant, FunctionGraph, InconsistencyError, Op, Type,
                                 Variable, ancestors, clone_get_equiv, clone_replace,
                                 graph_inputs, io_toposort, toposort)


class Num(Type):
    """A Python number of a given kind ('int' or 'float')."""

    __props__ = ("kind",)

    def __init__(self, kind: str):
        self.kind = kind

    def filter(self, value, name="", allow_downcast=False):
        if not isinstance(value, (int, float)):
            raise TypeError(f"{name or 'value'}: expected a number, got {value!r}")
        return {"int": int, "float": float}[self.kind](value)


INT, FLOAT = Num("int"), Num("float")


class Add(Op):
    """Sum of any number of Nums (float if any is)."""

    def make_node(self, *xs):
        xs = [x if isinstance(x, Variable) else Constant(INT, x) for x in xs]
        kind = "float" if any(x.type.kind == "float" for x in xs) else "int"
        return Apply(self, xs, [Variable(Num(kind))])

    def perform(self, node, inputs, out):
        out[0][0] = sum(inputs)


class DivMod(Op):
    """Two outputs: x // k and x % k, for a constant k."""

    __props__ = ("k",)

    def __init__(self, k: int):
        self.k = k

    def make_node(self, x):
        return Apply(self, [x], [Variable(INT), Variable(INT)])


add = Add()


def var(name, t=INT):
    return Variable(t, name=name)


def test_types_and_ops_are_values_variables_are_identities():
    assert Num("int") == INT and hash(Num("int")) == hash(INT) and INT != FLOAT
    assert DivMod(3) == DivMod(3) and hash(DivMod(3)) == hash(DivMod(3)) and DivMod(3) != DivMod(4)
    assert Add() == add and str(DivMod(3)) == "DivMod{k=3}"
    a, b = var("a"), var("a")
    assert a != b and len({a, b}) == 2
    c1, c2 = Constant(INT, 2), Constant(INT, 2.0)
    assert c1.data == 2 and c1.signature() == c2.signature() and c1.clone() is c1
    with pytest.raises(TypeError, match="expected a number"):
        Constant(INT, "two")


def test_apply_and_call():
    x = var("x")
    out = add(x, 1)
    assert out.owner.op is add and out.index == 0 and out.owner.inputs[0] is x
    assert isinstance(out.owner.inputs[1], Constant)
    assert out.type == INT and add(x, var("f", FLOAT)).type == FLOAT
    q, r = DivMod(3)(x)
    assert q.owner is r.owner and (q.index, r.index) == (0, 1) and str(r) == "DivMod{k=3}.1"
    trace = out.owner.tag.trace
    assert trace and trace[-1].filename.endswith("test_graphlib.py")  # where the user built it
    assert out.owner.out is out
    with pytest.raises(NotImplementedError, match="DivMod.perform"):
        DivMod(3).perform(q.owner, [1], [[None], [None]])
    with pytest.raises(NotImplementedError, match="DivMod has no gradient"):
        DivMod(3).grad([x], [x, x])


def test_clone_variable_and_names():
    x = var("x")
    x.tag.note = "hi"
    c = x.clone()
    assert c is not x and c.type == x.type and c.name == "x" and c.owner is None
    assert c.tag.note == "hi"
    assert str(add(x, 1)) == "Add.0" and str(var("named")) == "named"


def _diamond():
    x, y = var("x"), var("y")
    a = add(x, y)
    b = add(a, x)
    c = add(a, 5)
    d = add(b, c)
    return x, y, a, b, c, d


def test_toposort_ancestors_graph_inputs():
    x, y, a, b, c, d = _diamond()
    order = toposort([d])
    assert len(order) == 4 and len(set(order)) == 4
    pos = {n: k for k, n in enumerate(order)}
    for node in order:  # every node after the nodes computing its inputs
        for i in node.inputs:
            if i.owner is not None:
                assert pos[i.owner] < pos[node]
    anc = ancestors([d])
    assert {x, y, a, b, c, d} <= set(anc) and len(anc) == len(set(map(id, anc)))
    assert [v for v in graph_inputs([d]) if not isinstance(v, Constant)] == [x, y]
    assert set(graph_inputs([d], blockers=[a])) >= {a, x} and y not in graph_inputs([d], [a])
    assert io_toposort([a], [d]) == [n for n in order if n is not a.owner]


def test_toposort_deep_chain_is_not_recursive():
    x = var("x")
    out = x
    for _ in range(5000):
        out = add(out, 1)
    assert len(toposort([out])) == 5000
    assert len(clone_replace(out, {x: var("y")}).owner.inputs) == 2


def test_clone_replace_is_simultaneous_and_shares_unchanged_nodes():
    x, y, a, b, c, d = _diamond()
    z = var("z")
    d2 = clone_replace(d, {x: z})
    assert d2 is not d
    assert z in graph_inputs([d2]) and x not in graph_inputs([d2])
    # replacements are simultaneous: the replacement expression itself is not rewritten
    e = add(x, 1)
    (e2,) = clone_replace([add(e, x)], {x: y, e: add(x, 2)})
    assert e2.owner.inputs[1] is y and e2.owner.inputs[0].owner.inputs[0] is x
    # nodes that do not depend on a replaced variable are shared
    p = add(y, 7)
    q = add(p, x)
    q2 = clone_replace(q, {x: z})
    assert q2.owner.inputs[0] is p


def test_clone_get_equiv():
    x, y, a, b, c, d = _diamond()
    eq = clone_get_equiv([x, y], [d], copy_inputs=True)
    assert eq[x] is not x and eq[x].name == "x" and eq[d] is not d
    eq = clone_get_equiv([x, y], [d], share_unchanged=True)
    assert eq[d] is d and eq[a] is a
    eq = clone_get_equiv([x, y], [d], share_unchanged=False)
    assert eq[d] is not d and eq[x] is x and eq[d].owner.inputs[0] is eq[b]


def test_function_graph_clients_replace_and_prune():
    x, y, a, b, c, d = _diamond()
    fg = FunctionGraph([x, y], [d])
    fg.check()
    assert fg.outputs[0] is not d and len(fg.apply_nodes) == 4  # cloned by default
    a_ = fg.outputs[0].owner.inputs[0].owner.inputs[0]  # the clone of a
    assert len(fg.clients[a_]) == 2
    events = []
    fg.listeners.append(lambda fg_, node, i, old, new, reason: events.append(reason))
    new = add(y, 100)
    fg.replace(a_, new, reason="test")
    fg.check()
    assert events == ["test", "test"] and a_ not in fg.variables and a_.owner not in fg.apply_nodes
    assert len(fg.apply_nodes) == 4 and fg.clients[new] and ("output", 0) in fg.clients[fg.outputs[0]]
    fg.replace(fg.outputs[0], y)
    fg.check()
    assert fg.outputs == [y] and not fg.apply_nodes


def test_function_graph_rejects_type_change_and_cycles():
    x, y, a, b, c, d = _diamond()
    fg = FunctionGraph([x, y], [d], clone=False)
    with pytest.raises(InconsistencyError, match="types differ"):
        fg.replace(a, var("f", FLOAT))
    with pytest.raises(InconsistencyError, match="cycle"):
        fg.replace(a, b)
    fg.check()


def test_function_graph_check_finds_corruption():
    x, y, a, b, c, d = _diamond()
    fg = FunctionGraph([x, y], [d], clone=False)
    b.owner.inputs[1] = y  # changed behind the graph's back: client lists are stale
    with pytest.raises(InconsistencyError, match="missing client entry"):
        fg.check()
    fg2 = FunctionGraph([x], [add(x, 1)], clone=False)
    stranger = var("stranger")
    fg2.replace(fg2.outputs[0], add(x, stranger))
    with pytest.raises(InconsistencyError, match="stranger.*neither an input"):
        fg2.check()


def test_function_graph_deep_replacements_are_not_recursive():
    x = var("x")
    fg = FunctionGraph([x], [add(x, 1)], clone=False)
    new = x
    for _ in range(3000):
        new = add(new, 2)
    fg.replace(fg.outputs[0], new)
    fg.check()
    assert len(fg.apply_nodes) == 3000
    fg.replace(fg.outputs[0], x)  # prunes the whole chain
    fg.check()
    assert not fg.apply_nodes and fg.variables == {x}

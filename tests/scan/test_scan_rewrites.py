"""Scan rewrites change where work happens, never the results: each test checks the rewritten
graph's structure and compares its values with the unrewritten graph (py linker)."""
import numpy as np
import pytest

import minitheano as th
from minitheano import tensor as T
from minitheano import Mode
from minitheano.compiler.rewriting import pipeline
from minitheano.graphlib import ancestors, toposort
from minitheano.ops.blas import Dot
from minitheano.ops.elemwise import DimShuffle, Elemwise
from minitheano.ops.gemm import Gemm, Gemv
from minitheano.ops.scan import Scan
from minitheano.ops.subtensor import Subtensor

rng = np.random.default_rng(3)
PRODUCTS = (Dot, Gemm, Gemv)


@pytest.fixture(autouse=True)
def check_every_phase(monkeypatch):
    monkeypatch.setattr(pipeline, "CHECK_PHASES", True)


def compile_both(inputs, outputs, values, updates=None):
    """The rewritten function (py linker), checked against the unrewritten one."""
    f = th.function(inputs, outputs, mode="py", updates=updates)
    ref = th.function(inputs, outputs, mode=Mode("py", None), updates=updates)
    for a, b in zip(_list(f(*values)), _list(ref(*values))):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    return f


def _list(x):
    return x if isinstance(x, list) else [x]


def scans(f):
    return [n for n in f.fgraph.toposort() if isinstance(n.op, Scan)]


def inner_nodes(node):
    op = node.op
    return toposort(op.inner_outputs, blockers=op.inner_inputs)


def test_input_projection_moves_out_of_the_loop():
    x, h0, W, U = T.tensor3("x"), T.matrix("h0"), T.matrix("W"), T.matrix("U")
    hs, _ = th.scan(lambda x_t, h, W, U: T.tanh(T.dot(x_t, W) + T.dot(h, U)), sequences=x,
                    outputs_info=h0, non_sequences=[W, U])
    vals = [rng.normal(size=s) for s in [(5, 2, 3), (2, 4), (3, 4), (4, 4)]]
    f = compile_both([x, h0, W, U], hs, vals)
    (node,) = scans(f)
    inner_products = [n for n in inner_nodes(node) if isinstance(n.op, PRODUCTS)]
    assert len(inner_products) == 1  # only h·U stays in the loop
    outer_products = [n for n in f.fgraph.toposort() if isinstance(n.op, PRODUCTS)]
    assert outer_products, "x·W should be one product over all steps before the loop"
    assert node.op.inner_rewritten


def test_vector_steps_and_matrix_on_the_left():
    x, h0, W = T.matrix("x"), T.vector("h0"), T.matrix("W")
    hs, _ = th.scan(lambda x_t, h, W: T.tanh(T.dot(W, x_t) + h), sequences=x, outputs_info=h0,
                    non_sequences=W)
    f = compile_both([x, h0, W], hs, [rng.normal(size=(4, 3)), rng.normal(size=2),
                                      rng.normal(size=(2, 3))])
    (node,) = scans(f)
    assert not [n for n in inner_nodes(node) if isinstance(n.op, PRODUCTS)]


def test_matrix_on_the_left_of_batched_columns():
    x, h0, W = T.tensor3("x"), T.matrix("h0"), T.matrix("W")   # x_t: (in, batch)
    hs, _ = th.scan(lambda x_t, h, W: T.tanh(T.dot(W, x_t) + h), sequences=x, outputs_info=h0,
                    non_sequences=W)
    f = compile_both([x, h0, W], hs, [rng.normal(size=(4, 3, 2)), rng.normal(size=(5, 2)),
                                      rng.normal(size=(5, 3))])
    (node,) = scans(f)
    assert not [n for n in inner_nodes(node) if isinstance(n.op, PRODUCTS)]


def test_invariant_work_moves_out():
    h0, A, B = T.vector("h0"), T.matrix("A"), T.matrix("B")
    hs, _ = th.scan(lambda h, A, B: T.tanh(T.dot(h, T.dot(A, B) * 2)), outputs_info=h0,
                    non_sequences=[A, B], n_steps=4)
    f = compile_both([h0, A, B], hs, [rng.normal(size=3), rng.normal(size=(3, 2)),
                                      rng.normal(size=(2, 3))])
    (node,) = scans(f)
    assert len([n for n in inner_nodes(node) if isinstance(n.op, PRODUCTS)]) == 1


def test_last_step_only():
    A, k = T.vector("A"), T.iscalar("k")
    res, _ = th.scan(lambda p, A: p * A, outputs_info=T.ones_like(A), non_sequences=A,
                     n_steps=k)
    f = compile_both([A, k], res[-1], [np.arange(1.0, 5.0), 3])
    (node,) = scans(f)
    assert node.op.info.keep_last == (True,)
    assert not [n for n in f.fgraph.toposort() if isinstance(n.op, Subtensor)]


def test_last_step_of_taps_output():
    x0 = T.vector("x0")
    fib, _ = th.scan(lambda a, b: a + b, outputs_info=dict(initial=x0, taps=[-2, -1]),
                     n_steps=10)
    f = compile_both([x0], fib[-1], [np.array([1.0, 1.0])])
    assert scans(f)[0].op.info.keep_last == (True,)
    assert f(np.array([1.0, 1.0])) == 144.0


def test_history_kept_when_read_elsewhere():
    x = T.vector("x")
    out, _ = th.scan(lambda a, s: s + a, sequences=x, outputs_info=T.constant(0.0))
    f = compile_both([x], [out[-1], out.sum()], [np.arange(4.0)])
    assert scans(f)[0].op.info.keep_last == (False,)


def test_unused_outputs_and_inputs_removed():
    x, h0, W = T.matrix("x"), T.vector("h0"), T.matrix("W")

    def step(x_t, h, W):
        h2 = T.tanh(T.dot(h, W) + x_t)
        return h2, (x_t ** 2).sum()

    (hs, ys), _ = th.scan(step, sequences=x, outputs_info=[h0, None], non_sequences=W)
    f = compile_both([x, h0, W], hs, [rng.normal(size=(4, 3)), rng.normal(size=3),
                                      rng.normal(size=(3, 3))])
    (node,) = scans(f)
    assert len(node.outputs) == 1


def test_gradient_loop_computes_only_requested_gradients():
    x, h0, W, b = T.matrix("x"), T.vector("h0"), T.matrix("W"), T.vector("b")
    hs, _ = th.scan(lambda x_t, h, W, b: T.tanh(T.dot(h, W) + x_t + b), sequences=x,
                    outputs_info=h0, non_sequences=[W, b])
    gW = th.grad((hs ** 2).sum(), W)
    f = compile_both([x, h0, W, b], gW, [rng.normal(size=(5, 3)), rng.normal(size=3),
                                         rng.normal(size=(3, 3)), rng.normal(size=3)])
    back = [n for n in scans(f) if n.op.info.reverse]
    assert len(back) == 1
    # carries: the state gradient and dW; no per-step gradient of x, no db
    assert back[0].op.info.n_nit_sot == 0 and back[0].op.info.n_rec == 2


def test_shared_updates_survive_rewrites():
    acc = th.shared(np.zeros(2), name="acc")
    W = th.shared(rng.normal(size=(2, 2)), name="W")
    x = T.matrix("x")
    out, upd = th.scan(lambda x_t: (T.dot(x_t, W), {acc: acc + T.dot(x_t, W)}), sequences=x)
    xv = rng.normal(size=(3, 2))
    f = th.function([x], out, updates=upd, mode="py")
    got = f(xv)
    np.testing.assert_allclose(got, xv @ W.get_value())
    np.testing.assert_allclose(acc.get_value(), (xv @ W.get_value()).sum(0))


def test_weight_gradient_sum_is_one_product_after_the_loop():
    """dU = sum_t h[t-1]^T d[t]: the backward loop stores d[t]; one product follows it."""
    x, h0, U = T.tensor3("x"), T.matrix("h0"), T.matrix("U")
    hs, _ = th.scan(lambda x_t, h, U: T.tanh(x_t + T.dot(h, U)), sequences=x, outputs_info=h0,
                    non_sequences=U)
    gU, gh0 = th.grad((hs ** 2).sum(), [U, h0])
    f = compile_both([x, h0, U], [gU, gh0], [rng.normal(size=(6, 2, 3)), rng.normal(size=(2, 3)),
                                             0.5 * rng.normal(size=(3, 3))])
    (back,) = [n for n in scans(f) if n.op.info.reverse]
    assert back.op.info.n_rec == 1 and back.op.info.n_nit_sot == 1
    stored = back.outputs[1]
    (prod,) = [n for n in f.fgraph.toposort()
               if isinstance(n.op, PRODUCTS) and stored in ancestors(n.inputs)]
    # h[t-1]^T stacked is the transpose of the states' rows (a view), not a permuted copy
    left = prod.inputs[2] if isinstance(prod.op, Gemm) else prod.inputs[0]
    assert isinstance(left.owner.op, DimShuffle) and left.owner.op.new_order == (1, 0)
    assert not isinstance(left.owner.inputs[0].owner.inputs[0].owner.op, DimShuffle)


def test_elementwise_work_on_a_sequence_stays_in_the_step():
    """Moved out it would be one more pass and one more array; in the step it is fused."""
    x, h0, W = T.matrix("x"), T.vector("h0"), T.matrix("W")
    hs, _ = th.scan(lambda x_t, h, W: T.tanh(T.dot(h, W) + T.exp(x_t) * 2), sequences=x,
                    outputs_info=h0, non_sequences=W)
    f = compile_both([x, h0, W], hs, [rng.normal(size=(4, 3)), rng.normal(size=3),
                                      rng.normal(size=(3, 3))])
    (node,) = scans(f)
    _, seqs, _, _ = node.op.info.split_outer(node.inputs)
    assert not [s for s in seqs if s.owner is not None and isinstance(s.owner.op, Elemwise)]
    assert [n for n in inner_nodes(node) if "exp" in str(n.op)]


def test_backward_loop_reads_stored_gates_instead_of_recomputing():
    x, h0, U, V = T.matrix("x"), T.vector("h0"), T.matrix("U"), T.matrix("V")

    def step(x_t, h, U, V):
        return T.nnet.sigmoid(x_t + T.dot(h, U)) * T.tanh(T.dot(h, V))

    hs, _ = th.scan(step, sequences=x, outputs_info=h0, non_sequences=[U, V])
    cost = (hs ** 2).sum()
    grads = th.grad(cost, [U, V, h0])
    f = compile_both([x, h0, U, V], [cost] + grads,
                     [rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=(3, 3)),
                      rng.normal(size=(3, 3))])
    loops = scans(f)
    assert len(loops) == 2  # the cost's forward loop is the gradient's forward loop
    (back,) = [n for n in loops if n.op.info.reverse]
    assert not [n for n in inner_nodes(back) if "tanh" in str(n.op) or "sigmoid" in str(n.op)]


def _gated_rnn_grads():
    """A two-gate RNN, h = tanh(a[:, :3]) * sigmoid(a[:, 3:]) with a = x_t + h·U: the gate
    slices' gradient starts from zeros shaped like a, and dU and dx both need da[t]."""
    x, h0, U = T.tensor3("x"), T.matrix("h0"), T.matrix("U")

    def step(x_t, h, U):
        a = x_t + T.dot(h, U)
        return T.tanh(a[:, :3]) * T.nnet.sigmoid(a[:, 3:])

    hs, _ = th.scan(step, sequences=x, outputs_info=h0, non_sequences=U)
    cost = (hs ** 2).sum()
    vals = [rng.normal(size=(5, 2, 6)), rng.normal(size=(2, 3)), 0.5 * rng.normal(size=(3, 6))]
    return [x, h0, U], [cost] + th.grad(cost, [U, x]), vals


def _stored(f):
    """Per-step arrays the loops store: their non-recurrent outputs, kept whole."""
    return sum(n.op.info.n_nit_sot - sum(n.op.info.keep_last[n.op.info.n_rec:])
               for n in scans(f))


def test_sequence_read_only_for_its_shape_is_not_stored():
    inputs, outputs, vals = _gated_rnn_grads()
    f = compile_both(inputs, outputs, vals)
    without = th.function(inputs, outputs, mode=Mode("py").excluding("scan_seq_shapes_outside"))
    for node in scans(f):
        seq_phs = set(node.op.inner_inputs[:sum(len(t) for t in node.op.info.seq_taps)])
        assert not [n for n in inner_nodes(node)
                    if type(n.op).__name__ == "Shape_i" and n.inputs[0] in seq_phs]
    assert _stored(f) < _stored(without)  # the forward loop no longer keeps a[t]


def test_duplicate_step_outputs_are_stored_once():
    inputs, outputs, vals = _gated_rnn_grads()
    f = compile_both(inputs, outputs, vals)
    without = th.function(inputs, outputs, mode=Mode("py").excluding("scan_merge_outputs"))
    (back,) = [n for n in scans(f) if n.op.info.reverse]
    nits = back.op.inner_outputs[back.op.info.n_rec:]
    assert len(set(nits)) == len(nits)
    assert _stored(f) < _stored(without)  # da[t] for dx and for dU: one array


def test_filled_buffers_stay_in_the_step():
    """The zeros a gradient of slices starts from stays in the step, where the step's rewrites
    simplify it away (moved out of the loop it was an opaque input, and `zeros + zeros`,
    `g + zeros` ran at every step)."""
    from minitheano.ops.alloc import Alloc
    from minitheano.ops.scan.rebuild import ScanParts
    x, h0, U = T.tensor3("x"), T.matrix("h0"), T.matrix("U")

    def step(x_t, h, U):
        pre = x_t + T.dot(h, U)
        return T.tanh(pre[:, :3]) * T.nnet.sigmoid(pre[:, 3:])
    hs, _ = th.scan(step, sequences=x, outputs_info=h0, non_sequences=U)
    cost = T.sum(hs ** 2)
    vals = [rng.normal(size=s) for s in [(4, 2, 6), (2, 3), (3, 6)]]
    f = compile_both([x, h0, U], [cost] + T.grad(cost, [U, h0]), vals)
    assert len(scans(f)) == 2
    for node in scans(f):
        for v, _ in ScanParts.from_node(node).non_seqs:
            assert not (v.owner and isinstance(v.owner.op, Alloc)), "a filled buffer moved out"

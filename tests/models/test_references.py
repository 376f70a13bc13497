"""The numpy oracles themselves are right: the seeds' finite-difference checks, and more."""
import numpy as np

from . import reference_binary_addition as rba
from . import reference_charrnn as rc
from . import reference_lstm as rl
from . import reference_minimal_lstm as rml


def central_diff(f, x, eps=1e-6):
    """Central differences of scalar f at x (x is perturbed in place and restored)."""
    out = np.zeros_like(x)
    for k in range(x.size):
        old = x.flat[k]
        x.flat[k] = old + eps
        fp = f()
        x.flat[k] = old - eps
        fm = f()
        x.flat[k] = old
        out.flat[k] = (fp - fm) / (2 * eps)
    return out


def test_seed000_finite_difference_checks():
    """Seed 000's own cells: dx and the 15 weight gradients against its forward differences."""
    rnd = np.random.RandomState(0)
    M, N, T = 2, 3, 10
    weights = rl.init_weights(M, N, rnd)
    x = rnd.randn(T, M)
    targets = rnd.randn(T, N)
    y, fwd_state = rl.forward(x, weights)
    dx, gradients, _ = rl.backward(x, rl.SE_deriv(y, targets), weights, fwd_state)
    dx_approx = rl.finite_diff(lambda inp: rl.SE(rl.forward(inp, weights)[0], targets), x)
    assert rl.SE(dx, dx_approx) < 1e-6  # the seed prints 4.5e-09

    shapes = [w.shape for w in weights]
    all_weights = rnd.randn(sum(w.size for w in weights))
    weights = rl.split_weights(all_weights, shapes)
    grad_approx = rl.finite_diff(
        lambda aw: rl.SE(rl.forward(x, rl.split_weights(aw, shapes))[0], targets), all_weights)
    y, fwd_state = rl.forward(x, weights)
    _, gradients, _ = rl.backward(x, y - targets, weights, fwd_state)
    for g_calc, g_approx, name in zip(gradients, rl.split_weights(grad_approx, shapes),
                                      rl.WEIGHT_NAMES):
        assert rl.SE(g_calc, g_approx) < 1e-6, name  # the seed prints 1e-10 .. 4e-09


def test_seed000_backward_central_differences():
    """A tighter check of the LSTM oracle with central differences."""
    rnd = np.random.RandomState(1)
    M, N, T = 3, 4, 6
    weights = [w.copy() for w in rl.init_weights(M, N, rnd, scale=0.5)]
    x = rnd.randn(T, M)
    targets = rnd.randn(T, N)
    loss = lambda: rl.SE(rl.forward(x, weights)[0], targets)
    y, st = rl.forward(x, weights)
    dx, grads, _ = rl.backward(x, y - targets, weights, st)
    np.testing.assert_allclose(dx, central_diff(loss, x), atol=1e-8)
    for w, g, name in zip(weights, grads, rl.WEIGHT_NAMES):
        np.testing.assert_allclose(g, central_diff(loss, w), atol=1e-8, err_msg=name)


def test_seed003_lossfun_gradient():
    rng = np.random.RandomState(2)
    V, H, T = 7, 5, 9
    params = list(rc.init_params(V, H, rng, scale=0.3))
    params[3] += rng.randn(H, 1) * 0.1
    params[4] += rng.randn(V, 1) * 0.1
    inputs = list(rng.randint(V, size=T))
    targets = list(rng.randint(V, size=T))
    hprev = rng.randn(H, 1) * 0.5
    out = rc.lossFun(inputs, targets, hprev, params, clip=False)
    loss = lambda: rc.lossFun(inputs, targets, hprev, params, clip=False)[0]
    for p, g in zip(params, out[1:6]):
        np.testing.assert_allclose(g, central_diff(loss, p), atol=1e-8)
    # the clipped variant clips elementwise to [-5, 5]
    big = [p * 40 for p in params]
    clipped = rc.lossFun(inputs, targets, hprev, big, clip=True)
    assert max(np.abs(g).max() for g in clipped[1:6]) <= 5


def test_seed002_binary_addition_is_bptt():
    """iamtrask's updates are minus the gradient of 0.5 * sum of squared output errors."""
    rng = np.random.RandomState(3)
    syn = [s.copy() for s in rba.init_synapses(rng=rng)]
    a, b, c = (rba.int2binary[v] for v in (37, 90, 127))

    def loss():
        h, total = np.zeros(16), 0.0
        for pos in range(8):
            X = np.array([a[7 - pos], b[7 - pos]])
            h = rba.sigmoid(X @ syn[0] + h @ syn[2])
            total += 0.5 * float((c[7 - pos] - rba.sigmoid(h @ syn[1]))[0]) ** 2
        return total

    updates, err, d = rba.bptt(a, b, c, syn)
    for s, u in zip(syn, updates):
        np.testing.assert_allclose(-u, central_diff(loss, s), atol=1e-8)


def test_seed002_minimal_lstm_learns():
    losses = rml.example_0(n_iter=100)
    assert losses[0] > 0.5 and losses[-1] < 1e-4


def test_seed002_minimal_lstm_gradient():
    np.random.seed(0)
    param = rml.LstmParam(5, 3)
    net = rml.LstmNetwork(param)
    y_list = [-0.5, 0.2, 0.1, -0.5]
    xs = [np.random.random(3) for _ in y_list]

    def loss():
        for x in xs:
            net.x_list_add(x)
        out = sum(rml.ToyLossLayer.loss(n.state.h, y) for n, y in zip(net.lstm_node_list, y_list))
        net.x_list_clear()
        return out

    for x in xs:
        net.x_list_add(x)
    net.y_list_is(y_list, rml.ToyLossLayer)
    net.x_list_clear()
    diffs = {k: getattr(param, k + "_diff").copy() for k in ("wg", "wi", "wf", "wo", "bg", "bo")}
    for k, g in diffs.items():
        np.testing.assert_allclose(g, central_diff(loss, getattr(param, k)), atol=1e-8, err_msg=k)

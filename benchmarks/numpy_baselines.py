"""Hand-written numpy training steps for the W3 and W4 benchmarks, written as a careful person
writes them: the four gate weights side by side so each step is one matrix product, input
projections before the loop, weight gradients after it as single matrix products.

Checked against the seeds' reference code in tests/models/test_numpy_baselines.py.
"""
import numpy as np

LSTM_NAMES = ['Wz', 'Wi', 'Wf', 'Wo', 'Rz', 'Ri', 'Rf', 'Ro', 'pi', 'pf', 'po',
              'bz', 'bi', 'bf', 'bo']


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_grads(x, targets, weights):
    """Seed 000's peephole LSTM on a batch: x (T, B, M), targets (T, B, N); loss
    0.5 * sum((y - targets)**2) over all steps and the batch. Returns (loss, 15 gradients)."""
    Wz, Wi, Wf, Wo, Rz, Ri, Rf, Ro, pi, pf, po, bz, bi, bf, bo = weights
    T, B, M = x.shape
    N = Rz.shape[0]
    W = np.concatenate([Wz, Wi, Wf, Wo], axis=1)
    R = np.concatenate([Rz, Ri, Rf, Ro], axis=1)
    b = np.concatenate([bz, bi, bf, bo])
    dt = x.dtype
    pre = (x.reshape(T * B, M) @ W + b).reshape(T, B, 4 * N)
    gates = np.empty((T, B, 4 * N), dt)  # z, i, f, o after their nonlinearities
    c = np.zeros((T + 1, B, N), dt)  # c[t + 1] is the cell at step t; c[0] = 0
    y = np.zeros((T + 1, B, N), dt)
    for t in range(T):
        a = pre[t] + y[t] @ R
        z = np.tanh(a[:, :N])
        i = _sigmoid(a[:, N:2 * N] + pi * c[t])
        f = _sigmoid(a[:, 2 * N:3 * N] + pf * c[t])
        c[t + 1] = i * z + f * c[t]
        o = _sigmoid(a[:, 3 * N:] + po * c[t + 1])
        y[t + 1] = o * np.tanh(c[t + 1])
        gates[t, :, :N], gates[t, :, N:2 * N], gates[t, :, 2 * N:3 * N], gates[t, :, 3 * N:] = z, i, f, o
    err = y[1:] - targets
    loss = 0.5 * np.sum(err * err)

    dA = np.empty((T, B, 4 * N), dt)  # gradients of the pre-activations
    dA_next = np.zeros((B, 4 * N), dt)
    dc_next = np.zeros((B, N), dt)
    f_next = np.zeros((B, N), dt)
    for t in reversed(range(T)):
        z, i, f, o = (gates[t, :, k * N:(k + 1) * N] for k in range(4))
        tc = np.tanh(c[t + 1])
        dy = err[t] + dA_next @ R.T
        do = dy * tc * o * (1 - o)
        dc = (dy * o * (1 - tc * tc) + po * do + pi * dA_next[:, N:2 * N]
              + pf * dA_next[:, 2 * N:3 * N] + dc_next * f_next)
        dA[t, :, 3 * N:] = do
        dA[t, :, 2 * N:3 * N] = dc * c[t] * f * (1 - f)
        dA[t, :, N:2 * N] = dc * z * i * (1 - i)
        dA[t, :, :N] = dc * i * (1 - z * z)
        dA_next, dc_next, f_next = dA[t], dc, f
    dA2 = dA.reshape(T * B, 4 * N)
    dW = x.reshape(T * B, M).T @ dA2
    dR = y[:-1].reshape(T * B, N).T @ dA2
    db = dA2.sum(0)
    dpi = np.sum(c[:-1] * dA[:, :, N:2 * N], axis=(0, 1))
    dpf = np.sum(c[:-1] * dA[:, :, 2 * N:3 * N], axis=(0, 1))
    dpo = np.sum(c[1:] * dA[:, :, 3 * N:], axis=(0, 1))
    split = lambda g: [g[..., k * N:(k + 1) * N] for k in range(4)]
    grads = split(dW) + split(dR) + [dpi, dpf, dpo] + split(db)
    return loss, grads


def lstm_sgd_step(x, targets, weights, lr):
    """One W3 training step: forward, BPTT, weights -= lr * gradients in place."""
    loss, grads = lstm_grads(x, targets, weights)
    for w, g in zip(weights, grads):
        w -= lr * g
    return loss


def charrnn_grads(inputs, targets, hprev, params):
    """Seed 003's lossFun (without clipping) on index arrays, with the one-hot products done as
    row gathers and the output layer as one matrix product. Parameters: Wxh (H,V), Whh (H,H),
    Why (V,H), bh (H,), by (V,). Returns (loss, 5 gradients, last hidden state)."""
    Wxh, Whh, Why, bh, by = params
    T = len(inputs)
    H = Whh.shape[0]
    xh = Wxh[:, inputs].T + bh  # (T, H)
    hs = np.empty((T + 1, H), Whh.dtype)  # hs[t + 1] is h at step t; hs[0] = hprev
    hs[0] = hprev
    for t in range(T):
        hs[t + 1] = np.tanh(xh[t] + Whh @ hs[t])
    ys = hs[1:] @ Why.T + by  # (T, V)
    ys = ys - ys.max(axis=1, keepdims=True)
    e = np.exp(ys)
    ps = e / e.sum(axis=1, keepdims=True)
    rows = np.arange(T)
    loss = -np.sum(np.log(ps[rows, targets]))
    dy = ps
    dy[rows, targets] -= 1
    dWhy = dy.T @ hs[1:]
    dby = dy.sum(0)
    dh_out = dy @ Why  # (T, H)
    dhraw = np.empty((T, H), Whh.dtype)
    dhnext = np.zeros(H, Whh.dtype)
    for t in reversed(range(T)):
        dhraw[t] = (1 - hs[t + 1] * hs[t + 1]) * (dh_out[t] + dhnext)
        dhnext = Whh.T @ dhraw[t]
    dWxh = np.zeros_like(Wxh)
    np.add.at(dWxh.T, inputs, dhraw)
    dWhh = dhraw.T @ hs[:-1]
    dbh = dhraw.sum(0)
    return loss, [dWxh, dWhh, dWhy, dbh, dby], hs[T]


def charrnn_adagrad_step(inputs, targets, hprev, params, mems, lr):
    """One W4 training step: lossFun, then Adagrad (mem += g**2; p -= lr g / sqrt(mem + 1e-8))."""
    loss, grads, h = charrnn_grads(inputs, targets, hprev, params)
    for p, g, m in zip(params, grads, mems):
        m += g * g
        p -= lr * g / np.sqrt(m + 1e-8)
    return loss, h

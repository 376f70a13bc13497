"""Seed 000's peephole LSTM in numpy ("LSTM: A Search Space Odyssey"), ported faithfully.

The only changes from the seed: `backward` takes `x` as an argument (the seed reads a global),
and the notebook's cells are gathered into functions. These are the oracle for
minitheano.models.lstm; do not "improve" them.
"""
import numpy as np

WEIGHT_NAMES = ['Wz', 'Wi', 'Wf', 'Wo', 'Rz', 'Ri', 'Rf', 'Ro', 'pi', 'pf', 'po',
                'bz', 'bi', 'bf', 'bo']

sigma = lambda x: 1. / (1 + np.exp(-x))
sigma_deriv = lambda x: sigma(x) * (1 - sigma(x))

g = lambda x: np.tanh(x)
g_deriv = lambda x: 1 - g(x)**2

h = lambda x: np.tanh(x)
h_deriv = lambda x: 1 - h(x)**2

# As loss function we use Squared Error
SE = lambda y, t: 0.5 * np.sum((y - t)**2)
SE_deriv = lambda y, t: y - t


def init_weights(M, N, rnd, scale=0.1):
    """The seed's 15 weight arrays, drawn in its order: W* (M,N), R* (N,N), p* (N), b* (N)."""
    Ws = [rnd.randn(M, N) * scale for _ in range(4)]
    Rs = [rnd.randn(N, N) * scale for _ in range(4)]
    ps = [rnd.randn(N) * scale for _ in range(3)]
    bs = [rnd.randn(N) * scale for _ in range(4)]
    return tuple(Ws + Rs + ps + bs)


def forward(x, weights):
    Wz, Wi, Wf, Wo, Rz, Ri, Rf, Ro, pi, pf, po, bz, bi, bf, bo = weights
    N = Rz.shape[0]  # nr hidden units
    T, M = x.shape
    za = np.zeros([T, N])
    z = np.zeros([T, N])
    ia = np.zeros([T, N])
    i = np.zeros([T, N])
    fa = np.zeros([T, N])
    f = np.zeros([T, N])
    c = np.zeros([T, N])
    oa = np.zeros([T, N])
    o = np.zeros([T, N])
    y = np.zeros([T, N])

    # the t-1 indexing will automatically wrap and access the last timestep which is zero
    for t in range(T):
        za[t] = np.dot(x[t], Wz) + np.dot(y[t-1], Rz) + bz
        z[t] = g(za[t])

        ia[t] = np.dot(x[t], Wi) + np.dot(y[t-1], Ri) + pi*c[t-1] + bi
        i[t] = sigma(ia[t])

        fa[t] = np.dot(x[t], Wf) + np.dot(y[t-1], Rf) + pf*c[t-1] + bf
        f[t] = sigma(fa[t])

        c[t] = i[t] * z[t] + f[t] * c[t-1]

        oa[t] = np.dot(x[t], Wo) + np.dot(y[t-1], Ro) + po*c[t] + bo
        o[t] = sigma(oa[t])

        y[t] = o[t] * h(c[t])

    fwd_state = (za, z, ia, i, fa, f, oa, o, c, y)
    return y, fwd_state


def backward(x, deltas, weights, fwd_state):
    Wz, Wi, Wf, Wo, Rz, Ri, Rf, Ro, pi, pf, po, bz, bi, bf, bo = weights
    za, z, ia, i, fa, f, oa, o, c, y = fwd_state
    T, N = deltas.shape
    M = Wz.shape[0]

    # we make the derivative arrays longer so t+1 is automatically zero at the ends
    dz = np.zeros([T+1, N])
    di = np.zeros([T+1, N])
    df = np.zeros([T+1, N])
    dc = np.zeros([T+1, N])
    do = np.zeros([T+1, N])
    dy = np.zeros([T, N])
    dx = np.zeros([T, M])

    # initialize gradients
    gradients = [np.zeros_like(w) for w in weights]
    dWz, dWi, dWf, dWo, dRz, dRi, dRf, dRo, dpi, dpf, dpo, dbz, dbi, dbf, dbo = gradients

    for t in reversed(range(T)):
        dy[t] = deltas[t] + np.dot(di[t+1], Ri.T) + np.dot(df[t+1], Rf.T) +\
            np.dot(do[t+1], Ro.T) + np.dot(dz[t+1], Rz.T)
        do[t] = dy[t] * h(c[t]) * sigma_deriv(oa[t])
        dc[t] = dy[t] * o[t] * h_deriv(c[t]) + po * do[t]
        if t < T-1:
            dc[t] += pi * di[t+1] + pf * df[t+1] + dc[t+1] * f[t+1]
        if t > 0:
            df[t] = dc[t] * c[t-1] * sigma_deriv(fa[t])
        di[t] = dc[t] * z[t] * sigma_deriv(ia[t])
        dz[t] = dc[t] * i[t] * g_deriv(za[t])

        # Input Deltas
        dx[t] = np.dot(dz[t], Wz.T) + np.dot(di[t], Wi.T) + np.dot(df[t], Wf.T) + np.dot(do[t], Wo.T)

        # Gradients for the weights
        dWz += np.outer(x[t], dz[t])
        dWi += np.outer(x[t], di[t])
        dWf += np.outer(x[t], df[t])
        dWo += np.outer(x[t], do[t])
        dRz += np.outer(y[t], dz[t+1])
        dRi += np.outer(y[t], di[t+1])
        dRf += np.outer(y[t], df[t+1])
        dRo += np.outer(y[t], do[t+1])
        dpi += c[t] * di[t+1]
        dpf += c[t] * df[t+1]
        dpo += c[t] * do[t]
        dbz += dz[t]
        dbi += di[t]
        dbf += df[t]
        dbo += do[t]

    bwd_state = [dz, di, df, dc, do, dy]
    return dx, gradients, bwd_state


def finite_diff(f, initial_x, eps=1e-10):
    err1 = f(initial_x)
    delta = np.zeros_like(initial_x)
    diff = np.zeros_like(initial_x)
    for i in range(delta.size):
        delta.flat[i] = eps
        err2 = f(initial_x + delta)
        diff.flat[i] = (err2 - err1) / eps
        delta.flat[i] = 0
    return diff


def split_weights(all_weights, shapes):
    """The seed's split of one flat vector into the 15 weight arrays (views)."""
    sizes = [int(np.prod(s)) for s in shapes]
    split_idx = np.hstack(([0], np.cumsum(sizes)))
    return [all_weights[i:j].reshape(s) for i, j, s in zip(split_idx[:-1], split_idx[1:], shapes)]

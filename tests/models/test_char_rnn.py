"""The scan-built char-RNN against seed 003's lossFun (BPTT over 25 steps, no clipping)."""
import numpy as np

from minitheano.models import char_rnn, data

from . import reference_charrnn as rc


def _seed_setup(hidden_size=10, seq_length=25, p=220):
    text = data.SNIPPET
    vocab = data.CharVocab.from_text(text)
    ix = vocab.encode(text)
    rng = np.random.RandomState(1337)
    params = list(rc.init_params(len(vocab), hidden_size, rng, scale=0.3))
    params[3] = rng.randn(hidden_size, 1) * 0.1  # nonzero biases exercise their gradients
    params[4] = rng.randn(len(vocab), 1) * 0.1
    inputs, targets = ix[p:p + seq_length], ix[p + 1:p + seq_length + 1]
    hprev = np.tanh(rng.randn(hidden_size, 1))
    return vocab, params, inputs, targets, hprev


def _flat(params):
    return [params[0], params[1], params[2], params[3][:, 0], params[4][:, 0]]


def test_gradient_equals_seed_lossfun(mode):
    vocab, params, inputs, targets, hprev = _seed_setup()
    model = char_rnn.build_char_rnn(len(vocab), 10, params=_flat(params), dtype="float64",
                                    mode=mode)
    out = model.loss_and_grads(inputs, targets, hprev[:, 0])
    ref = rc.lossFun(list(inputs), list(targets), hprev, params, clip=False)
    np.testing.assert_allclose(out[0], ref[0], rtol=1e-12)
    for g, r, name in zip(out[1:6], ref[1:6], char_rnn.PARAM_NAMES):
        np.testing.assert_allclose(g, r.reshape(g.shape), rtol=0, atol=1e-8, err_msg=name)
    np.testing.assert_allclose(out[6], ref[6][:, 0], atol=1e-12)


def test_adagrad_step_equals_numpy():
    vocab, params, inputs, targets, hprev = _seed_setup()
    model = char_rnn.build_char_rnn(len(vocab), 10, lr=0.1, params=_flat(params),
                                    dtype="float64", clip=5.0)
    ref = rc.lossFun(list(inputs), list(targets), hprev, [p * 1.0 for p in params], clip=True)
    loss, h = model.step(inputs, targets, hprev[:, 0])
    np.testing.assert_allclose(loss, ref[0], rtol=1e-12)
    for p, v, g in zip(model.params, _flat(params), ref[1:6]):
        g = g.reshape(v.shape)
        np.testing.assert_allclose(p.get_value(), v - 0.1 * g / np.sqrt(g * g + 1e-8), atol=1e-10)


def test_learns_the_snippet():
    vocab = data.CharVocab.from_text(data.SNIPPET)
    ix = vocab.encode(data.SNIPPET)
    model = char_rnn.build_char_rnn(len(vocab), 32, lr=0.1, clip=5.0,
                                    rng=np.random.RandomState(0))
    h = np.zeros(32)
    smooth = first = -np.log(1.0 / len(vocab)) * 25
    for n, (inputs, targets, reset) in zip(range(1000), data.char_batches(ix, 25)):
        if reset:
            h = np.zeros(32)
        loss, h = model.step(inputs, targets, h)
        smooth = 0.99 * smooth + 0.01 * float(loss)
    assert smooth < 0.6 * first  # numpy, same settings: 102 -> 53 by 1000 steps
    text = vocab.decode(model.sample(np.zeros(32), vocab.encode("T")[0], 50,
                                     np.random.default_rng(0)))
    assert len(text) == 50

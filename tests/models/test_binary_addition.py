"""The scan-built binary-addition RNN follows seed 002's numpy training step for step and
learns to add."""
import numpy as np

from minitheano.models import binary_addition as ba

from . import reference_binary_addition as rba


def _seed_run(model_train, syn_ref, n_iter, check_every=None):
    """Both trainings fed the seed's random stream; returns the model errors."""
    np.random.seed(0)
    errs = []
    for j in range(n_iter):
        a, b, c = rba.example()
        err, _ = model_train(ba.bits_lsb_first(a, b), rba.int2binary[c][::-1].astype(float))
        errs.append(float(err))
        if syn_ref is not None:
            ups, ref_err, _ = rba.bptt(rba.int2binary[a], rba.int2binary[b], rba.int2binary[c],
                                       syn_ref)
            for s, u in zip(syn_ref, ups):
                s += u * 0.1
            np.testing.assert_allclose(errs[-1], ref_err[0], rtol=1e-9)
    return np.array(errs)


def test_steps_follow_the_seed(mode):
    np.random.seed(0)
    syn = [s.copy() for s in rba.init_synapses()]
    model = ba.build_binary_addition(synapses=[s.copy() for s in syn], mode=mode)
    _seed_run(model.train, syn, 50)
    for shared, ref in zip(model.synapses, syn):
        np.testing.assert_allclose(shared.get_value(), ref, rtol=0, atol=1e-10)


def test_learns_to_add():
    np.random.seed(0)
    model = ba.build_binary_addition(synapses=list(rba.init_synapses()))
    errs = _seed_run(model.train, None, 10000)
    # the seed's numpy run: mean summed |error| 3.98 over the first 1000 examples, 0.45 over
    # the last 1000
    assert errs[:1000].mean() > 3.5 and errs[-1000:].mean() < 0.8
    rng = np.random.RandomState(1)
    pairs = rng.randint(128, size=(100, 2))
    correct = sum(model.add(int(a), int(b)) == a + b for a, b in pairs)
    assert correct >= 90

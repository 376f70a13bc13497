"""The scan-built minimal LSTM follows seed 002's numpy example_0 iteration for iteration."""
import numpy as np

from minitheano.models import minimal_lstm

from . import reference_minimal_lstm as rml


def test_losses_follow_the_seed_small(mode):
    ref = rml.example_0(n_iter=20, mem_cell_ct=8, x_dim=5)
    _, losses = minimal_lstm.seed_example_0(n_iter=20, mem_cell_ct=8, x_dim=5, mode=mode)
    np.testing.assert_allclose(losses, ref, rtol=1e-9)


def test_seed_example_0_learns():
    ref = rml.example_0(n_iter=100)
    model, losses = minimal_lstm.seed_example_0(n_iter=100)
    np.testing.assert_allclose(losses, ref, rtol=1e-6)
    assert losses[0] > 0.5 and losses[-1] < 1e-4  # the seed's run: 0.75 -> 2.6e-06

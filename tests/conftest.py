"""Test session setup: one Numba kernel cache directory per test run, shared by all tests."""
import os
import tempfile

import pytest

if "MINITHEANO_CACHE_DIR" not in os.environ:
    os.environ["MINITHEANO_CACHE_DIR"] = tempfile.mkdtemp(prefix="minitheano-test-cache-")

from minitheano import config  # noqa: E402

config.cache_dir = os.environ["MINITHEANO_CACHE_DIR"]


@pytest.fixture(params=["py", "FAST_RUN"])
def mode(request):
    """Run a test under the numpy reference linker and the default (Numba) mode."""
    return request.param

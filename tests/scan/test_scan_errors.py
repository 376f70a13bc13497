"""scan's errors name the variable and what was expected."""
import numpy as np
import pytest

import minitheano as th
from minitheano import tensor as T


def test_dtype_mismatch_names_output_and_both_types():
    h0 = T.vector("h0", dtype="float64")

    def step(h):
        out = T.cast(h * 2, "float32")
        out.name = "h_next"
        return out

    with pytest.raises(TypeError) as e:
        th.scan(step, outputs_info=h0, n_steps=3)
    msg = str(e.value)
    assert "output 0 ('h_next')" in msg and "'h0'" in msg
    assert "float32" in msg and "float64" in msg and "dtype" in msg


def test_rank_mismatch_between_state_and_step_output():
    h0 = T.vector("h0")
    with pytest.raises(TypeError, match="number of dimensions"):
        th.scan(lambda h: T.outer(h, h), outputs_info=h0, n_steps=2)


def test_wrong_number_of_outputs():
    x = T.vector("x")
    with pytest.raises(ValueError, match="returned 2 output.*outputs_info has 1"):
        th.scan(lambda a, s: [s + a, a], sequences=x, outputs_info=[T.constant(0.0)])


def test_taps_need_a_block_of_initial_states():
    with pytest.raises(TypeError, match=r"taps \[-2, -1\].*2 states.*scalar"):
        th.scan(lambda a, b: a + b, outputs_info=dict(initial=T.scalar("x0"), taps=[-2, -1]),
                n_steps=3)


def test_too_few_initial_rows_at_run_time():
    x0 = T.vector("x0")
    fib, _ = th.scan(lambda a, b: a + b, outputs_info=dict(initial=x0, taps=[-3, -1]),
                     n_steps=4)
    for mode in ("py", "FAST_RUN"):
        f = th.function([x0], fib, mode=mode)
        with pytest.raises(ValueError, match="initial value.*2 rows.*need 3|has 2 rows"):
            f(np.ones(2))


def test_future_output_taps_rejected():
    with pytest.raises(ValueError, match="negative taps"):
        th.scan(lambda a: a, outputs_info=dict(initial=T.vector("x0"), taps=[1]), n_steps=2)


def test_tap_lists_must_hold_ints():
    x = T.vector("x")
    with pytest.raises(ValueError, match="sequence 0 .*'x'.*list of ints"):
        th.scan(lambda a: a, sequences=dict(input=x, taps=[0.5]))


def test_scalar_sequence_rejected():
    with pytest.raises(TypeError, match="sequence 0 .*'c'.*scalar"):
        th.scan(lambda a: a, sequences=T.scalar("c"))


def test_no_sequences_and_no_n_steps():
    with pytest.raises(ValueError, match="n_steps"):
        th.scan(lambda s: s + 1, outputs_info=T.constant(0.0))


def test_strict_requires_every_variable_in_non_sequences():
    x, W = T.vector("x"), T.scalar("W")
    with pytest.raises(ValueError, match="strict=True.*'W'"):
        th.scan(lambda a: a * W, sequences=x, strict=True)
    out, _ = th.scan(lambda a, W: a * W, sequences=x, non_sequences=W, strict=True)
    np.testing.assert_allclose(th.function([x, W], out, mode="py")(np.arange(3.0), 2.0),
                               [0, 2, 4])


def test_updates_must_target_shared_variables_with_their_type():
    x = T.vector("x")
    counter = th.shared(np.int64(0), name="counter")
    with pytest.raises(TypeError, match="'counter'.*float64.*int64|'counter'"):
        th.scan(lambda a: {counter: counter + a}, sequences=x)
    v = T.scalar("v")
    with pytest.raises(TypeError, match="shared variables"):
        th.scan(lambda a: {v: a}, sequences=x)


def test_step_output_changing_shape_is_reported():
    h0 = T.vector("h0")
    grow, _ = th.scan(lambda h: T.concatenate([h, h]), outputs_info=h0, n_steps=2)
    with pytest.raises(ValueError, match=r"step 0 returned output 0.*\(4,\).*\(2,\)"):
        th.function([h0], grow, mode="py")(np.ones(2))


def test_fn_returning_none():
    with pytest.raises(ValueError, match="returned None"):
        th.scan(lambda s: None, outputs_info=T.constant(0.0), n_steps=2)

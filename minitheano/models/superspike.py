"""Seed 004's SuperSpike network (Zenke & Ganguli 2018, as GeNN's demo) written with `scan`.

Poisson inputs -> LIF hidden -> LIF output neurons learn a target spike raster. Each synapse
keeps an eligibility trace (presynaptic trace filtered twice, times a surrogate derivative of
the postsynaptic voltage); the output error (target minus real spikes, filtered) is fed back
to the hidden layer through the transpose of the hidden->output weights; the weight change
accumulated over an update interval is applied with r-max-prop. Units are the seed's (ms, mV,
"Auryn" weights). One step of the loop, in GeNN's order within a time step:
  synapses: currents += last step's spikes @ W; e, lambda, m updated; feedback to hidden
  neurons:  ExpCurr input, LIF membrane with refractoriness, error traces, spikes, traces z.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from .. import tensor as T
from ..compiler.function import Function, function
from ..config import config
from ..ops.sharedvar import SharedVariable, shared
from . import optim


@dataclass(frozen=True)
class SuperSpikeParams:
    """The seed's parameters (defaults) and network sizes."""
    n_input: int = 200
    n_hidden: int = 256
    n_output: int = 200
    dt: float = 0.1  # ms
    tau_rise: float = 5.0
    tau_decay: float = 10.0
    tau_rms: float = 30000.0
    tau_avg_err: float = 10000.0
    r0: float = 1.0  # 0.001 * 1000
    epsilon: float = 1e-32
    w_min: float = -100.0
    w_max: float = 100.0
    w0: float = 50.0
    input_freq_hz: float = 5.0
    update_time: float = 500.0  # ms between r-max-prop updates
    trial_time: float = 1890.0  # ms
    beta: float = 1000.0  # surrogate-gradient steepness
    c_mem: float = 10.0
    tau_mem: float = 10.0
    v_rest: float = -60.0
    v_thresh: float = -50.0
    tau_refrac: float = 5.0
    tau_syn: float = 5.0  # ExpCurr synapses

    @property
    def update_steps(self) -> int:
        return int(self.update_time / self.dt)

    @property
    def trial_steps(self) -> int:
        return int(self.trial_time / self.dt)


def _t_peak(tau_rise: float, tau_decay: float) -> float:
    return tau_decay * tau_rise / (tau_decay - tau_rise) * np.log(tau_decay / tau_rise)


STATE_NAMES = ("z_in", "zt_in", "syn_h", "V_h", "refrac_h", "err_h", "s_h", "sig_h", "z_h",
               "zt_h", "syn_o", "V_o", "refrac_o", "err_rise", "err_decay", "err_o", "avg_err",
               "s_o", "sig_o", "e_ih", "lam_ih", "m_ih", "e_ho", "lam_ho", "m_ho")


@dataclass
class SuperSpike:
    """The compiled network. `advance(inputs, targets)` runs len(inputs) steps of the given
    rasters and returns (summed squared error trace, output spikes, hidden spikes); `learn()`
    applies r-max-prop to both weight matrices and clears the accumulated m."""
    params: SuperSpikeParams
    w_ih: SharedVariable
    w_ho: SharedVariable
    r0: SharedVariable
    state: dict[str, SharedVariable]
    advance: Function
    learn: Function
    timestep: int = 0
    initial_state: dict[str, np.ndarray] = field(default_factory=dict)


def _lif(V, refrac, isyn, p: SuperSpikeParams):
    """GeNN's sim code: reset after a spike, exponential-Euler membrane, refractory countdown."""
    exp_tc = np.exp(-p.dt / p.tau_mem)
    r_mem = p.tau_mem / p.c_mem
    V = T.switch(T.eq(refrac, p.tau_refrac), p.v_rest, V)
    alpha = isyn * r_mem + p.v_rest
    active = T.le(refrac, 0.0)
    V = T.switch(active, alpha - exp_tc * (alpha - V), V)
    refrac = T.switch(active, refrac, refrac - p.dt)
    return V, refrac


def _spike(V, refrac, p: SuperSpikeParams):
    spiked = T.cast(T.and_(T.le(refrac, 0.0), T.ge(V, p.v_thresh)), V.dtype)
    return spiked, T.switch(spiked, p.tau_refrac, refrac)


def _sigma_prime(V, p: SuperSpikeParams):
    one_plus = 1.0 + abs(p.beta * 0.001 * (V - p.v_thresh))
    return T.switch(T.lt(V, -80.0), 0.0, p.beta / (one_plus * one_plus))


def _traces(z, zt, spikes, p: SuperSpikeParams):
    """Presynaptic traces: z decays with tau_rise and jumps by 1 per spike; zt follows z."""
    z = z + (-z / p.tau_rise) * p.dt
    zt = zt + ((-zt + z) / p.tau_decay) * p.dt
    return z + spikes, zt


def superspike_step(p: SuperSpikeParams):
    """The scan step: (input spikes_t, target_t, *state, W_ih, W_ho) -> new state."""
    syn_decay = np.exp(-p.dt / p.tau_syn)
    syn_init = p.tau_syn * (1 - syn_decay) / p.dt
    t_peak = _t_peak(p.tau_rise, p.tau_decay)
    norm = 1.0 / (-np.exp(-t_peak / p.tau_rise) + np.exp(-t_peak / p.tau_decay))
    rise_mult, decay_mult = np.exp(-p.dt / p.tau_rise), np.exp(-p.dt / p.tau_decay)
    avg_mult = np.exp(-p.dt / p.tau_avg_err)

    def eligibility(e, lam, m, zt_pre, sig_post, err_post):
        e = e + (T.outer(zt_pre, sig_post) - e / p.tau_rise) * p.dt
        lam = lam + ((-lam + e) / p.tau_decay) * p.dt
        return e, lam, m + lam * err_post.dimshuffle("x", 0)

    def step(s_in, target, z_in, zt_in, syn_h, V_h, refrac_h, err_h, s_h, sig_h, z_h, zt_h,
             syn_o, V_o, refrac_o, err_rise, err_decay, err_o, avg_err, s_o, sig_o,
             e_ih, lam_ih, m_ih, e_ho, lam_ho, m_ho, W_ih, W_ho):
        # synapse update: the input raster's row t is the spikes emitted at the previous step
        syn_h = syn_h + T.dot(s_in, W_ih)
        syn_o = syn_o + T.dot(s_h, W_ho)
        e_ih, lam_ih, m_ih = eligibility(e_ih, lam_ih, m_ih, zt_in, sig_h, err_h)
        e_ho, lam_ho, m_ho = eligibility(e_ho, lam_ho, m_ho, zt_h, sig_o, err_o)
        feedback = T.dot(W_ho, err_o)  # the output->hidden weights are W_ho's transpose
        # hidden neurons
        V_h, refrac_h = _lif(V_h, refrac_h, syn_h * syn_init, p)
        syn_h = syn_h * syn_decay
        err_h = feedback
        s_h, refrac_h = _spike(V_h, refrac_h, p)
        sig_h = _sigma_prime(V_h, p)
        z_h, zt_h = _traces(z_h, zt_h, s_h, p)
        z_in, zt_in = _traces(z_in, zt_in, s_in, p)
        # output neurons
        V_o, refrac_o = _lif(V_o, refrac_o, syn_o * syn_init, p)
        syn_o = syn_o * syn_decay
        s_real = T.cast(T.and_(T.le(refrac_o, 0.0), T.ge(V_o, p.v_thresh)), V_o.dtype)
        mismatch = target - s_real
        err_rise = err_rise * rise_mult + mismatch
        err_decay = err_decay * decay_mult + mismatch
        err_o = (err_decay - err_rise) * norm
        avg_err = avg_err * avg_mult + err_o * err_o * (p.dt * 0.001)
        s_o, refrac_o = _spike(V_o, refrac_o, p)
        sig_o = _sigma_prime(V_o, p)
        return [z_in, zt_in, syn_h, V_h, refrac_h, err_h, s_h, sig_h, z_h, zt_h, syn_o, V_o,
                refrac_o, err_rise, err_decay, err_o, avg_err, s_o, sig_o,
                e_ih, lam_ih, m_ih, e_ho, lam_ho, m_ho]

    return step


def initial_state(p: SuperSpikeParams, dtype: str) -> dict[str, np.ndarray]:
    """The seed's initial values: resting membranes, zero traces and errors."""
    n_i, n_h, n_o = p.n_input, p.n_hidden, p.n_output
    sizes = {"z_in": n_i, "zt_in": n_i, "z_h": n_h, "zt_h": n_h}
    for k in ("syn_h", "V_h", "refrac_h", "err_h", "s_h", "sig_h"):
        sizes[k] = n_h
    for k in ("syn_o", "V_o", "refrac_o", "err_rise", "err_decay", "err_o", "avg_err", "s_o",
              "sig_o"):
        sizes[k] = n_o
    state = {k: np.zeros(sizes[k], dtype) for k in sizes}
    state["V_h"][:] = p.v_rest
    state["V_o"][:] = p.v_rest
    for k in ("e_ih", "lam_ih", "m_ih"):
        state[k] = np.zeros((n_i, n_h), dtype)
    for k in ("e_ho", "lam_ho", "m_ho"):
        state[k] = np.zeros((n_h, n_o), dtype)
    return {k: state[k] for k in STATE_NAMES}


def init_weights(p: SuperSpikeParams, rng: np.random.Generator, dtype: str):
    """NormalClipped(0, w0 / sqrt(n_pre)) in [w_min, w_max], as the seed."""
    w_ih = rng.normal(0.0, p.w0 / np.sqrt(p.n_input), (p.n_input, p.n_hidden))
    w_ho = rng.normal(0.0, p.w0 / np.sqrt(p.n_hidden), (p.n_hidden, p.n_output))
    return (np.clip(w_ih, p.w_min, p.w_max).astype(dtype),
            np.clip(w_ho, p.w_min, p.w_max).astype(dtype))


def build_superspike(p: SuperSpikeParams = SuperSpikeParams(), rng: np.random.Generator | None = None,
                     dtype: str | None = None, mode=None) -> SuperSpike:
    """Compile `advance` (a scan over a chunk of time steps, state kept in shared variables)
    and `learn` (r-max-prop on m / update_steps, then m = 0)."""
    from ..ops.scan import scan
    dtype = dtype or config.floatX
    rng = rng or np.random.default_rng(0)
    w_ih0, w_ho0 = init_weights(p, rng, dtype)
    w_ih, w_ho = shared(w_ih0, name="W_ih"), shared(w_ho0, name="W_ho")
    init = initial_state(p, dtype)
    state = {k: shared(v.copy(), name=k) for k, v in init.items()}
    inputs = T.matrix("input_spikes", dtype=dtype)  # (steps, n_input)
    targets = T.matrix("target_spikes", dtype=dtype)  # (steps, n_output)
    inner = superspike_step(p)

    def step(s_in, target, W_ih, W_ho):
        # the state lives in shared variables updated by the loop (Theano's scan updates), so
        # only their last values are kept, not a history of every eligibility matrix
        new = dict(zip(STATE_NAMES, inner(s_in, target, *(state[k] for k in STATE_NAMES),
                                          W_ih, W_ho)))
        outs = [T.sum(new["err_o"] ** 2), new["s_o"], new["s_h"]]
        return outs, OrderedDict((state[k], new[k]) for k in STATE_NAMES)

    (err_sq, s_o, s_h), loop_updates = scan(step, sequences=[inputs, targets],
                                            outputs_info=[None, None, None],
                                            non_sequences=[w_ih, w_ho], name="superspike")
    err = T.sum(err_sq) * (p.dt * 0.001) / p.n_output
    advance = function([inputs, targets], [err, s_o, s_h], updates=loop_updates, mode=mode,
                       name="superspike_advance")
    r0 = shared(np.asarray(p.r0, dtype=dtype), name="r0")
    exp_rms = float(np.exp(-p.update_time / p.tau_rms))
    grads = [state["m_ih"] / p.update_steps, state["m_ho"] / p.update_steps]
    updates = optim.rmaxprop([w_ih, w_ho], grads, r0, exp_rms, p.epsilon, p.w_min, p.w_max)
    updates += [(state["m_ih"], T.zeros_like(state["m_ih"])),
                (state["m_ho"], T.zeros_like(state["m_ho"]))]
    learn = function([], [], updates=updates, mode=mode, name="superspike_learn")
    return SuperSpike(p, w_ih, w_ho, r0, state, advance, learn, 0, init)


def run_trial(net: SuperSpike, input_raster: np.ndarray, target_raster: np.ndarray) -> tuple:
    """One trial as the seed's loop: step through the rasters, calling `learn` after every
    global time step that is a nonzero multiple of update_steps. Returns (error, output
    spikes, hidden spikes) of the trial."""
    n, u = len(input_raster), net.params.update_steps
    start, err, outs, hids = 0, 0.0, [], []
    while start < n:
        # the next learning point: global step k with k % u == 0, k != 0, after that step
        k = net.timestep + 1 if net.timestep == 0 else net.timestep
        nxt = ((k + u - 1) // u) * u
        stop = min(n, start + nxt - net.timestep + 1)
        e, s_o, s_h = net.advance(input_raster[start:stop], target_raster[start:stop])
        err += float(e)
        outs.append(s_o)
        hids.append(s_h)
        net.timestep += stop - start
        if (net.timestep - 1) % u == 0 and net.timestep - 1 != 0:
            net.learn()
        start = stop
    return err, np.concatenate(outs), np.concatenate(hids)

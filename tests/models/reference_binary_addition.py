"""Seed 002's binary-addition RNN (iamtrask) in numpy, ported faithfully.

The seed's training-loop body is split into `example` (draws a, b, c) and `bptt` (the forward
and backward passes over the 8 bit positions, least significant first), which returns the
weight updates the seed adds (`synapse += update * alpha`, i.e. the negative gradient of
0.5 * sum((y - layer_2)**2)), the summed absolute error and the predicted bits.
"""
import copy

import numpy as np


def sigmoid(x):
    output = 1/(1+np.exp(-x))
    return output


def sigmoid_output_to_derivative(output):
    return output*(1-output)


binary_dim = 8
largest_number = pow(2, binary_dim)
binary = np.unpackbits(np.array([range(largest_number)], dtype=np.uint8).T, axis=1)
int2binary = {i: binary[i] for i in range(largest_number)}


def init_synapses(input_dim=2, hidden_dim=16, output_dim=1, rng=np.random):
    synapse_0 = 2*rng.random((input_dim, hidden_dim)) - 1
    synapse_1 = 2*rng.random((hidden_dim, output_dim)) - 1
    synapse_h = 2*rng.random((hidden_dim, hidden_dim)) - 1
    return synapse_0, synapse_1, synapse_h


def example(rng=np.random):
    """One addition problem a + b = c as the seed draws it (a, b < 128)."""
    a_int = rng.randint(largest_number/2)
    b_int = rng.randint(largest_number/2)
    c_int = a_int + b_int
    return a_int, b_int, c_int


def bptt(a, b, c, synapses):
    """Forward and backward pass of the seed for bits a, b, c (most significant first)."""
    synapse_0, synapse_1, synapse_h = synapses
    hidden_dim = synapse_h.shape[0]
    synapse_0_update = np.zeros_like(synapse_0)
    synapse_1_update = np.zeros_like(synapse_1)
    synapse_h_update = np.zeros_like(synapse_h)
    d = np.zeros_like(c)
    overallError = 0
    layer_2_deltas = list()
    layer_1_values = list()
    layer_1_values.append(np.zeros(hidden_dim))
    for position in range(binary_dim):
        X = np.array([[a[binary_dim - position - 1], b[binary_dim - position - 1]]])
        y = np.array([[c[binary_dim - position - 1]]]).T
        layer_1 = sigmoid(np.dot(X, synapse_0) + np.dot(layer_1_values[-1], synapse_h))
        layer_2 = sigmoid(np.dot(layer_1, synapse_1))
        layer_2_error = y - layer_2
        layer_2_deltas.append((layer_2_error)*sigmoid_output_to_derivative(layer_2))
        overallError += np.abs(layer_2_error[0])
        d[binary_dim - position - 1] = np.round(layer_2[0][0])
        layer_1_values.append(copy.deepcopy(layer_1))

    future_layer_1_delta = np.zeros(hidden_dim)
    for position in range(binary_dim):
        X = np.array([[a[position], b[position]]])
        layer_1 = layer_1_values[-position-1]
        prev_layer_1 = layer_1_values[-position-2]
        layer_2_delta = layer_2_deltas[-position-1]
        layer_1_delta = (future_layer_1_delta.dot(synapse_h.T) +
                         layer_2_delta.dot(synapse_1.T)) * sigmoid_output_to_derivative(layer_1)
        synapse_1_update += np.atleast_2d(layer_1).T.dot(layer_2_delta)
        synapse_h_update += np.atleast_2d(prev_layer_1).T.dot(layer_1_delta)
        synapse_0_update += X.T.dot(layer_1_delta)
        future_layer_1_delta = layer_1_delta
    return (synapse_0_update, synapse_1_update, synapse_h_update), overallError, d

"""course_lib.nets: CleanRL's layer_init and the MLP every agent is built from (bad inputs: test_bad_inputs_nets)."""

import math

import pytest
import torch
from torch import nn

from course_lib.nets import layer_init, mlp

torch.set_num_threads(1)


def test_layer_init_is_orthogonal_with_the_gain_and_a_constant_bias():
    layer = layer_init(nn.Linear(8, 4), gain=2.0, bias=0.5)
    w = layer.weight.detach()
    # orthogonal rows scaled by the gain: W Wᵀ = gain² I (4 rows of length 8)
    torch.testing.assert_close(w @ w.T, 4.0 * torch.eye(4), atol=1e-5, rtol=0)
    assert torch.equal(layer.bias.detach(), torch.full((4,), 0.5))


def test_mlp_layers_activations_and_output_gain():
    net = mlp(3, (16, 8), 2, activation=nn.ReLU, out_gain=0.01)
    linears = [m for m in net if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(3, 16), (16, 8), (8, 2)]
    assert [type(m) for m in net] == [nn.Linear, nn.ReLU, nn.Linear, nn.ReLU, nn.Linear]
    # hidden layers get CleanRL's √2, the last layer the small policy-head gain
    hidden = linears[0].weight.detach()
    torch.testing.assert_close(hidden.T @ hidden, 2.0 * torch.eye(3), atol=1e-5, rtol=0)
    last = linears[-1].weight.detach()
    torch.testing.assert_close(last @ last.T, 1e-4 * torch.eye(2), atol=1e-7, rtol=0)
    assert net(torch.zeros(5, 3)).shape == (5, 2)


def test_mlp_without_hidden_layers_is_one_linear_map():
    net = mlp(4, (), 3)
    assert len(net) == 1 and isinstance(net[0], nn.Linear)
    assert net[0].weight.shape == (3, 4)


@pytest.mark.parametrize("gain", [1.0, math.sqrt(2)])
def test_layer_init_returns_the_same_layer(gain):
    layer = nn.Linear(2, 2)
    assert layer_init(layer, gain=gain) is layer

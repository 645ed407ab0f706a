"""The RL² agent: a GRU actor-critic whose hidden state is the inner learner's memory.

``h_t = GRUCell(x_t, h_{t-1})``, ``π(a | h_t) = softmax(W_π h_t)``, ``V(h_t) = w_V · h_t``.
Nothing in the forward pass is a gradient step: whatever the agent "learns" about the
current task inside a trial is written into ``h`` by the GRU's update gates. That is the
fast inner loop (内循环); PPO on the weights across many trials is the slow outer loop (外循环).

``recurrent=False`` swaps the GRU cell for a one-layer MLP, the memoryless control. With
``observation_only=True`` the trunk reads only the observation part of the input, which is
what an ordinary RL agent sees; without it, the MLP still gets the last action, reward and
flag, a one-step memory that leaks a little about the task (e.g. the last move into the goal).
An ``nn.GRUCell`` loop was measured 1.4x faster than ``nn.GRU`` for these sizes.
"""

from __future__ import annotations

import torch
from torch import nn

from course_lib.nets import MAX_FEATURES, layer_init
from course_lib.tasks.base import MAX_ENVS
from course_lib.validation import check_bool, check_int, check_tensor

__all__ = ["RecurrentActorCritic"]


class RecurrentActorCritic(nn.Module):
    """GRU (or memoryless MLP) trunk with a policy head and a value head.

    Args:
        input_size: length of the RL² input vector (see :func:`course_lib.trials.input_size`).
        num_actions: number of discrete actions.
        hidden_size: GRU state size.
        recurrent: ``False`` gives the memoryless control (the state is never read).
        observation_only: read only the first ``input_size - num_actions - 2`` features (the
            observation), ignoring the previous action, reward and episode-end flag.
    """

    def __init__(
        self,
        input_size: int,
        num_actions: int,
        hidden_size: int = 128,
        recurrent: bool = True,
        observation_only: bool = False,
    ):
        super().__init__()
        self.input_size = check_int("input_size", input_size, 1, MAX_FEATURES)
        self.num_actions = check_int("num_actions", num_actions, 2, MAX_FEATURES)
        self.hidden_size = check_int("hidden_size", hidden_size, 1, 4096)
        self.recurrent = check_bool("recurrent", recurrent)
        self.observation_only = check_bool("observation_only", observation_only)
        self.read_size = input_size - num_actions - 2 if self.observation_only else input_size
        if self.read_size < 1:
            raise ValueError(
                f"observation_only needs input_size > num_actions + 2, got input_size={input_size}"
            )
        if self.recurrent:
            self.cell = nn.GRUCell(self.read_size, hidden_size)
        else:
            self.cell = nn.Sequential(nn.Linear(self.read_size, hidden_size), nn.Tanh())
        self.policy_head = nn.Linear(hidden_size, num_actions)
        self.value_head = nn.Linear(hidden_size, 1)
        # Small policy init: start close to uniform, as in CleanRL's PPO (nets.layer_init).
        layer_init(self.policy_head, gain=0.01)
        layer_init(self.value_head, gain=1.0)

    def initial_state(self, batch_size: int) -> torch.Tensor:
        """The state at a trial's start: zeros, ``[batch_size, hidden_size]`` (one row per env)."""
        batch_size = check_int("batch_size", batch_size, 1, MAX_ENVS)
        return torch.zeros(batch_size, self.hidden_size, device=self.policy_head.weight.device)

    def step(
        self, x: torch.Tensor, hidden: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One step of ``x [B, input_size]``: ``(logits [B, A], value [B], new hidden [B, H])``."""
        check_tensor("x", x, ndim=2, floating=True, finite=True)
        if x.shape[1] != self.input_size:
            raise ValueError(f"x must have shape [B, {self.input_size}], got {list(x.shape)}")
        self._check_hidden(hidden, x.shape[0])
        return self._step(x, hidden)

    @property
    def _rollout_step(self):
        """The step ``trials.rollout_trials`` calls: the unchecked ``_step``, unless a subclass
        overrides ``step`` (a scripted player), whose own ``step`` is then honoured."""
        return self._step if type(self).step is RecurrentActorCritic.step else self.step

    def _step(
        self, x: torch.Tensor, hidden: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """:meth:`step` without the checks: :func:`course_lib.trials.rollout_trials` builds ``x``
        and ``hidden`` itself at every step, where the checks cost half as much as the step."""
        x = x[..., : self.read_size]
        hidden = self.cell(x, hidden) if self.recurrent else self.cell(x)
        return self.policy_head(hidden), self.value_head(hidden).squeeze(-1), hidden

    def forward(
        self, inputs: torch.Tensor, hidden: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Run whole trials: ``inputs [T, B, D]`` → ``(logits [T, B, A], values [T, B])``.

        Every column must start at a trial's first step (``hidden`` zeros by default);
        gradients flow back through all T steps (back-propagation through the trial).
        """
        check_tensor("inputs", inputs, floating=True, finite=True)
        if inputs.dim() != 3 or inputs.shape[-1] != self.input_size:
            raise ValueError(
                f"inputs must have shape [T, B, {self.input_size}], got {tuple(inputs.shape)}"
            )
        if hidden is not None:
            self._check_hidden(hidden, inputs.shape[1])
        inputs = inputs[..., : self.read_size]
        if not self.recurrent:
            h = self.cell(inputs)
            return self.policy_head(h), self.value_head(h).squeeze(-1)
        h = self.initial_state(inputs.shape[1]) if hidden is None else hidden
        states = []
        for x in inputs:
            h = self.cell(x, h)
            states.append(h)
        hs = torch.stack(states)
        return self.policy_head(hs), self.value_head(hs).squeeze(-1)

    def _check_hidden(self, hidden: torch.Tensor, batch: int) -> None:
        check_tensor("hidden", hidden, ndim=2, floating=True, finite=True)
        if tuple(hidden.shape) != (batch, self.hidden_size):
            raise ValueError(
                f"hidden must have shape [{batch}, {self.hidden_size}], got {list(hidden.shape)}"
            )

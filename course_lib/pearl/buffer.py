"""One replay buffer (重放缓冲区) per task, all tasks in one tensor.

Off-policy learning stores every transition it ever collected and learns from random batches of
them. PEARL keeps the transitions of each training task apart, because a batch must come from
*one* task: the context that tells the critic "this is task m" and the (s, a, r, s′) it is
trained on must belong to the same task. The authors' code (``MultiTaskReplayBuffer``) keeps
two such buffers: one for the actor-critic (all data ever collected) and one for the encoder's
context, cleared for a task each time new data is collected for it, so context comes from recent
episodes, played by a recent policy.

Storage is a ring per task: ``data`` is ``[num_tasks, capacity, Σ widths]`` (field ``name`` in the
columns ``columns[name]``); when a task's
ring is full its oldest transitions are overwritten. Sampling draws with replacement, uniformly
from each requested task's stored transitions, for all requested tasks in one indexing call.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from course_lib.validation import check_instance, check_int, check_tensor

__all__ = ["MultiTaskReplayBuffer", "MAX_STORED"]

#: Cap on num_tasks × capacity × (sum of field widths) floats: beyond it the buffer takes gigabytes.
MAX_STORED = 200_000_000


class MultiTaskReplayBuffer:
    """Transitions of ``num_tasks`` tasks, each in its own ring of ``capacity`` rows.

    Args:
        num_tasks: how many tasks (the training tasks' indices are 0 .. num_tasks − 1).
        capacity: transitions kept per task (≥ 1).
        widths: field name → width of one row, e.g. ``{"obs": 2, "action": 2, "reward": 1}``.
    """

    def __init__(self, num_tasks: int, capacity: int, widths: Mapping[str, int]):
        self.num_tasks = check_int("num_tasks", num_tasks, 1, 1_000_000)
        self.capacity = check_int("capacity", capacity, 1, 100_000_000)
        check_instance("widths", widths, Mapping, "a mapping field name -> width")
        if not widths:
            raise ValueError("widths must name at least one field, got an empty mapping")
        for name, width in widths.items():
            if not isinstance(name, str):
                raise TypeError(f"widths must map field names (str) to widths, got key {name!r}")
            check_int(f"widths[{name!r}]", width, 1, 10_000)
        self.widths = {name: int(width) for name, width in widths.items()}
        stored = self.num_tasks * self.capacity * sum(self.widths.values())
        if stored > MAX_STORED:
            raise ValueError(
                f"num_tasks * capacity * sum(widths) must be <= {MAX_STORED:_} floats, got "
                f"{self.num_tasks} * {self.capacity} * {sum(self.widths.values())} = {stored:_}"
            )
        # One tensor for all fields (columns side by side): a batch is one indexing call.
        self.data = torch.zeros(self.num_tasks, self.capacity, sum(self.widths.values()))
        starts = torch.tensor([0, *self.widths.values()]).cumsum(0).tolist()
        self.columns = {name: slice(a, b) for name, a, b in zip(self.widths, starts, starts[1:])}
        self.size = torch.zeros(self.num_tasks, dtype=torch.long)  # rows stored per task
        self.next = torch.zeros(self.num_tasks, dtype=torch.long)  # where the next row goes

    def _check_tasks(self, tasks: object) -> Tensor:
        tasks = check_tensor("tasks", tasks)
        if tasks.is_floating_point() or tasks.dim() != 1:
            raise TypeError(
                f"tasks must be a 1-d integer tensor of task indices, got {tasks.dtype} {tuple(tasks.shape)}"
            )
        if tasks.numel() and not 0 <= int(tasks.min()) <= int(tasks.max()) < self.num_tasks:
            raise ValueError(
                f"tasks must hold indices in [0, {self.num_tasks - 1}], got {tasks.tolist()}"
            )
        return tasks.long()

    def add(self, tasks: Tensor, rows: Mapping[str, Tensor]) -> None:
        """Store transitions: ``tasks [n]`` says which task each of the n rows belongs to and
        ``rows[name]`` is ``[n, width]`` for every field."""
        tasks = self._check_tasks(tasks)
        check_instance("rows", rows, Mapping, "a mapping field name -> [n, width] tensor")
        if set(rows) != set(self.widths):
            raise ValueError(
                f"rows must have the fields {sorted(self.widths)}, got {sorted(map(str, rows))}"
            )
        for name, value in rows.items():
            check_tensor(f"rows[{name!r}]", value)
            if tuple(value.shape) != (len(tasks), self.widths[name]):
                raise ValueError(
                    f"rows[{name!r}] must have shape ({len(tasks)}, {self.widths[name]}), got {tuple(value.shape)}"
                )
            if not bool(torch.isfinite(value).all()):
                raise ValueError(f"rows[{name!r}] must be finite, got NaN/inf (a NaN reward?)")
        for task in tasks.unique().tolist():
            which = (tasks == task).nonzero().squeeze(1)
            n = len(which)
            slots = (self.next[task] + torch.arange(n)) % self.capacity
            if n > self.capacity:  # only the newest `capacity` rows survive a ring that wraps
                which, slots = which[-self.capacity :], slots[-self.capacity :]
            self.data[task, slots] = torch.cat(
                [rows[name][which].to(self.data.dtype) for name in self.widths], dim=1
            )
            self.next[task] = (self.next[task] + n) % self.capacity
            self.size[task] = min(int(self.size[task]) + n, self.capacity)

    def clear(self, tasks: Tensor) -> None:
        """Forget every transition of these tasks (the encoder buffer, before new data comes in)."""
        tasks = self._check_tasks(tasks)
        self.size[tasks] = 0
        self.next[tasks] = 0

    def sample(
        self, tasks: Tensor, batch_size: int, generator: torch.Generator
    ) -> dict[str, Tensor]:
        """``batch_size`` rows drawn with replacement from each task of ``tasks [M]``:
        ``{name: [M, batch_size, width]}``. Every requested task must hold at least one row."""
        tasks = self._check_tasks(tasks)
        check_int("batch_size", batch_size, 1, 10_000_000)
        drawn = len(tasks) * batch_size * sum(self.widths.values())
        if drawn > MAX_STORED:  # the batch is a copy: it may not outgrow the buffer's own cap
            raise ValueError(
                f"len(tasks) * batch_size * sum(widths) must be <= {MAX_STORED:_} floats, got "
                f"{len(tasks)} * {batch_size} * {sum(self.widths.values())} = {drawn:_}"
            )
        check_instance("generator", generator, torch.Generator, "a torch.Generator")
        sizes = self.size[tasks]
        if bool((sizes == 0).any()):
            empty = tasks[sizes == 0].tolist()
            raise ValueError(
                f"tasks must hold transitions to sample from, got tasks {empty} with none yet"
            )
        u = torch.rand(len(tasks), batch_size, generator=generator)
        index = torch.minimum((u * sizes[:, None]).long(), sizes[:, None] - 1)  # float rounding
        rows = self.data[tasks[:, None], index]
        return {name: rows[..., cols] for name, cols in self.columns.items()}

"""Bad input to minibatch sampling.

Each case must get a clear error, never a hang or a silent NaN, by the rules in
``tests/bad_inputs.py`` (which also holds the shared fixtures).
"""

from __future__ import annotations

import torch
from bad_inputs import (
    V4,
    T,
    V,
    registry,
    sweep,
)

from course_lib import (
    sampling,
)

CASES, case = registry()


for _fn in ("minibatch_indices", "num_batches"):
    for _name, _args, _error, _frag in [
        ("n-neg", (-1, 2), V, "got -1"),
        ("n-float", (4.0, 2), T, "n must be an integer"),
        ("n-str", ("4", 2), T, "n must be an integer"),
        ("bs-0", (4, 0), V, "batch_size must be an integer >= 1, got 0"),
        ("bs-bool", (4, True), T, "batch_size must be an integer"),
        ("bs-none", (4, None), T, "batch_size must be an integer"),
    ]:
        case(f"sampling-{_fn}-{_name}", lambda f=_fn, a=_args: getattr(sampling, f)(*a), _error, _frag)  # fmt: skip
case("sampling-n-huge", lambda: sampling.minibatch_indices(10**12, 2), V, "n must be an integer in [0, 100_000_000], got 1000000000000")  # fmt: skip
case("sampling-generator", lambda: sampling.minibatch_indices(4, 2, generator=0), T, "generator must be a torch.Generator or None, got int")  # fmt: skip
case("sampling-drop-last-str", lambda: sampling.minibatch_indices(4, 2, drop_last="yes"), T, "drop_last must be True or False, got 'yes'")  # fmt: skip
case("sampling-wr-n-0", lambda: sampling.minibatch_indices_with_replacement(0, 2, num_batches=1), V, "n must be an integer in [1, 100_000_000], got 0")  # fmt: skip
case("sampling-wr-num-neg", lambda: sampling.minibatch_indices_with_replacement(4, 2, num_batches=-1), V, "num_batches must be an integer")  # fmt: skip
case("sampling-wr-huge", lambda: sampling.minibatch_indices_with_replacement(4, 10**6, num_batches=10**6), V, "num_batches × batch_size must be <= 100_000_000")  # fmt: skip
case("sampling-iter-empty", lambda: sampling.iterate_minibatches(batch_size=2), V, "tensors must be at least one tensor")  # fmt: skip
case("sampling-iter-list", lambda: sampling.iterate_minibatches([1, 2], batch_size=2), T, "tensors[0] must be a torch.Tensor, got list")  # fmt: skip
case("sampling-iter-0d", lambda: sampling.iterate_minibatches(torch.tensor(1.0), batch_size=1), V, "tensors[0] must have a batch dimension")  # fmt: skip
case("sampling-iter-lengths", lambda: sampling.iterate_minibatches(V4, torch.zeros(5), batch_size=2), V, "tensors must all have the same length")  # fmt: skip
case("sampling-iter-epochs-0", lambda: sampling.iterate_minibatches(V4, batch_size=2, epochs=0), V, "epochs must be an integer in [1, 10_000], got 0")  # fmt: skip
case("sampling-iter-epochs-huge", lambda: sampling.iterate_minibatches(V4, batch_size=2, epochs=10**9), V, "epochs must be an integer in [1, 10_000]")  # fmt: skip
case("sampling-visit-out-of-range", lambda: sampling.visit_counts([[0, 9]], 4), V, "batches must hold indices in [0, 3], got 9")  # fmt: skip
case("sampling-visit-neg", lambda: sampling.visit_counts([[-1]], 4), V, "batches entries must be an integer >= 0, got -1")  # fmt: skip
case("sampling-visit-str", lambda: sampling.visit_counts("ab", 4), T, "batches must be a list of lists of indices")  # fmt: skip

test_bad_input_gives_a_clear_error = sweep(CASES)

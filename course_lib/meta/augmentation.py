"""Learning data augmentation (数据增强): the outer loop tunes how the support set is enlarged.

An augmentation makes extra training points from the ones we have. Which transformation
helps is usually decided by hand; AutoAugment (Cubuk et al., 2018, arXiv:1805.09501)
searched for it with reinforcement learning, and later work made the magnitudes
differentiable so the search runs by gradient (e.g. Faster AutoAugment, arXiv:1911.06987).

Here the augmentation family is *shift and flip*: each support point (x, y) gets a partner

    (x − s·sign(x), −y)

whose magnitude s is a component of φ. Only some magnitudes make true points: the inner loop
(内循环) trains on the partners exactly as on the real points, and the outer loop (外循环)
scores the result on the query set, so s moves to wherever the extra points help. The
partner is moved towards the origin (−sign(x)) so it stays inside the input range.
"""

from __future__ import annotations

import torch
from torch import Tensor

from course_lib.meta.functional import _check_data, _check_support

__all__ = ["augment_support"]


def augment_support(x: Tensor, y: Tensor, shift: Tensor) -> tuple[Tensor, Tensor]:
    """The support set plus one shifted, sign-flipped partner per point: ``[2K, ...]`` each.

    Differentiable with respect to ``shift`` (a scalar tensor); works inside ``vmap``.
    """
    _check_support(x, y)
    _check_data("x", x, min_ndim=2)  # points [K, features]: the partners join along K
    _check_data("y", y, min_ndim=2)
    _check_data("shift", shift, min_ndim=0)
    if shift.dim() != 0:
        raise ValueError(
            f"shift must be a 0-d tensor (one magnitude s), got shape {tuple(shift.shape)}"
        )
    x_partner = x - shift * torch.sign(x)
    return torch.cat([x, x_partner], dim=-2), torch.cat([y, -y], dim=-2)

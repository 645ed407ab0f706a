"""N-way K-shot tasks over classes of images (Chapter 6), and the handwritten digits.

The MAML paper's classification benchmark is Omniglot: 1,623 handwritten characters, each a
*class*, with rotations by 90°, 180° and 270° added as new classes. Its tasks are
**N-way K-shot** problems: pick N classes never used in training, give the learner K
labelled images of each (the **support set**, 支持集) and score it on more images of the
same N classes (the **query set**, 查询集). :class:`ImageTasks` draws such tasks from any
tensor of images ``[classes, images per class, 1, H, W]``; labels inside a task are 0 … N−1
in a fresh random order, so a network cannot memorise "output 3 means class 17": it has to
learn from the support set.

Chapter 6's data set is :mod:`course_lib.meta.characters` (Chinese characters drawn by many
typefaces). This module also keeps the warm-up the chapter started from: scikit-learn ships
1,797 handwritten digits (8×8 pixels, 16 grey levels) inside its wheel, and
:class:`DigitTasks` builds the same kind of benchmark from them:

* a class is a (digit, rotation) pair: 10 digits × 4 rotations = 40 classes, as the MAML
  paper turns each Omniglot character into 4 classes;
* **meta-training and meta-test classes share no digit** (:func:`digit_split`). Splitting by
  rotation instead would show the learner a test digit, merely rotated, during training.
  For the same reason 6 and 9 stay on the same side: a 6 turned by 180° resembles a 9.

On the digits the class means of the raw pixels already classify well (the chapter measures
it), which is why the chapter's headline moved to the characters.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import torch
from torch import Tensor

from course_lib.meta.tasks import TaskBatch
from course_lib.validation import check_finite, check_instance, check_int, check_sequence

__all__ = [
    "IMAGE_SHAPE",
    "ROTATIONS",
    "TEST_DIGITS",
    "ImageTasks",
    "DigitTasks",
    "digit_split",
    "load_digit_images",
    "check_images",
    "describe_class",
]

#: One image: 1 channel of 8 × 8 pixels (values in [0, 1]).
IMAGE_SHAPE: tuple[int, int, int] = (1, 8, 8)
#: Rotations (degrees) that turn one digit into four classes, as in the MAML paper's Omniglot.
ROTATIONS: tuple[int, ...] = (0, 90, 180, 270)
#: Meta-test digits: none of them looks like itself turned by 180° (0, 1 and 8 do, and stay in
#: meta-training), and 6 and 9 go together so no test class appears rotated in training.
TEST_DIGITS: tuple[int, ...] = (3, 6, 7, 9)
#: Upper bound on tasks drawn in one call (600 evaluation tasks × 5 × 16 images is ~2 MB).
MAX_TASKS = 10_000


@functools.cache
def load_digit_images() -> tuple[Tensor, Tensor]:
    """scikit-learn's bundled digits: images ``[1797, 1, 8, 8]`` in [0, 1] and labels ``[1797]``.

    Read once per process (cached); treat the tensors as read-only.
    """
    from sklearn.datasets import load_digits  # ships inside the wheel: no download

    digits = load_digits()
    images = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)
    return images, torch.tensor(digits.target, dtype=torch.long)


def check_images(x: object, name: str = "x", shape: tuple[int, int, int] = IMAGE_SHAPE) -> Tensor:
    """``x`` if it is a float tensor of images ``[..., *shape]`` with no NaN or ±inf; else an
    error naming the shape (a NaN pixel would turn every score computed from it into NaN)."""
    check_instance("name", name, str, "a string (the argument's name, for messages)")
    _, h, w = _check_shape(shape)
    if not isinstance(x, Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor of images [..., 1, {h}, {w}], got {type(x)}"
        )
    if x.dim() < 3 or tuple(x.shape[-3:]) != tuple(shape):
        raise ValueError(
            f"{name} must hold images of shape [..., 1, {h}, {w}] (1 channel, {h}×{w} pixels), "
            f"got {tuple(x.shape)}"
        )
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a float tensor, got {x.dtype}")
    return check_finite(name, x)


def _check_shape(shape: object) -> tuple[int, int, int]:
    """``shape`` as ``(1, H, W)``: one channel of positive sizes."""
    c, h, w = (check_int("shape entries", v, 1) for v in check_sequence("shape", shape, length=3))
    if c != 1:
        raise ValueError(f"shape must be (1, H, W): one channel, got {tuple(shape)}")
    return c, h, w


class ImageTasks:
    """An N-way K-shot task family over classes of images.

    Args:
        images: ``[num_classes, images_per_class, 1, H, W]``: every class keeps the same
            number of images, so a whole meta-batch is drawn with a few tensor operations.
            Float pixels in [0, 1], or integer levels 0…``max_value`` (kept as they are, 4×
            smaller in memory, and turned into floats in [0, 1] as tasks are drawn).
        class_names: one name per class, how plots write it (``"7 @ 90°"``, ``"永"``).
        max_value: the integer level that means full ink (ignored for float images).
        description: a line saying what the family is, for messages.
    """

    def __init__(
        self,
        images: Tensor,
        class_names: Sequence[str],
        *,
        max_value: int = 1,
        description: str = "images",
    ) -> None:
        if not isinstance(images, Tensor):
            raise TypeError(
                "images must be a torch.Tensor [num_classes, images_per_class, 1, H, W], got "
                f"{type(images).__name__}"
            )
        if images.dim() != 5 or images.shape[2] != 1:
            raise ValueError(
                "images must be a tensor [num_classes, images_per_class, 1, H, W], got "
                f"{tuple(images.shape)}"
            )
        if images.dtype == torch.bool or images.is_complex():
            raise TypeError(f"images must hold float pixels or integer levels, got {images.dtype}")
        check_finite("images", images)
        class_names = check_sequence("class_names", class_names, of=str)
        if len(class_names) != images.shape[0]:
            raise ValueError(
                f"class_names must name each of the {images.shape[0]} classes, got "
                f"{len(class_names)} names"
            )
        self.max_value = check_int("max_value", max_value, 1)
        # Pixels outside the documented range would be read as more (or less) than full ink.
        if images.is_floating_point():
            top, accepted = 1, "float pixels in [0, 1]"
        else:
            top, accepted = self.max_value, f"integer levels 0…{self.max_value} (max_value)"
        low, high = float(images.min()), float(images.max())
        if low < 0 or high > top:
            raise ValueError(f"images must hold {accepted}, got values from {low:g} to {high:g}")
        self.images = images
        self.class_names = class_names
        self.description = check_instance("description", description, str, "a string")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.description}: {self.num_classes} classes × "
            f"{self.images_per_class} images of {self.image_shape})"
        )

    @property
    def num_classes(self) -> int:
        return self.images.shape[0]

    @property
    def images_per_class(self) -> int:
        return self.images.shape[1]

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(1, H, W)``: one channel of H × W pixels."""
        return tuple(self.images.shape[2:])  # type: ignore[return-value]

    def describe(self, c: int) -> str:
        """How class ``c`` is written in plots."""
        return self.class_names[check_int("c", c, 0, self.num_classes - 1)]

    def _pixels(self, x: Tensor) -> Tensor:
        """Images as floats in [0, 1] (integer levels are divided by ``max_value``)."""
        return x if x.is_floating_point() else x.float() / self.max_value

    def check_task_shape(self, n_way: int, k_shot: int, k_query: int) -> None:
        """ValueError naming the limit if N-way K-shot tasks with ``k_query`` queries cannot be drawn."""
        check_int("n_way", n_way, 2)
        check_int("k_shot", k_shot, 1)
        check_int("k_query", k_query, 1)
        if n_way > self.num_classes:
            raise ValueError(
                f"n_way must be <= {self.num_classes}, the classes of {self.description}; "
                f"got n_way={n_way}"
            )
        if k_shot + k_query > self.images_per_class:
            raise ValueError(
                f"k_shot + k_query must be <= {self.images_per_class}, the images per class "
                f"of {self.description}; got {k_shot} + {k_query} = {k_shot + k_query}"
            )

    def sample_classes(
        self, num_tasks: int, n_way: int, generator: torch.Generator | None = None
    ) -> Tensor:
        """``[num_tasks, n_way]`` class indices: N different classes per task, in random order."""
        _check_num_tasks(num_tasks)
        check_int("n_way", n_way, 2)
        _check_generator(generator)
        if n_way > self.num_classes:
            raise ValueError(
                f"n_way must be <= {self.num_classes}, the classes of {self.description}; "
                f"got n_way={n_way}"
            )
        return torch.rand(num_tasks, self.num_classes, generator=generator).argsort(1)[:, :n_way]

    def make_tasks(
        self, classes: Tensor, k_shot: int, k_query: int, generator: torch.Generator | None = None
    ) -> TaskBatch:
        """Draw K support and ``k_query`` query images of each chosen class (``classes``: ``[B, N]``).

        Label j inside a task means "the task's j-th class". Shapes: x ``[B, N·K, 1, H, W]``,
        y ``[B, N·K]`` (support, class-major: K images of label 0, then label 1, …) and
        ``[B, N·k_query, …]`` for the query set. The images of one class in one task are all
        different (drawn without replacement).
        """
        num_tasks, n_way = self._check_classes(classes)
        self.check_task_shape(n_way, k_shot, k_query)
        _check_generator(generator)
        picks = torch.rand(num_tasks, n_way, self.images_per_class, generator=generator)
        picks = picks.argsort(-1)[..., : k_shot + k_query]  # [B, N, K + Q] without replacement
        x = self._pixels(self.images[classes.unsqueeze(-1), picks])  # [B, N, K + Q, 1, H, W]
        y = torch.arange(n_way).reshape(1, n_way, 1).expand(num_tasks, n_way, k_shot + k_query)

        def flat(t: Tensor) -> Tensor:  # [B, N, M, ...] -> [B, N·M, ...]
            return t.reshape(num_tasks, -1, *t.shape[3:])

        return TaskBatch(
            flat(x[:, :, :k_shot]),
            flat(y[:, :, :k_shot]),
            flat(x[:, :, k_shot:]),
            flat(y[:, :, k_shot:]),
        )

    def _check_classes(self, classes: object) -> tuple[int, int]:
        """``[B, N]`` of classes of this family, N different ones per task (as sample_classes draws)."""
        if (
            not isinstance(classes, Tensor)
            or classes.is_floating_point()
            or classes.dtype == torch.bool
        ):
            raise TypeError(
                f"classes must be an integer tensor [num_tasks, n_way] of class indices, got "
                f"{getattr(classes, 'dtype', type(classes).__name__)}"
            )
        if classes.dim() != 2 or not classes.numel():
            raise ValueError(
                f"classes must be [num_tasks, n_way], got shape {tuple(classes.shape)}"
            )
        _check_num_tasks(classes.shape[0])
        if int(classes.min()) < 0 or int(classes.max()) >= self.num_classes:
            raise ValueError(
                f"classes must be indices in 0..{self.num_classes - 1} ({self.description}), got "
                f"values from {int(classes.min())} to {int(classes.max())}"
            )
        if (classes.sort(1).values.diff(dim=1) == 0).any():
            raise ValueError("classes must name n_way different classes in each task, got a repeat")
        return tuple(classes.shape)  # type: ignore[return-value]

    def sample(
        self,
        num_tasks: int,
        n_way: int,
        k_shot: int,
        k_query: int,
        generator: torch.Generator | None = None,
    ) -> TaskBatch:
        """``num_tasks`` new N-way K-shot tasks; the same seeded generator gives the same tasks."""
        _check_num_tasks(num_tasks)
        self.check_task_shape(n_way, k_shot, k_query)
        _check_generator(generator)
        classes = self.sample_classes(num_tasks, n_way, generator)
        return self.make_tasks(classes, k_shot, k_query, generator)

    def labelled_batch(
        self, size: int, generator: torch.Generator | None = None
    ) -> tuple[Tensor, Tensor]:
        """``size`` images drawn uniformly from every class, with their class index (pre-training's data)."""
        size = check_int("size", size, 1, 1_000_000)
        _check_generator(generator)
        pick = torch.randint(self.num_classes * self.images_per_class, (size,), generator=generator)
        c, m = pick // self.images_per_class, pick % self.images_per_class
        return self._pixels(self.images[c, m]), c

    def all_images(self) -> tuple[Tensor, Tensor]:
        """Every image with its class index: ``[C·M, 1, H, W]`` and ``[C·M]``."""
        c, m = self.images.shape[:2]
        flat = self.images.reshape(c * m, *self.image_shape)
        return self._pixels(flat), torch.arange(c).repeat_interleave(m)


class DigitTasks(ImageTasks):
    """An N-way K-shot task family over the (digit, rotation) classes of some digits.

    Args:
        digits: which digits (0–9) provide classes; each gives one class per rotation.
        rotations: rotations in degrees, multiples of 90 (default: 0, 90, 180, 270).

    Every class keeps the same number of images (the smallest digit's count, 174 in
    scikit-learn's set). ``classes[c]`` is the (digit, rotation) of class ``c``; ``images``
    is ``[num_classes, images_per_class, 1, 8, 8]``.
    """

    def __init__(self, digits: tuple[int, ...], rotations: tuple[int, ...] = ROTATIONS) -> None:
        digits = _check_digits(digits)
        rotations = _check_rotations(rotations)
        pictures, labels = load_digit_images()
        per_class = min(int((labels == d).sum()) for d in range(10))
        classes, stacks = [], []
        for d in digits:
            of_digit = pictures[labels == d][:per_class]
            for r in rotations:  # rot90 turns counter-clockwise, k quarter turns
                classes.append((d, r))
                stacks.append(torch.rot90(of_digit, k=r // 90, dims=(-2, -1)))
        self.digits, self.rotations, self.classes = digits, rotations, tuple(classes)
        super().__init__(
            torch.stack(stacks),
            [describe_class(c) for c in classes],
            description=f"digits {digits} × {len(rotations)} rotations",
        )


def digit_split(
    test_digits: tuple[int, ...] = TEST_DIGITS, rotations: tuple[int, ...] = ROTATIONS
) -> tuple[DigitTasks, DigitTasks]:
    """Meta-training and meta-test task families that share no digit, hence no class.

    Defaults: meta-train on the 24 classes of digits 0, 1, 2, 4, 5, 8; meta-test on the 16 of
    3, 6, 7, 9. 6 and 9 must be on the same side (a 6 rotated by 180° resembles a 9).
    """
    test = _check_digits(test_digits, "test_digits")
    rotations = _check_rotations(rotations)
    if (6 in test) != (9 in test):
        raise ValueError(
            f"test_digits must hold both 6 and 9 or neither (a 6 rotated by 180° resembles a 9, "
            f"so the split would leak a test class into training); got {test}"
        )
    train = tuple(d for d in range(10) if d not in test)
    if not train:
        raise ValueError(f"test_digits must leave at least one digit for meta-training, got {test}")
    return DigitTasks(train, rotations), DigitTasks(test, rotations)


def _check_digits(digits: object, name: str = "digits") -> tuple[int, ...]:
    if isinstance(digits, str | bytes) or not isinstance(digits, tuple | list):
        raise TypeError(f"{name} must be a tuple of digits 0–9, got {digits!r}")
    out = tuple(check_int(f"{name} entries", d, 0) for d in digits)
    if not out or any(d > 9 for d in out) or len(set(out)) != len(out):
        raise ValueError(f"{name} must be a non-empty tuple of different digits 0–9, got {digits}")
    return out


def _check_rotations(rotations: object) -> tuple[int, ...]:
    if isinstance(rotations, str | bytes) or not isinstance(rotations, tuple | list):
        raise TypeError(f"rotations must be a tuple of degrees such as (0, 90), got {rotations!r}")
    out = tuple(check_int("rotations entries", r, 0) for r in rotations)
    if not out or any(r not in ROTATIONS for r in out) or len(set(out)) != len(out):
        raise ValueError(
            f"rotations must be a non-empty tuple of different values from {ROTATIONS}, "
            f"got {rotations}"
        )
    return out


def _check_generator(generator: object) -> None:
    if generator is not None:
        check_instance("generator", generator, torch.Generator, "a torch.Generator or None")


def _check_num_tasks(num_tasks: object) -> None:
    check_int("num_tasks", num_tasks, 1, MAX_TASKS)


def describe_class(digit_rotation: tuple[int, int]) -> str:
    """'7 @ 90°': how a (digit, rotation) class is written in plots."""
    digit, rotation = check_sequence("digit_rotation", digit_rotation, length=2)
    check_int("digit_rotation's digit", digit, 0, 9)
    if check_int("digit_rotation's rotation", rotation, 0) not in ROTATIONS:
        raise ValueError(f"digit_rotation's rotation must be one of {ROTATIONS}, got {rotation}")
    return f"{digit} @ {rotation}°"

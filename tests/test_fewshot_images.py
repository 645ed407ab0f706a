"""The digits task family: real images, disjoint class splits, reproducible N-way K-shot tasks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib.meta.images import (
    IMAGE_SHAPE,
    TEST_DIGITS,
    DigitTasks,
    ImageTasks,
    check_images,
    describe_class,
    digit_split,
    load_digit_images,
)


@pytest.fixture(scope="module")
def split():
    return digit_split()


def test_the_bundled_digits_load_without_a_download():
    images, labels = load_digit_images()
    assert images.shape == (1797, *IMAGE_SHAPE)
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert set(labels.tolist()) == set(range(10))


def test_split_shares_no_digit_and_no_class(split):
    train, test = split
    assert set(train.digits).isdisjoint(test.digits)
    assert set(train.classes).isdisjoint(test.classes)
    assert test.digits == TEST_DIGITS
    assert (train.num_classes, test.num_classes) == (24, 16)  # 6 and 4 digits × 4 rotations


def test_rotations_are_new_classes(split):
    train, _ = split
    c0, c90 = train.classes.index((2, 0)), train.classes.index((2, 90))
    assert torch.equal(train.images[c90], torch.rot90(train.images[c0], 1, dims=(-2, -1)))


def test_task_shapes_and_labels(split):
    _, test = split
    batch = test.sample(3, 5, 2, 4, torch.Generator().manual_seed(0))
    assert batch.x_support.shape == (3, 10, *IMAGE_SHAPE)
    assert batch.y_support.shape == (3, 10) and batch.y_query.shape == (3, 20)
    assert batch.y_support[0].tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert batch.y_support.dtype == torch.long


def test_each_task_draws_different_images_of_its_own_classes():
    """Stamp every image with (class, index): support and query images of a class never repeat
    inside a task, and label j holds images of the task's j-th class only."""
    tasks = DigitTasks((3, 7))
    c, m = tasks.images.shape[:2]
    stamps = torch.zeros_like(tasks.images)
    stamps[:, :, 0, 0, 0] = torch.arange(c).reshape(c, 1).float()  # class index
    stamps[:, :, 0, 0, 1] = torch.arange(m).reshape(1, m).float()  # image index
    object.__setattr__(tasks, "images", stamps)
    generator = torch.Generator().manual_seed(1)
    classes = tasks.sample_classes(30, 5, generator)
    batch = tasks.make_tasks(classes, 3, 4, generator)
    for b in range(30):
        for label in range(5):
            s = batch.x_support[b][batch.y_support[b] == label][:, 0, 0]
            q = batch.x_query[b][batch.y_query[b] == label][:, 0, 0]
            assert (s[:, 0] == classes[b, label]).all() and (q[:, 0] == classes[b, label]).all()
            indices = torch.cat([s[:, 1], q[:, 1]]).tolist()
            assert len(set(indices)) == 3 + 4
    assert all(len(set(row.tolist())) == 5 for row in classes)  # N different classes per task


def test_tasks_are_reproducible_from_a_seed(split):
    _, test = split
    a = test.sample(4, 5, 1, 3, torch.Generator().manual_seed(7))
    b = test.sample(4, 5, 1, 3, torch.Generator().manual_seed(7))
    c = test.sample(4, 5, 1, 3, torch.Generator().manual_seed(8))
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert not torch.equal(a.x_support, c.x_support)


def test_sampling_leaves_the_global_rng_alone(split):
    _, test = split
    state = torch.get_rng_state()
    test.sample(2, 5, 1, 1, torch.Generator().manual_seed(0))
    assert torch.equal(state, torch.get_rng_state())


def test_n_larger_than_the_classes_is_rejected(split):
    _, test = split
    with pytest.raises(ValueError, match=r"n_way must be <= 16.*got n_way=17"):
        test.sample(1, 17, 1, 1)


def test_k_plus_query_larger_than_the_images_is_rejected(split):
    _, test = split
    limit = test.images_per_class
    with pytest.raises(ValueError, match=rf"k_shot \+ k_query must be <= {limit}"):
        test.sample(1, 5, 100, limit)


def test_bad_task_arguments(split):
    _, test = split
    with pytest.raises(TypeError, match="n_way"):
        test.sample(1, 5.0, 1, 1)
    with pytest.raises(ValueError, match="k_shot"):
        test.sample(1, 5, 0, 1)
    with pytest.raises(ValueError, match=r"num_tasks must be an integer in \[1, 10_000\]"):
        test.sample(10_001, 5, 1, 1)


def test_bad_splits_are_rejected():
    with pytest.raises(ValueError, match="both 6 and 9"):
        digit_split((3, 6))
    with pytest.raises(ValueError, match="at least one digit"):
        digit_split(tuple(range(10)))
    with pytest.raises(ValueError, match="different digits 0–9"):
        DigitTasks((1, 12))
    with pytest.raises(ValueError, match="rotations"):
        DigitTasks((1,), rotations=(45,))
    with pytest.raises(TypeError, match="digits"):
        DigitTasks("123")


def test_wrong_image_shapes_are_rejected():
    with pytest.raises(ValueError, match=r"\[\.\.\., 1, 8, 8\].*got \(5, 64\)"):
        check_images(torch.zeros(5, 64))
    with pytest.raises(ValueError, match=r"got \(5, 3, 8, 8\)"):
        check_images(torch.zeros(5, 3, 8, 8))
    with pytest.raises(TypeError, match="float"):
        check_images(torch.zeros(5, 1, 8, 8, dtype=torch.long))
    with pytest.raises(TypeError, match="torch.Tensor"):
        check_images([[0.0]])


def test_image_tasks_turn_integer_levels_into_floats():
    levels = torch.randint(0, 16, (6, 4, 1, 10, 10), dtype=torch.uint8)
    family = ImageTasks(levels, [f"c{i}" for i in range(6)], max_value=15, description="toys")
    batch = family.sample(2, 3, 1, 2, torch.Generator().manual_seed(0))
    assert batch.x_support.dtype == torch.float32 and batch.x_support.shape == (2, 3, 1, 10, 10)
    assert float(batch.x_query.max()) <= 1.0
    x, y = family.labelled_batch(7, torch.Generator().manual_seed(1))
    assert x.shape == (7, 1, 10, 10) and y.shape == (7,) and int(y.max()) < 6
    assert family.image_shape == (1, 10, 10) and family.describe(2) == "c2"
    assert "toys: 6 classes × 4 images" in repr(family)
    with pytest.raises(ValueError, match=r"n_way must be <= 6, the classes of toys"):
        family.sample_classes(1, 7)


def test_image_tasks_reject_bad_arrays():
    with pytest.raises(ValueError, match=r"\[num_classes, images_per_class, 1, H, W\]"):
        ImageTasks(torch.zeros(3, 4, 10, 10), ["a", "b", "c"])
    with pytest.raises(ValueError, match="class_names must name each of the 3 classes"):
        ImageTasks(torch.zeros(3, 4, 1, 10, 10), ["a"])


def test_digits_pretraining_batches_are_the_flat_draws():
    """labelled_batch draws the same images as indexing all_images with the same generator."""
    tasks = DigitTasks((3, 7))
    images, labels = tasks.all_images()
    pick = torch.randint(len(labels), (9,), generator=torch.Generator().manual_seed(5))
    x, y = tasks.labelled_batch(9, torch.Generator().manual_seed(5))
    assert torch.equal(x, images[pick]) and torch.equal(y, labels[pick])


def test_sample_classes_refuses_more_classes_than_the_family_has(split):
    """Issue #28: sample_classes(2, 100) on the 24 training classes returned 24 columns."""
    with pytest.raises(
        ValueError, match=r"n_way must be <= 24, the classes of digits .*got n_way=100"
    ):
        split[0].sample_classes(2, 100)
    assert split[0].sample_classes(2, 5, torch.Generator().manual_seed(0)).shape == (2, 5)


def test_make_tasks_refuses_classes_the_family_does_not_have(split):
    train = split[0]
    with pytest.raises(
        ValueError, match=r"classes must be indices in 0\.\.23 .*got values from 0 to 30"
    ):
        train.make_tasks(torch.tensor([[0, 30]]), 1, 1)
    with pytest.raises(ValueError, match="classes must name n_way different classes"):
        train.make_tasks(torch.tensor([[3, 3]]), 1, 1)
    with pytest.raises(TypeError, match="classes must be an integer tensor"):
        train.make_tasks(torch.tensor([[0.0, 1.0]]), 1, 1)


def test_images_with_a_nan_pixel_are_refused():
    x = torch.zeros(2, 1, 8, 8)
    x[1, 0, 3, 3] = float("nan")
    with pytest.raises(ValueError, match="x must hold finite numbers.*got 1 NaN"):
        check_images(x)
    with pytest.raises(ValueError, match="images must hold finite numbers"):
        ImageTasks(x.reshape(1, 2, 1, 8, 8), ["a"])
    with pytest.raises(ValueError, match=r"digit_rotation's rotation must be one of .*got 45"):
        describe_class((7, 45))
    assert describe_class((7, 90)) == "7 @ 90°"


def test_a_generator_that_is_not_torch_s_is_named(split):
    for call in (
        lambda: split[1].sample(2, 2, 1, 1, 3),
        lambda: split[1].sample_classes(2, 2, "seed"),
        lambda: split[1].labelled_batch(3, np.random.default_rng(0)),
    ):
        with pytest.raises(TypeError, match="generator must be a torch.Generator or None, got"):
            call()


@pytest.mark.parametrize(
    "images, max_value, match",
    [
        (torch.full((3, 4, 1, 8, 8), 5.0), 1, r"float pixels in \[0, 1\], got values from 5 to 5"),
        (torch.full((3, 4, 1, 8, 8), -0.5), 1, r"float pixels in \[0, 1\], got values from -0.5"),
        (torch.full((3, 4, 1, 8, 8), 16, dtype=torch.uint8), 15, r"integer levels 0…15"),
    ],
)
def test_image_tasks_refuse_pixels_outside_their_range(images, max_value, match):
    """Pixels beyond full ink would be read as more ink than there is: refused, with the range."""
    from course_lib.meta.images import ImageTasks

    with pytest.raises(ValueError, match=match):
        ImageTasks(images, ["a", "b", "c"], max_value=max_value)
    ImageTasks(
        images.clamp(0, 1) if images.is_floating_point() else images - 1,
        ["a", "b", "c"],
        max_value=max_value,
    )

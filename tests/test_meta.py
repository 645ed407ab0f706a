"""Tests of course_lib.meta: task sampling, the functional inner loop and the meta-gradients."""

import math

import pytest
import torch

from course_lib.meta import (
    SineModel,
    SinusoidTasks,
    TaskBatch,
    adapt,
    init_params,
    meta_loss,
    meta_loss_loop,
    mlp_regressor,
    reptile_update,
    task_loss,
)

torch.set_num_threads(1)


def batch(num_tasks=4, k_support=10, k_query=10, seed=0):
    return SinusoidTasks().sample(
        num_tasks, k_support, k_query, torch.Generator().manual_seed(seed)
    )


def flat(grads):
    return torch.cat([g.reshape(-1) for g in grads])


# ----------------------------------------------------------------------------- tasks
def test_task_batch_shapes_and_fields():
    b = batch(num_tasks=3, k_support=5, k_query=7)
    assert isinstance(b, TaskBatch)
    assert b._fields == ("x_support", "y_support", "x_query", "y_query")
    assert b.x_support.shape == b.y_support.shape == (3, 5, 1)
    assert b.x_query.shape == b.y_query.shape == (3, 7, 1)


def test_task_ranges_follow_the_paper_and_are_configurable():
    family = SinusoidTasks()
    amplitude, phase = family.sample_params(2000, torch.Generator().manual_seed(1))
    assert 0.1 <= amplitude.min() and amplitude.max() <= 5.0 and amplitude.max() > 4.9
    assert 0.0 <= phase.min() and phase.max() <= math.pi and phase.max() > 3.1
    b = family.sample(200, 10, 10, torch.Generator().manual_seed(1))
    assert b.x_support.min() >= -5 and b.x_support.max() <= 5
    assert b.y_support.abs().max() <= 5.0

    narrow = SinusoidTasks(amplitude_range=(2.0, 3.0), phase_range=(0.0, 0.5), x_range=(0.0, 1.0))
    a, p = narrow.sample_params(500, torch.Generator().manual_seed(2))
    assert 2.0 <= a.min() and a.max() <= 3.0 and 0.0 <= p.min() and p.max() <= 0.5
    b = narrow.sample(50, 4, 4, torch.Generator().manual_seed(2))
    assert b.x_query.min() >= 0.0 and b.x_query.max() <= 1.0


def test_targets_are_the_tasks_sinusoids():
    family = SinusoidTasks()
    amplitude, phase = torch.tensor([2.0, 0.5]), torch.tensor([0.3, 1.2])
    b = family.make_tasks(amplitude, phase, 6, 3, torch.Generator().manual_seed(0))
    expected = amplitude.view(2, 1, 1) * torch.sin(b.x_support + phase.view(2, 1, 1))
    torch.testing.assert_close(b.y_support, expected)


def test_task_sampling_is_seeded():
    torch.testing.assert_close(batch(seed=3), batch(seed=3))
    assert not torch.equal(batch(seed=3).x_support, batch(seed=4).x_support)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(num_tasks=0, k_support=5, k_query=5), "num_tasks"),
        (dict(num_tasks=2, k_support=0, k_query=5), "k_support"),
        (dict(num_tasks=2, k_support=-3, k_query=5), "k_support"),
        (dict(num_tasks=2, k_support=5, k_query=0), "k_query"),
    ],
)
def test_sampler_rejects_bad_sizes(kwargs, name):
    with pytest.raises(ValueError, match=rf"{name} must be an integer in \[1, 100_000\]"):
        SinusoidTasks().sample(**kwargs)


def test_sampler_rejects_bad_types_and_ranges():
    with pytest.raises(TypeError, match="k_support"):
        SinusoidTasks().sample(2, 2.5, 5)
    with pytest.raises(ValueError, match="amplitude_range"):
        SinusoidTasks(amplitude_range=(5.0, 0.1))


# ----------------------------------------------------------------------------- inner loop
def test_adapt_is_gradient_descent_on_the_support_set():
    model = mlp_regressor(seed=0)
    phi = init_params(model)
    b = batch()
    x, y = b.x_support[0], b.y_support[0]
    g = torch.autograd.grad(task_loss(model, phi, x, y), list(phi.values()))
    theta = adapt(model, phi, x, y, inner_lr=0.05, steps=1)
    for (name, p), gi in zip(phi.items(), g):
        torch.testing.assert_close(theta[name], p - 0.05 * gi)
    assert adapt(model, phi, x, y, inner_lr=0.05, steps=0) == phi
    # more steps lower the support loss on this task
    losses = [
        task_loss(model, adapt(model, phi, x, y, inner_lr=0.05, steps=s), x, y).item()
        for s in (0, 1, 5)
    ]
    assert losses[0] > losses[1] > losses[2]


def test_meta_gradient_equals_hand_unrolled_second_order_step():
    model = mlp_regressor(seed=1)
    phi = init_params(model)
    b = batch(num_tasks=3)
    alpha = 0.01
    by_hand = []
    for i in range(3):
        inner = torch.autograd.grad(
            task_loss(model, phi, b.x_support[i], b.y_support[i]),
            list(phi.values()),
            create_graph=True,
        )
        theta = {n: p - alpha * g for (n, p), g in zip(phi.items(), inner)}
        by_hand.append(task_loss(model, theta, b.x_query[i], b.y_query[i]))
    expected = torch.autograd.grad(torch.stack(by_hand).mean(), list(phi.values()))
    got = torch.autograd.grad(meta_loss(model, phi, b, inner_lr=alpha, steps=1), list(phi.values()))
    torch.testing.assert_close(flat(got), flat(expected), atol=1e-6, rtol=1e-5)


def test_fomaml_is_query_gradient_at_theta_and_differs_by_the_second_order_term():
    model = mlp_regressor(seed=2)
    phi = init_params(model)
    b = batch(num_tasks=3)
    alpha = 0.05
    names = list(phi)
    maml = flat(
        torch.autograd.grad(meta_loss(model, phi, b, inner_lr=alpha, steps=1), list(phi.values()))
    )
    fomaml = flat(
        torch.autograd.grad(
            meta_loss(model, phi, b, inner_lr=alpha, steps=1, first_order=True), list(phi.values())
        )
    )

    query_grads, second_order = [], []
    for i in range(3):
        x_s, y_s, x_q, y_q = b.x_support[i], b.y_support[i], b.x_query[i], b.y_query[i]
        theta = {
            n: t.detach().requires_grad_(True)
            for n, t in adapt(model, phi, x_s, y_s, inner_lr=alpha, steps=1).items()
        }
        v = torch.autograd.grad(task_loss(model, theta, x_q, y_q), [theta[n] for n in names])
        query_grads.append(flat(v))
        # MAML's extra term: −α ∇²L_support(φ) · ∇L_query(θ)  (a Hessian-vector product)
        g_s = torch.autograd.grad(
            task_loss(model, phi, x_s, y_s), [phi[n] for n in names], create_graph=True
        )
        hvp = torch.autograd.grad(
            sum((gi * vi).sum() for gi, vi in zip(g_s, v)), [phi[n] for n in names]
        )
        second_order.append(-alpha * flat(hvp))
    query_at_theta = torch.stack(query_grads).mean(0)
    correction = torch.stack(second_order).mean(0)

    torch.testing.assert_close(fomaml, query_at_theta, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(maml, fomaml + correction, atol=1e-5, rtol=1e-4)
    assert (maml - fomaml).norm() > 1e-3 * maml.norm()  # the term is not negligible here


@pytest.mark.parametrize("steps, first_order", [(1, False), (2, False), (3, True)])
def test_vmap_and_per_task_loop_agree(steps, first_order):
    model = mlp_regressor(seed=3)
    phi = init_params(model)
    b = batch(num_tasks=5)
    batched = meta_loss(model, phi, b, inner_lr=0.01, steps=steps, first_order=first_order)
    looped = meta_loss_loop(model, phi, b, inner_lr=0.01, steps=steps, first_order=first_order)
    torch.testing.assert_close(batched, looped, atol=1e-6, rtol=1e-5)
    g1 = flat(torch.autograd.grad(batched, list(phi.values())))
    g2 = flat(torch.autograd.grad(looped, list(phi.values())))
    torch.testing.assert_close(g1, g2, atol=1e-5, rtol=1e-4)


def test_per_parameter_step_sizes_match_scalar_and_get_gradients():
    model = mlp_regressor(seed=4)
    phi = init_params(model)
    b = batch(num_tasks=2)
    lrs = {n: torch.full_like(p, 0.02).requires_grad_(True) for n, p in phi.items()}
    with_dict = meta_loss(model, phi, b, inner_lr=lrs, steps=1)
    torch.testing.assert_close(with_dict, meta_loss(model, phi, b, inner_lr=0.02, steps=1))
    grads = torch.autograd.grad(with_dict, list(lrs.values()))
    assert all(g.shape == lrs[n].shape for g, n in zip(grads, lrs)) and flat(grads).abs().sum() > 0


def test_reptile_update_is_phi_plus_epsilon_theta_minus_phi():
    model = mlp_regressor(seed=5)
    phi = init_params(model)
    b = batch(num_tasks=3)
    alpha, steps, eps = 0.02, 3, 0.4
    thetas = []
    for i in range(3):  # plain SGD on the support set, the query set, the support set, by hand
        batches = [(b.x_support[i], b.y_support[i]), (b.x_query[i], b.y_query[i])]
        theta = {n: p.detach().clone().requires_grad_(True) for n, p in phi.items()}
        for step in range(steps):
            x, y = batches[step % 2]
            g = torch.autograd.grad(task_loss(model, theta, x, y), list(theta.values()))
            theta = {
                n: (t - alpha * gi).detach().requires_grad_(True)
                for (n, t), gi in zip(theta.items(), g)
            }
        thetas.append(theta)
    new = reptile_update(model, phi, b, inner_lr=alpha, steps=steps, epsilon=eps)
    for n, p in phi.items():
        mean_theta = torch.stack([t[n].detach() for t in thetas]).mean(0)
        torch.testing.assert_close(
            new[n], p.detach() + eps * (mean_theta - p.detach()), atol=1e-6, rtol=1e-5
        )
    with pytest.raises(ValueError, match="epsilon"):
        reptile_update(model, phi, b, inner_lr=alpha, steps=steps, epsilon=1.5)


def test_sine_model_inner_step_matches_the_analytic_gradient():
    model = SineModel(1.0, 0.0)
    phi = init_params(model)
    x = torch.linspace(-3, 3, 7).reshape(-1, 1)
    y = 2.0 * torch.sin(x + 0.5)
    a, b = 1.0, 0.0
    residual = a * torch.sin(x + b) - y
    grad_a = (2 * residual * torch.sin(x + b)).mean()
    grad_b = (2 * residual * a * torch.cos(x + b)).mean()
    theta = adapt(model, phi, x, y, inner_lr=0.1, steps=1)
    torch.testing.assert_close(theta["a"], torch.tensor(a) - 0.1 * grad_a)
    torch.testing.assert_close(theta["b"], torch.tensor(b) - 0.1 * grad_b)


def test_bad_inner_loop_arguments_are_rejected():
    model = mlp_regressor(seed=0)
    phi = init_params(model)
    b = batch(num_tasks=2)
    x, y = b.x_support[0], b.y_support[0]
    with pytest.raises(ValueError, match=r"inner_lr must be in \[0.0, 100.0\], got -0.1"):
        adapt(model, phi, x, y, inner_lr=-0.1, steps=1)
    with pytest.raises(ValueError, match=r"steps must be an integer in \[0, 1_000\], got -1"):
        adapt(model, phi, x, y, inner_lr=0.1, steps=-1)
    with pytest.raises(TypeError, match="steps"):
        meta_loss(model, phi, b, inner_lr=0.1, steps=1.5)
    with pytest.raises(TypeError, match="inner_lr"):
        meta_loss(model, phi, b, inner_lr="fast", steps=1)
    with pytest.raises(ValueError, match="inner_lr must have one step size per parameter"):
        meta_loss(model, phi, b, inner_lr={"0.weight": torch.tensor(0.1)}, steps=1)
    with pytest.raises(
        ValueError, match=r"tasks.x_support must be a tensor of shape \[B, K, features...\]"
    ):
        meta_loss(model, phi, TaskBatch(x, y, x, y), inner_lr=0.1, steps=1)
    with pytest.raises(ValueError, match="hidden"):
        mlp_regressor((40, 0))

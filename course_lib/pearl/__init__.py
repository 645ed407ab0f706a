"""PEARL (Chapter 9): infer the task, then act on the belief; learn off-policy.

Chapter 9 sets it beside RL² and MAML-RL in :mod:`course_lib.compare.meta_rl`.

Modules, in reading order:
    encoder   the product-of-Gaussians posterior q(z | context) and its KL to the prior
    sac       soft actor-critic conditioned on z: twin Q, target critics, temperature
    buffer    one replay buffer per task
    train     the meta-training loop (PEARLConfig, train_pearl)
    evaluate  the adaptation protocol on new tasks: episode 1 from the prior, then posterior
              sampling; prefix posteriors and destinations for the widget
"""

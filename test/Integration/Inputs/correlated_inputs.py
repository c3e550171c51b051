"""Model inputs from a correlated distribution: each feature vector is
z diag(s) Q + mu with z standard normal, s_j = (j+1)^-1 and a fixed random
rotation Q and offset mu, so a few directions carry most of the energy, as
in trained models' activations. The distribution is fixed; `seed` draws
different samples (calibration and held-out sets use different seeds)."""

import numpy as np


def feeds(model, runs, seed):
    """`runs` feed dictionaries for the model's inputs."""
    rng = np.random.default_rng(seed)
    result = [{} for _ in range(runs)]
    for inp in model.graph.input:
        shape = [d.dim_value for d in inp.type.tensor_type.shape.dim]
        width = shape[-1]
        basis = np.random.default_rng(1234 + width)
        rotation, _ = np.linalg.qr(basis.standard_normal((width, width)))
        offset = 0.5 * basis.standard_normal(width)
        scale = 4.0 * (np.arange(width) + 1.0) ** -1.0
        for feed in result:
            z = rng.standard_normal(shape) * scale
            feed[inp.name] = (z @ rotation.T + offset).astype(np.float32)
    return result

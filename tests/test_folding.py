import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.export import export_generator
from pix2pix_tf.folding import fold_batch_norm
from pix2pix_tf.generators import UNetGenerator


def with_random_statistics(generator, seed=0):
    """Moving statistics and affine weights far from their initial 0 and 1."""
    rng = np.random.default_rng(seed)
    for layer in generator.layers:
        if hasattr(layer, "moving_mean"):
            shape = layer.moving_mean.shape
            layer.moving_mean.assign(rng.uniform(-1, 1, shape).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.2, 3, shape).astype("float32"))
            layer.gamma.assign(rng.uniform(0.5, 2, shape).astype("float32"))
            layer.beta.assign(rng.uniform(-0.5, 0.5, shape).astype("float32"))
    return generator


@pytest.mark.parametrize(
    "options",
    [
        {"output_mode": "direct"},
        {"output_mode": "composite"},
        {"output_mode": "residual", "input_channels": 1},
        {"output_mode": "direct", "input_channels": 1, "dropout": 0.5},
    ],
)
def test_folded_generator_computes_the_same_outputs(options):
    g = UNetGenerator(image_size=(32, 32), depth=4, base_filters=4, seed=1, **options)
    with_random_statistics(g)
    x = np.random.default_rng(1).uniform(-1, 1, (3, 32, 32, g.input_channels)).astype("float32")
    folded = fold_batch_norm(g)
    assert folded.norm == "none"
    assert not [w for w in folded.weights if "moving" in w.path]
    expected = np.asarray(g(x, training=False))
    np.testing.assert_allclose(np.asarray(folded(x, training=False)), expected, atol=2e-5)


def test_only_batch_norm_folds():
    g = UNetGenerator(image_size=(32, 32), depth=4, base_filters=4, norm="instance")
    with pytest.raises(ValueError, match="Only batch norm"):
        fold_batch_norm(g)


def test_standard_export_is_folded_and_paper_export_is_not(tmp_path):
    g = with_random_statistics(UNetGenerator(image_size=(32, 32), depth=4, base_filters=4))
    x = np.random.default_rng(2).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    standard = tf.saved_model.load(str(export_generator(g, tmp_path / "standard")))
    paper = tf.saved_model.load(str(export_generator(g, tmp_path / "paper", "paper")))
    assert not [v for v in standard.variables if "moving" in v.name]
    assert [v for v in paper.variables if "moving" in v.name]
    np.testing.assert_allclose(
        np.asarray(standard.serve(x)), np.asarray(g(x, training=False)), atol=2e-5
    )

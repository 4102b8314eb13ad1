import keras
import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.models.blocks import BatchNorm


def twin_layers(channels):
    """Our BatchNorm and Keras' own, with the same random weights and statistics."""
    ours = BatchNorm(momentum=0.9, epsilon=1e-5)
    theirs = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)
    rng = np.random.default_rng(0)
    for layer in (ours, theirs):
        layer.build((None, None, None, channels))
    values = [
        rng.uniform(0.5, 2, channels),  # gamma
        rng.uniform(-1, 1, channels),  # beta
        rng.uniform(-1, 1, channels),  # moving mean
        rng.uniform(0.5, 2, channels),  # moving variance
    ]
    for layer in (ours, theirs):
        layer.set_weights([v.astype("float32") for v in values])
    return ours, theirs


@pytest.mark.parametrize("shape", [(2, 8, 6, 5), (1, 2, 2, 3), (3, 1, 1, 4)])
def test_fused_training_step_matches_keras(shape):
    ours, theirs = twin_layers(shape[-1])
    x = tf.constant(np.random.default_rng(1).normal(2.0, 3.0, shape).astype("float32"))
    results = []
    for layer in (ours, theirs):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x, training=True)
            loss = tf.reduce_sum(y * tf.cos(y))  # a gradient that is not all ones
        grads = tape.gradient(loss, [x, layer.gamma, layer.beta])
        results.append([y, *grads, layer.moving_mean, layer.moving_variance])
    for got, expected in zip(*results):
        np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=2e-4, atol=2e-5)


def test_the_fused_kernel_is_used_in_training():
    ours, _ = twin_layers(4)
    graph = (
        tf.function(lambda x: ours(x, training=True))
        .get_concrete_function(tf.TensorSpec((2, 4, 4, 4), tf.float32))
        .graph
    )
    assert any("FusedBatchNorm" in op.type for op in graph.get_operations())


def test_synchronized_layers_keep_keras_path():
    layer = BatchNorm(synchronized=True)
    layer.build((None, 4, 4, 3))
    assert not layer._fusable(tf.zeros((2, 4, 4, 3)), None)


def test_a_single_value_per_channel_leaves_finite_statistics():
    ours, _ = twin_layers(4)
    before = np.asarray(ours.moving_variance)
    x = tf.constant(np.random.default_rng(2).normal(size=(1, 1, 1, 4)).astype("float32"))
    y = ours(x, training=True)
    np.testing.assert_allclose(np.asarray(y).ravel(), np.asarray(ours.beta), atol=1e-6)
    np.testing.assert_allclose(np.asarray(ours.moving_variance), 0.9 * before, rtol=1e-6)

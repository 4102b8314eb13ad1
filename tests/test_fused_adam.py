import keras
import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.models.optimizers import FusedAdam
from pix2pix_tf.models.schedules import ConstantThenLinearDecay


def train_a_few_steps(optimizer, steps=5):
    """Weights after ``steps`` updates of a small dense model on a fixed batch."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(1)])
    x = tf.constant(np.random.default_rng(0).normal(size=(8, 4)).astype("float32"))
    y = tf.constant(np.random.default_rng(1).normal(size=(8, 1)).astype("float32"))

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x) - y) ** 2)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))

    for _ in range(steps):
        step()
    return [np.asarray(w) for w in model.weights]


@pytest.mark.parametrize(
    "learning_rate", [1e-2, ConstantThenLinearDecay(1e-2, constant_steps=2, decay_steps=4)]
)
def test_fused_adam_follows_keras_adam(learning_rate):
    options = dict(learning_rate=learning_rate, beta_1=0.5, beta_2=0.999)
    fused = train_a_few_steps(FusedAdam(**options))
    plain = train_a_few_steps(keras.optimizers.Adam(**options))
    for a, b in zip(fused, plain):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_the_fused_kernel_is_in_the_graph():
    optimizer = FusedAdam(1e-3)
    variable = keras.Variable(np.ones(3, "float32"))
    optimizer.build([variable])
    graph = (
        tf.function(lambda g: optimizer.apply_gradients([(g, variable)]))
        .get_concrete_function(tf.TensorSpec((3,), tf.float32))
        .graph
    )
    assert "ResourceApplyAdam" in {op.type for op in graph.get_operations()}


def test_fused_adam_round_trips_through_its_config():
    optimizer = FusedAdam(learning_rate=3e-4, beta_1=0.5)
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert isinstance(restored, FusedAdam)
    assert restored.beta_1 == 0.5

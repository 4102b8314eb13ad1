import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.models.image_pool import ImagePool


def batch(value, n=2):
    return np.full((n, 4, 4, 3), value, "float32")


def test_returns_new_images_until_full_then_about_half_earlier_ones():
    pool = ImagePool((4, 4, 3), pool_size=4, seed=0)
    for value in (1.0, 2.0):  # fills the pool: each image comes back as it was
        np.testing.assert_array_equal(np.asarray(pool(batch(value))), batch(value))
    assert int(pool.stored.numpy()) == 4
    shown = np.concatenate([np.asarray(pool(batch(10.0 + i)))[:, 0, 0, 0] for i in range(200)])
    new = np.isin(shown, 10.0 + np.arange(200)) & (shown == np.repeat(10.0 + np.arange(200), 2))
    assert 0.4 < new.mean() < 0.6  # the other half are earlier images from the pool
    assert set(np.unique(shown[~new])) <= set([1.0, 2.0, *(10.0 + np.arange(200))])


def test_zero_size_is_a_pass_through():
    pool = ImagePool((4, 4, 3), pool_size=0)
    np.testing.assert_array_equal(np.asarray(pool(batch(3.0))), batch(3.0))
    assert not pool.weights


def test_runs_in_a_tf_function_and_is_reproducible():
    def run():
        pool = ImagePool((4, 4, 3), pool_size=2, seed=5)
        step = tf.function(lambda x: pool(x))
        return [float(step(batch(float(i)))[0, 0, 0, 0]) for i in range(20)]

    assert run() == run()


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="height, width, channels"):
        ImagePool((4, 4))
    with pytest.raises(ValueError, match="pool_size"):
        ImagePool((4, 4, 3), pool_size=-1)

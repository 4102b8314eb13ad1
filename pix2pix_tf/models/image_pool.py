"""A pool of past generated images for the discriminators of CycleGAN."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class ImagePool(keras.layers.Layer):
    """Shows a discriminator a mix of new and earlier generated images.

    Shrivastava et al., "Learning from Simulated and Unsupervised Images through
    Adversarial Training", CVPR 2017, as used by CycleGAN (Zhu et al., 2017,
    section 4): the pool keeps the last ``pool_size`` generated images; until
    it is full each new image goes in and comes out as it is; after that each
    new image, with probability 0.5, takes the place of a random stored image,
    which is returned instead.

    The pool lives in TensorFlow variables (the images, how many are stored,
    how many batches were seen), so that it runs inside a `tf.function`, is
    saved with the model and resumes where it stopped. Its randomness is a
    function of ``seed`` and the batch counter.

    Args:
        image_shape: (height, width, channels) of the images.
        pool_size: images kept; 0 returns every batch unchanged.
        seed: int seed of the choices.
        **kwargs: passed to `keras.layers.Layer`.

    Example:
        >>> pool = ImagePool((64, 64, 3), pool_size=50)
        >>> shown = pool(keras.ops.stop_gradient(fake_b))  # to the discriminator
    """

    def __init__(self, image_shape, pool_size=50, seed=0, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        image_shape = tuple(int(s) for s in image_shape)
        if len(image_shape) != 3:
            raise ValueError(f"image_shape must be (height, width, channels), got {image_shape}.")
        if pool_size < 0:
            raise ValueError(f"pool_size must be >= 0, got {pool_size}.")
        self.image_shape = image_shape
        self.pool_size = int(pool_size)
        self.seed = int(seed)
        if self.pool_size:
            # One copy on the first replica under a multi-device strategy: a shared pool.
            self.images = self.add_weight(
                shape=(self.pool_size, *image_shape),
                initializer="zeros",
                trainable=False,
                aggregation="only_first_replica",
                name="images",
            )
            self.stored, self.batches = (
                self.add_weight(
                    shape=(),
                    initializer="zeros",
                    dtype="int32",
                    trainable=False,
                    aggregation="only_first_replica",
                    name=name,
                )
                for name in ("stored", "batches")
            )
        self.built = True

    def call(self, images):
        if not self.pool_size:
            return images
        images = tf.cast(images, self.images.dtype)
        batch = tf.shape(images)[0]
        index = tf.range(batch)
        seed = tf.stack([tf.constant(self.seed, tf.int32), self.batches.value])
        coin = tf.random.stateless_uniform([batch], seed=seed)
        random_slot = tf.random.stateless_uniform(
            [batch], tf.random.experimental.stateless_fold_in(seed, 1), 0, self.pool_size, tf.int32
        )
        filling = self.stored.value + index < self.pool_size
        swapping = tf.logical_and(tf.logical_not(filling), coin < 0.5)
        slot = tf.where(filling, self.stored.value + index, random_slot)
        earlier = tf.gather(self.images.value, tf.minimum(slot, self.pool_size - 1))
        shown = tf.where(swapping[:, None, None, None], earlier, images)
        written = tf.logical_or(filling, swapping)
        self.images.assign(
            tf.tensor_scatter_nd_update(
                self.images.value,
                tf.boolean_mask(slot, written)[:, None],
                tf.boolean_mask(images, written),
            )
        )
        self.stored.assign(tf.minimum(self.stored.value + batch, self.pool_size))
        self.batches.assign_add(1)
        return shown

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "image_shape": self.image_shape,
            "pool_size": self.pool_size,
            "seed": self.seed,
        }

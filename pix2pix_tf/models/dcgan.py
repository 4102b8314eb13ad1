"""DCGAN: an unconditional GAN that draws new faces from noise.

Radford, Metz and Chintala, "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks", ICLR 2016 (arXiv:1511.06434).
Where pix2pix translates one image into another, a DCGAN's generator sees only
a random vector; trained on aligned faces of one kind, it learns to draw more.

The networks reuse the pix2pix blocks (`downsample`, `upsample`), so the two
models share weights initialisation, norms and naming.

Example:
    >>> gan = DCGAN(DCGANGenerator(image_size=(32, 32)), DCGANDiscriminator(image_size=(32, 32)))
    >>> gan.compile()
    >>> gan.fit(images, epochs=20)  # a Dataset of (batch, 32, 32, 3) images in [-1, 1]
    >>> samples = gan.sample(16, seed=0)  # (16, 32, 32, 3) in [-1, 1]
"""

import keras
import tensorflow as tf
from keras import layers

from pix2pix_tf.models.blocks import conv_init, downsample, normalization, upsample
from pix2pix_tf.models.generators import check_image_size
from pix2pix_tf.models.losses import check_gan_mode, discriminator_loss, generator_gan_loss
from pix2pix_tf.models.schedules import TwoOptimizerCompileConfig, pix2pix_adam


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class DCGANGenerator(keras.Model):
    """DCGAN generator: noise vector -> image (Radford et al., 2016, arXiv:1511.06434).

    A dense layer projects the noise to a small ``(H / 2**depth, W / 2**depth)``
    feature map; ``depth`` transposed convolutions double it back to the image
    size, halving the filters each time, as in the paper's figure 1.

    Args:
        image_size: (height, width), multiples of 2**depth.
        latent_dim: length of the noise vector (100 in the paper).
        channels: channels of the generated image.
        depth: number of doublings (4: a 4x4 map grows to 64x64).
        base_filters: filters of the last upsampling layer; doubled per level
            towards the noise.
        norm: "batch", "instance" or "none".
        **kwargs: passed to `keras.Model` (name, dtype).

    Example:
        >>> g = DCGANGenerator(image_size=(64, 64), latent_dim=100)
        >>> g(keras.ops.zeros((2, 100))).shape
        (2, 64, 64, 3)
    """

    def __init__(
        self,
        image_size=(64, 64),
        latent_dim=100,
        channels=3,
        depth=4,
        base_filters=64,
        norm="batch",
        **kwargs,
    ):
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}.")
        if image_size is None:
            raise ValueError("A DCGAN generator needs a fixed image_size (height, width).")
        height, width = check_image_size(image_size, depth)
        if latent_dim < 1:
            raise ValueError(f"latent_dim must be at least 1, got {latent_dim}.")
        filters = [base_filters * 2 ** (depth - 1 - i) for i in range(depth)]
        h0, w0 = height // 2**depth, width // 2**depth

        noise = keras.Input((latent_dim,), name="noise")
        x = layers.Dense(
            h0 * w0 * filters[0] * 2,
            kernel_initializer=conv_init(),
            use_bias=norm == "none",
            name="project",
        )(noise)
        x = layers.Reshape((h0, w0, filters[0] * 2), name="project_reshape")(x)  # (bs, h0, w0, 2f)
        norm_layer = normalization(norm, "project_norm")
        if norm_layer is not None:
            x = norm_layer(x)
        x = layers.ReLU(name="project_relu")(x)
        for i, f in enumerate(filters[:-1]):
            x = upsample(x, f, f"up{i + 1}", norm=norm)  # (bs, h0 * 2**(i+1), w0 * 2**(i+1), f)
        image = layers.Conv2DTranspose(
            channels,
            4,
            strides=2,
            padding="same",
            kernel_initializer=conv_init(),
            activation="tanh",
            dtype="float32",  # keep the image in float32 under mixed precision
            name="output_image",
        )(x)  # (bs, height, width, channels)
        super().__init__(inputs=noise, outputs=image, **kwargs)
        self.image_size = (height, width)
        self.latent_dim = latent_dim
        self.channels = channels
        self.depth = depth
        self.base_filters = base_filters
        self.norm = norm

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "image_size": self.image_size,
            "latent_dim": self.latent_dim,
            "channels": self.channels,
            "depth": self.depth,
            "base_filters": self.base_filters,
            "norm": self.norm,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class DCGANDiscriminator(keras.Model):
    """DCGAN discriminator: image -> one real/fake logit (Radford et al., 2016).

    ``depth`` strided convolutions with LeakyReLU(0.2), no norm on the first,
    then one dense logit over the final feature map.

    Args:
        image_size: (height, width), multiples of 2**depth.
        channels: channels of the image.
        depth: number of stride-2 layers.
        base_filters: filters of the first layer; doubled per level.
        norm: "batch", "instance" or "none".
        slope: LeakyReLU slope.
        **kwargs: passed to `keras.Model`.

    Example:
        >>> d = DCGANDiscriminator(image_size=(64, 64))
        >>> d(keras.ops.zeros((2, 64, 64, 3))).shape
        (2, 1)
    """

    def __init__(
        self,
        image_size=(64, 64),
        channels=3,
        depth=4,
        base_filters=64,
        norm="batch",
        slope=0.2,
        **kwargs,
    ):
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}.")
        if image_size is None:
            raise ValueError("A DCGAN discriminator needs a fixed image_size (height, width).")
        height, width = check_image_size(image_size, depth)
        image = keras.Input((height, width, channels), name="image")
        x = image
        for i in range(depth):
            x = downsample(
                x, base_filters * 2**i, f"down{i + 1}", norm="none" if i == 0 else norm, slope=slope
            )  # (bs, H / 2**(i+1), W / 2**(i+1), f * 2**i)
        x = layers.Flatten(name="flatten")(x)
        logits = layers.Dense(1, kernel_initializer=conv_init(), dtype="float32", name="logit")(
            x
        )  # (bs, 1)
        super().__init__(inputs=image, outputs=logits, **kwargs)
        self.image_size = (height, width)
        self.channels = channels
        self.depth = depth
        self.base_filters = base_filters
        self.norm = norm
        self.slope = slope

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "image_size": self.image_size,
            "channels": self.channels,
            "depth": self.depth,
            "base_filters": self.base_filters,
            "norm": self.norm,
            "slope": self.slope,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class DCGAN(TwoOptimizerCompileConfig, keras.Model):
    """A DCGAN generator and discriminator trained together with `fit()`.

    Radford, Metz and Chintala, ICLR 2016 (arXiv:1511.06434). Each step draws a
    batch of noise from a seeded generator, so a run is reproducible from its
    seed. Calling the model runs the generator on noise vectors.

    Args:
        generator: noise -> image network, e.g. `DCGANGenerator`.
        discriminator: image -> logits network, e.g. `DCGANDiscriminator`.
        gan_mode: "vanilla" (the paper) or "lsgan".
        seed: seed of the training noise.
        **kwargs: passed to `keras.Model`.

    Example:
        >>> size = (32, 32)
        >>> gan = DCGAN(DCGANGenerator(image_size=size), DCGANDiscriminator(image_size=size))
        >>> gan.compile()
        >>> gan.fit(faces, epochs=20)  # batches of images, or of (image, anything) tuples
    """

    def __init__(self, generator, discriminator, gan_mode="vanilla", seed=0, **kwargs):
        super().__init__(**kwargs)
        check_gan_mode(gan_mode)
        self.generator = generator
        self.discriminator = discriminator
        self.gan_mode = gan_mode
        self.seed = seed
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.noise_generator = keras.random.SeedGenerator(seed, name="noise_seed")
        self.loss_trackers = {name: keras.metrics.Mean(name=name) for name in ("g", "d")}
        self.built = True  # both networks are functional models, built on construction

    def call(self, noise, training=None):
        return self.generator(noise, training=training)

    @property
    def metrics(self):
        return list(self.loss_trackers.values())

    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        """Configures training.

        Args:
            g_optimizer: optimizer of the generator; Adam(2e-4, beta_1=0.5) if None
                (the paper's).
            d_optimizer: optimizer of the discriminator; the same default.
            **kwargs: passed to `keras.Model.compile`; ``optimizer`` and ``loss``
                are not used.
        """
        for unused in ("optimizer", "loss"):
            if kwargs.pop(unused, None) is not None:
                raise ValueError(f"DCGAN.compile takes g_optimizer and d_optimizer, not {unused}=.")
        self.g_optimizer = g_optimizer or pix2pix_adam()
        self.d_optimizer = d_optimizer or pix2pix_adam()
        self.g_optimizer.build(self.generator.trainable_variables)
        self.d_optimizer.build(self.discriminator.trainable_variables)
        super().compile(optimizer=self.g_optimizer, **kwargs)

    @staticmethod
    def _images(data):
        # Accept image batches and (image, label) tuples alike.
        return data[0] if isinstance(data, (tuple, list)) else data

    def _noise(self, batch):
        return keras.random.normal((batch, self.latent_dim), seed=self.noise_generator)

    def _gan_losses(self, real, training):
        fake = self.generator(self._noise(tf.shape(real)[0]), training=training)
        real_logits = self.discriminator(real, training=training)
        fake_logits = self.discriminator(fake, training=training)
        return {
            "g": generator_gan_loss(fake_logits, self.gan_mode),
            "d": discriminator_loss(real_logits, fake_logits, self.gan_mode),
        }

    def train_step(self, data):
        real = self._images(data)
        # Gradients are summed over replicas: divide each replica's mean loss.
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            losses = self._gan_losses(real, training=True)
            g_loss = losses["g"] / replicas
            d_loss = losses["d"] / replicas
        g_vars = self.generator.trainable_variables
        d_vars = self.discriminator.trainable_variables
        self.g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, g_vars), g_vars))
        self.d_optimizer.apply_gradients(zip(d_tape.gradient(d_loss, d_vars), d_vars))
        for name, value in losses.items():
            self.loss_trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.loss_trackers.items()}

    def test_step(self, data):
        for name, value in self._gan_losses(self._images(data), training=False).items():
            self.loss_trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.loss_trackers.items()}

    def sample(self, count, seed=0):
        """``count`` generated images in [-1, 1]; the same ``seed`` gives the same noise.

        Args:
            count: number of images.
            seed: int seed of the noise vectors, independent of training.

        Returns:
            float32 array (count, height, width, channels).
        """
        noise = tf.random.stateless_normal((count, self.latent_dim), seed=[int(seed), 0])
        return self.generator(noise, training=False).numpy()

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "gan_mode": self.gan_mode,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

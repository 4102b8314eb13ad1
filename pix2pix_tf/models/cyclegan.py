"""The trainable CycleGAN: two generators and two discriminators, trained on unpaired images."""

import keras
import tensorflow as tf

from pix2pix_tf.models import metrics as quality
from pix2pix_tf.models.image_pool import ImagePool
from pix2pix_tf.models.losses import check_gan_mode, discriminator_loss, generator_gan_loss, l1_loss
from pix2pix_tf.models.pix2pix import PSNR_CAP_DB, _loss_scale_for_precision
from pix2pix_tf.models.replicas import reducible_logs
from pix2pix_tf.models.schedules import TwoOptimizerCompileConfig, pix2pix_adam

LOSSES = ("g_total", "g_gan_ab", "g_gan_ba", "cycle_a", "cycle_b", "idt_a", "idt_b", "d_a", "d_b")
QUALITY = ("ssim_ab", "ssim_ba", "cycle_psnr_a", "cycle_psnr_b")
# With a domain critic: its loss on real photos, and the generators' on their fakes.
DOMAIN_LOSSES = ("domain_real", "domain_fake")


def domain_loss(critic, images_a, images_b, training):
    """Sigmoid cross-entropy of a domain critic's logits (each patch's) on images of
    A (label 0) plus that on images of B (label 1)."""
    total = 0.0
    for images, label in ((images_a, 0.0), (images_b, 1.0)):
        logits = tf.cast(critic(images, training=training), tf.float32)
        labels = tf.fill(tf.shape(logits), label)
        cross_entropy = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
        total += tf.reduce_mean(cross_entropy)
    return total


def _image_shape(network, which):
    shape = network.outputs[0].shape[1:] if which == "output" else network.inputs[0].shape[1:]
    if None in shape:
        raise ValueError(
            f"CycleGAN's image pool needs networks of a fixed size, and {network.name} takes "
            "any size; build the generators with image_size=(height, width)."
        )
    return shape


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class CycleGAN(TwoOptimizerCompileConfig, keras.Model):
    """Unpaired image-to-image translation with cycle consistency (CycleGAN).

    Zhu, Park, Isola and Efros, "Unpaired Image-to-Image Translation using
    Cycle-Consistent Adversarial Networks", ICCV 2017 (arXiv:1703.10593).
    ``generator_ab`` maps domain A to B and ``generator_ba`` back; each
    discriminator tells real images of its domain from generated ones, shown
    through a pool of 50 past fakes (`ImagePool`). The generators minimise the
    adversarial losses (least squares by default, as the paper) plus
    ``cycle_weight`` times the L1 distance of A -> B -> A and B -> A -> B to
    the originals, plus ``identity_weight * cycle_weight`` times the L1
    distance of G_AB(b) to b and G_BA(a) to a (which keeps colours).

    Calling the model runs ``generator_ab``; `generator` and `discriminator`
    are A -> B's, so code written for `Pix2Pix` samples and exports that direction.

    Args:
        generator_ab: A -> B network, e.g. `ResnetGenerator`.
        generator_ba: B -> A network.
        discriminator_a: unconditional network on A images returning logits, e.g.
            ``PatchDiscriminator(input_channels=0)``.
        discriminator_b: the same on B images.
        gan_mode: "lsgan" (the paper) or "vanilla".
        cycle_weight: lambda of the cycle-consistency L1 (10 in the paper).
        identity_weight: weight of the identity L1, relative to ``cycle_weight``
            (0.5 in the paper); 0 leaves it out. Needs as many channels in A as in B.
        pool_size: past fakes each discriminator sees (50); 0 for the newest only.
        seed: seed of the pools' choices.
        domain_critic: optional network returning logits (> 0: domain B), e.g. a
            ``PatchDiscriminator(input_channels=0)``: it learns A from B on real
            photos only, and the generators are also trained to have their fakes
            put in their target domain, weighted by ``domain_weight``: the
            auxiliary classifier of StarGAN (Choi et al., CVPR 2018). The
            discriminators ask a fake to pass for a real photo; the critic asks
            it to show what tells the two domains apart.
        domain_weight: weight of the generators' domain loss (needs ``domain_critic``).
        **kwargs: passed to `keras.Model`.

    Example:
        >>> g_ab, g_ba = (ResnetGenerator((64, 64), n_blocks=6) for _ in "ab")
        >>> d_a, d_b = (PatchDiscriminator((64, 64), input_channels=0) for _ in "ab")
        >>> model = CycleGAN(g_ab, g_ba, d_a, d_b)
        >>> model.compile()
        >>> model.fit(unpaired_batches, epochs=2)  # (a, b) batches, not pairs
    """

    def __init__(
        self,
        generator_ab,
        generator_ba,
        discriminator_a,
        discriminator_b,
        gan_mode="lsgan",
        cycle_weight=10.0,
        identity_weight=0.5,
        pool_size=50,
        seed=0,
        domain_critic=None,
        domain_weight=0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_gan_mode(gan_mode)
        if domain_weight < 0 or (domain_weight and domain_critic is None):
            raise ValueError(
                f"domain_weight must be >= 0 and needs a domain_critic, got {domain_weight} "
                f"with {'a' if domain_critic is not None else 'no'} critic."
            )
        if cycle_weight < 0 or identity_weight < 0:
            raise ValueError(
                f"cycle_weight and identity_weight must be >= 0, got {cycle_weight} and "
                f"{identity_weight}."
            )
        shape_a, shape_b = _image_shape(generator_ab, "input"), _image_shape(generator_ab, "output")
        if identity_weight and shape_a[-1] != shape_b[-1]:
            raise ValueError(
                f"The identity loss feeds B images to the A -> B generator, so A and B need the "
                f"same channels (got {shape_a[-1]} and {shape_b[-1]}); set identity_weight=0."
            )
        self.generator_ab = generator_ab
        self.generator_ba = generator_ba
        self.discriminator_a = discriminator_a
        self.discriminator_b = discriminator_b
        self.gan_mode = gan_mode
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = float(identity_weight)
        self.pool_size = int(pool_size)
        self.seed = int(seed)
        self.domain_critic = domain_critic
        self.domain_weight = float(domain_weight)
        self.pool_a = ImagePool(shape_a, pool_size, seed=seed, name="pool_a")
        self.pool_b = ImagePool(shape_b, pool_size, seed=seed + 1, name="pool_b")
        losses = LOSSES + (DOMAIN_LOSSES if domain_critic is not None else ())
        self.loss_trackers = {name: keras.metrics.Mean(name=name) for name in losses}
        self.quality_trackers = {name: keras.metrics.Mean(name=name) for name in QUALITY}
        self.built = True  # all four networks are functional models, built on construction

    @property
    def generator(self):
        """The A -> B generator (what `call` runs, and what `Pix2Pix` code exports)."""
        return self.generator_ab

    @property
    def discriminator(self):
        """The discriminator of domain B, which judges the A -> B generator."""
        return self.discriminator_b

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # As Pix2Pix: everything is built once compiled (keras-team/keras#20585).
        if self.compiled and self.g_optimizer.built and self.d_optimizer.built:
            return
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def call(self, inputs, training=None):
        return self.generator_ab(inputs, training=training)

    @property
    def metrics(self):
        return [*self.loss_trackers.values(), *self.quality_trackers.values()]

    def _generator_variables(self):
        return self.generator_ab.trainable_variables + self.generator_ba.trainable_variables

    def _discriminator_variables(self):
        critic = self.domain_critic.trainable_variables if self.domain_critic is not None else []
        return (
            self.discriminator_a.trainable_variables
            + self.discriminator_b.trainable_variables
            + critic
        )

    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        """Configures training.

        Args:
            g_optimizer: optimizer of both generators; Adam(2e-4, beta_1=0.5) if None.
            d_optimizer: optimizer of both discriminators; the same default.
            **kwargs: passed to `keras.Model.compile` (e.g. ``jit_compile``).
        """
        for unused in ("optimizer", "loss"):
            if kwargs.pop(unused, None) is not None:
                raise ValueError(
                    f"CycleGAN.compile takes g_optimizer and d_optimizer, not {unused}=."
                )
        self.g_optimizer = _loss_scale_for_precision(g_optimizer or pix2pix_adam())
        self.d_optimizer = _loss_scale_for_precision(d_optimizer or pix2pix_adam())
        self.g_optimizer.build(self._generator_variables())
        self.d_optimizer.build(self._discriminator_variables())
        super().compile(optimizer=self.g_optimizer, auto_scale_loss=False, **kwargs)

    def _translate(self, real_a, real_b, training):
        """Both translations, their cycles and (if weighted) the identity mappings."""
        images = {"fake_b": self.generator_ab(real_a, training=training)}
        images["fake_a"] = self.generator_ba(real_b, training=training)
        images["rec_a"] = self.generator_ba(images["fake_b"], training=training)
        images["rec_b"] = self.generator_ab(images["fake_a"], training=training)
        if self.identity_weight:
            images["idt_b"] = self.generator_ab(real_b, training=training)
            images["idt_a"] = self.generator_ba(real_a, training=training)
        return images

    def _all_losses(self, real_a, real_b, images, training, pooled=None):
        """The generators' and discriminators' losses; ``pooled``: the fakes
        (fake_a, fake_b) that the discriminators see, else the new ones."""
        fake_a, fake_b = pooled or (images["fake_a"], images["fake_b"])
        losses = {
            "g_gan_ab": generator_gan_loss(
                self.discriminator_b(images["fake_b"], training=training), self.gan_mode
            ),
            "g_gan_ba": generator_gan_loss(
                self.discriminator_a(images["fake_a"], training=training), self.gan_mode
            ),
            "cycle_a": l1_loss(real_a, images["rec_a"]),
            "cycle_b": l1_loss(real_b, images["rec_b"]),
        }
        zero = tf.constant(0.0)
        losses["idt_a"] = l1_loss(real_a, images["idt_a"]) if self.identity_weight else zero
        losses["idt_b"] = l1_loss(real_b, images["idt_b"]) if self.identity_weight else zero
        losses["g_total"] = (
            losses["g_gan_ab"]
            + losses["g_gan_ba"]
            + self.cycle_weight * (losses["cycle_a"] + losses["cycle_b"])
            + self.cycle_weight * self.identity_weight * (losses["idt_a"] + losses["idt_b"])
        )
        if self.domain_critic is not None:
            losses["domain_fake"] = domain_loss(
                self.domain_critic, images["fake_a"], images["fake_b"], training
            )
            losses["g_total"] += self.domain_weight * losses["domain_fake"]
            # The critic learns from real photos only (as StarGAN's classifier): one
            # also taught to reject fakes would be a third discriminator.
            losses["domain_real"] = domain_loss(self.domain_critic, real_a, real_b, training)
        losses["d_a"] = discriminator_loss(
            self.discriminator_a(real_a, training=training),
            self.discriminator_a(tf.stop_gradient(fake_a), training=training),
            self.gan_mode,
        )
        losses["d_b"] = discriminator_loss(
            self.discriminator_b(real_b, training=training),
            self.discriminator_b(tf.stop_gradient(fake_b), training=training),
            self.gan_mode,
        )
        return losses

    def train_step(self, data):
        real_a, real_b = data[:2]
        # Gradients are summed over replicas: each replica's mean loss is divided by their number.
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            images = self._translate(real_a, real_b, training=True)
            pooled = (
                self.pool_a(tf.stop_gradient(images["fake_a"])),
                self.pool_b(tf.stop_gradient(images["fake_b"])),
            )
            losses = self._all_losses(real_a, real_b, images, training=True, pooled=pooled)
            g_loss = self.g_optimizer.scale_loss(losses["g_total"] / replicas)
            d_total = losses["d_a"] + losses["d_b"] + losses.get("domain_real", 0.0)
            d_loss = self.d_optimizer.scale_loss(d_total / replicas)
        g_vars, d_vars = self._generator_variables(), self._discriminator_variables()
        self.g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, g_vars), g_vars))
        self.d_optimizer.apply_gradients(zip(d_tape.gradient(d_loss, d_vars), d_vars))
        for name, value in losses.items():
            self.loss_trackers[name].update_state(value)
        return reducible_logs(
            {name: tracker.result() for name, tracker in self.loss_trackers.items()}
        )

    def test_step(self, data):
        real_a, real_b = data[:2]
        images = self._translate(real_a, real_b, training=False)
        losses = self._all_losses(real_a, real_b, images, training=False)
        for name, value in losses.items():
            self.loss_trackers[name].update_state(value)
        scores = {
            # How much of the input survives the translation, and how well each cycle closes.
            "ssim_ab": quality.ssim(real_a, images["fake_b"]),
            "ssim_ba": quality.ssim(real_b, images["fake_a"]),
            "cycle_psnr_a": tf.minimum(quality.psnr(real_a, images["rec_a"]), PSNR_CAP_DB),
            "cycle_psnr_b": tf.minimum(quality.psnr(real_b, images["rec_b"]), PSNR_CAP_DB),
        }
        for name, value in scores.items():
            self.quality_trackers[name].update_state(value)
        return reducible_logs({tracker.name: tracker.result() for tracker in self.metrics})

    def get_config(self):
        networks = ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")
        return {
            "name": self.name,
            "trainable": self.trainable,
            **{k: keras.saving.serialize_keras_object(getattr(self, k)) for k in networks},
            "gan_mode": self.gan_mode,
            "cycle_weight": self.cycle_weight,
            "identity_weight": self.identity_weight,
            "pool_size": self.pool_size,
            "seed": self.seed,
            "domain_critic": (
                keras.saving.serialize_keras_object(self.domain_critic)
                if self.domain_critic is not None
                else None
            ),
            "domain_weight": self.domain_weight,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        if config.get("domain_critic") is not None:
            config["domain_critic"] = keras.saving.deserialize_keras_object(config["domain_critic"])
        return cls(**config)

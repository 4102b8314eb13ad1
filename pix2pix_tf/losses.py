"""pix2pix losses as pure functions of tensors.

Each returns the mean over its batch, so a training step divides by the number
of replicas itself when it runs under a `tf.distribute` strategy.
"""

from keras import ops

GAN_MODES = ("vanilla", "lsgan")


def check_gan_mode(gan_mode):
    if gan_mode not in GAN_MODES:
        raise ValueError(f"gan_mode must be one of {GAN_MODES}, got {gan_mode!r}.")


def _bce_with_logits(logits, label):
    labels = ops.full_like(logits, label)
    return ops.mean(ops.binary_crossentropy(labels, logits, from_logits=True))


def _least_squares(logits, label):
    return ops.mean(ops.square(logits - label))


def gan_loss(logits, is_real, gan_mode="vanilla"):
    """Adversarial loss of discriminator logits against a real or fake label.

    Args:
        logits: discriminator output, any shape.
        is_real: True to score against "real" (1), False against "fake" (0).
        gan_mode: "vanilla" (binary cross-entropy on logits, the paper) or
            "lsgan" (least squares, Mao et al., 2017).

    Returns:
        Scalar loss.
    """
    check_gan_mode(gan_mode)
    logits = ops.cast(logits, "float32")
    label = 1.0 if is_real else 0.0
    if gan_mode == "vanilla":
        return _bce_with_logits(logits, label)
    return _least_squares(logits, label)


def generator_gan_loss(fake_logits, gan_mode="vanilla"):
    """The generator wants its images scored as real."""
    return gan_loss(fake_logits, True, gan_mode)


def discriminator_loss(real_logits, fake_logits, gan_mode="vanilla"):
    """Real pairs scored real, generated pairs fake; halved as in the reference
    implementation, which slows the discriminator relative to the generator."""
    return 0.5 * (gan_loss(real_logits, True, gan_mode) + gan_loss(fake_logits, False, gan_mode))


def l1_loss(target, generated):
    """Mean absolute error between two images."""
    return ops.mean(ops.abs(ops.cast(target, "float32") - ops.cast(generated, "float32")))

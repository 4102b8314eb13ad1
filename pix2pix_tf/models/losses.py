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


def changed_pixels(inputs, targets, threshold=1.0 / 127.5):
    """1 where the input differs from the target by more than ``threshold``, else 0.

    A mask of what a restoration task must change (an occlusion, say), computed
    from the training pair itself, so the data need not carry one. The default
    threshold is one uint8 step in the [-1, 1] range.

    Args:
        inputs: (batch, H, W, C or 1) images in [-1, 1]; a gray input is compared
            with every channel of the target.
        targets: (batch, H, W, C) images in [-1, 1].

    Returns:
        float32 (batch, H, W, 1): 1 where any channel differs.
    """
    difference = ops.abs(ops.cast(inputs, "float32") - ops.cast(targets, "float32"))
    return ops.cast(ops.max(difference, axis=-1, keepdims=True) > threshold, "float32")


def weighted_l1_loss(target, generated, weights):
    """Mean of ``weights * |target - generated|``; weights broadcast over channels."""
    error = ops.abs(ops.cast(target, "float32") - ops.cast(generated, "float32"))
    return ops.mean(ops.cast(weights, "float32") * error)


def check_l1_weighting(hole_l1, changed_weight):
    """Only one of ``hole_l1`` and ``changed_weight`` may reweigh the L1."""
    if hole_l1 and changed_weight:
        raise ValueError(
            "hole_l1 and changed_weight both weigh the L1: choose one (the occlusion "
            "recipes take the L1 over the hole: add --no-hole-l1 for changed_weight)."
        )


def hole_l1_loss(target, generated, hole):
    """L1 inside each image's hole, a mean over the hole's pixels, then over the batch.

    Mask-given inpainting keeps the pixels outside the hole exactly, so an image
    mean of the L1 is the hole's error times the hole's share of the image: small
    holes would barely count. Here every image's hole counts alike.

    Args:
        target, generated: (batch, H, W, C) images.
        hole: (batch, H, W, 1), 1 in the hole and 0 elsewhere.

    Returns:
        Scalar; an image with an empty hole adds 0.
    """
    error = ops.abs(ops.cast(target, "float32") - ops.cast(generated, "float32"))
    hole = ops.cast(hole, "float32")
    in_hole = ops.sum(hole * error, axis=(1, 2, 3))
    hole_values = ops.sum(hole, axis=(1, 2, 3)) * ops.cast(ops.shape(error)[-1], "float32")
    return ops.mean(in_hole / ops.maximum(hole_values, 1.0))


def mask_loss(changed, mask):
    """Binary cross-entropy between a predicted soft mask and the changed pixels.

    Args:
        changed: (batch, H, W, 1) of 0 and 1, e.g. `changed_pixels`.
        mask: (batch, H, W, 1) predicted probabilities in [0, 1].

    Returns:
        Scalar: the mean cross-entropy per pixel.
    """
    changed, mask = ops.cast(changed, "float32"), ops.cast(mask, "float32")
    return ops.mean(ops.binary_crossentropy(changed, mask))


def occlusion_mask_loss(occluded, probability):
    """Cross-entropy plus soft Dice between a detector's mask and the occluded pixels.

    The cross-entropy is per pixel, where the face outnumbers a thin stroke
    fifty to one; the Dice term (1 - 2|P.T| / (|P| + |T|), per image, Milletari
    et al., 2016) counts the occlusion's own pixels, so a missed stroke costs
    as much as a missed face mask, and it tracks the IoU the detector is scored by.

    Args:
        occluded: (batch, H, W, 1) of 0 and 1, the pixels to find.
        probability: (batch, H, W, 1) predicted probabilities in [0, 1].

    Returns:
        Scalar: mean cross-entropy per pixel + mean Dice loss per image.
    """
    occluded = ops.cast(occluded, "float32")
    probability = ops.cast(probability, "float32")
    cross_entropy = ops.mean(ops.binary_crossentropy(occluded, probability))
    overlap = ops.sum(occluded * probability, axis=(1, 2, 3))
    total = ops.sum(occluded + probability, axis=(1, 2, 3))
    # Smoothed by 1: an image with nothing to find costs 1 - 1 / (1 + sum of p).
    dice = 1.0 - (2.0 * overlap + 1.0) / (total + 1.0)
    return cross_entropy + ops.mean(dice)


def feature_matching_loss(real_features, fake_features):
    """Mean L1 distance between the discriminator's features of real and generated pairs.

    The feature-matching loss of pix2pixHD (Wang et al., 2018) and the adaptive
    perceptual loss of DIAT-A (Li et al., 2016): a perceptual loss on features
    the discriminator learns itself, with no pretrained network. Real features
    are constants for the generator.

    Args:
        real_features: list of feature maps of (input, target) pairs.
        fake_features: the same layers on (input, generated) pairs.

    Returns:
        Scalar: the mean over layers of each layer's mean absolute difference.
    """
    if len(real_features) != len(fake_features) or not real_features:
        raise ValueError("feature_matching_loss needs the same non-empty list of layers twice.")
    distances = [
        ops.mean(ops.abs(ops.stop_gradient(ops.cast(r, "float32")) - ops.cast(f, "float32")))
        for r, f in zip(real_features, fake_features)
    ]
    return ops.sum(ops.stack(distances)) / len(distances)

"""Image quality metrics on images in [-1, 1] (the networks' range).

SSIM uses the Gaussian 11x11 window of Wang et al. (2004), as `tf.image.ssim`;
PSNR is in dB with a peak of 1 after mapping images to [0, 1].
"""

import tensorflow as tf


def to_unit_range(images):
    """[-1, 1] -> [0, 1], clipped, float32."""
    return tf.clip_by_value((tf.cast(images, tf.float32) + 1.0) / 2.0, 0.0, 1.0)


def ssim(target, generated):
    """Structural similarity per image (batch,), in [-1, 1], 1 for identical images.

    Images need at least 11 pixels on each side (the Gaussian window).
    """
    return tf.image.ssim(to_unit_range(target), to_unit_range(generated), max_val=1.0)


def psnr(target, generated):
    """Peak signal-to-noise ratio per image (batch,) in dB; inf for identical images."""
    return tf.image.psnr(to_unit_range(target), to_unit_range(generated), max_val=1.0)


def l1(target, generated):
    """Mean absolute error per image (batch,), in the [0, 1] range."""
    diff = tf.abs(to_unit_range(target) - to_unit_range(generated))
    return tf.reduce_mean(diff, axis=[1, 2, 3])

"""Batch norm folded into the convolutions before it, for faster inference.

At inference with moving statistics, batch norm is a fixed per-channel affine
map, ``gamma * (x - mean) / sqrt(var + eps) + beta``. Folded into the kernel and
bias of the convolution it follows, the network computes the same function
with one pass less over every feature map, and TensorFlow's graph optimizer can
fuse each convolution with its bias and activation into one oneDNN call.
"""

import numpy as np

from pix2pix_tf.blocks import BatchNorm
from pix2pix_tf.generators import UNetGenerator


def folded_scale_and_shift(norm):
    """The ``(scale, shift)`` per channel that ``norm`` (a BatchNorm) applies at inference."""
    gamma = np.asarray(norm.gamma, np.float64) if norm.scale else 1.0
    beta = np.asarray(norm.beta, np.float64) if norm.center else 0.0
    mean = np.asarray(norm.moving_mean, np.float64)
    variance = np.asarray(norm.moving_variance, np.float64)
    scale = gamma / np.sqrt(variance + norm.epsilon)
    return scale, beta - mean * scale


def fold_batch_norm(generator):
    """A copy of ``generator`` without batch norm layers, computing the same outputs
    at inference in ``"standard"`` mode (moving statistics, no dropout).

    Args:
        generator: a `UNetGenerator` with ``norm="batch"``.

    Returns:
        A `UNetGenerator` with ``norm="none"`` and no dropout, whose convolutions
        carry the folded weights; equal to ``generator(x, training=False)`` up to
        float rounding.
    """
    if generator.norm != "batch":
        raise ValueError(
            f"Only batch norm folds into convolutions; this generator has {generator.norm!r}."
        )
    folded = UNetGenerator.from_config({**generator.get_config(), "norm": "none", "dropout": 0.0})
    norms = {
        layer.name: layer
        for layer in generator._flatten_layers(include_self=False)
        if isinstance(layer, BatchNorm)
    }
    for layer in folded.layers:
        source = generator.get_layer(layer.name) if layer.weights else None
        if source is None:
            continue
        prefix = layer.name.rsplit("_", 1)[0]
        norm = norms.get(f"{prefix}_norm")
        if norm is None:  # outermost and innermost layers: no norm, same weights
            layer.set_weights(source.get_weights())
            continue
        kernel = np.asarray(source.kernel, np.float64)
        scale, shift = folded_scale_and_shift(norm)
        # Output channels: the last kernel axis of Conv2D, the one before of Conv2DTranspose.
        axis = -2 if layer.name.endswith("_deconv") else -1
        shape = [1] * kernel.ndim
        shape[axis] = -1
        layer.set_weights(
            [(kernel * scale.reshape(shape)).astype(np.float32), shift.astype(np.float32)]
        )
    return folded

"""The decoder's transposed convolutions rewritten as plain convolutions, for int8.

A stride-2 transposed convolution with a 4x4 kernel ("same" padding) computes
each of the four output phases (even/odd row, even/odd column) from a 2x2
window of its input, with a 2x2 slice of its kernel (the sub-pixel view of
Shi et al., 2016, arXiv:1609.05158). So it equals one 2x2 convolution of the
input, padded by one pixel, to 4x the channels, whose four phases are cropped
and interleaved (`tf.nn.depth_to_space`): the same weights, outputs equal up
to float rounding, and a few more multiplications (the one-pixel border's
windows, whose outputs are cropped away).

Why: NNCF quantizes convolutions but leaves OpenVINO's transposed convolutions
(``ConvolutionBackpropData``) in float, and they are most of the U-Net's time;
written as convolutions, the decoder runs in int8 too (docs/performance.md). In
float32 the rewrite is no faster in OpenVINO and slower in TensorFlow, so only
the int8 IR is converted from it.
"""

import keras
import tensorflow as tf
from keras import layers

KERNEL, STRIDE = 4, 2
PHASES = ((0, 0), (0, 1), (1, 0), (1, 1))  # (row, column) parity, depth_to_space's order


def rewritable(layer):
    """Whether ``layer`` is a transposed convolution `SubPixelConv2DTranspose` computes."""
    return (
        type(layer) is layers.Conv2DTranspose
        and tuple(layer.kernel_size) == (KERNEL, KERNEL)
        and tuple(layer.strides) == (STRIDE, STRIDE)
        and layer.padding == "same"
        and tuple(layer.dilation_rate) == (1, 1)
        and layer.output_padding is None
        and layer.data_format == "channels_last"
    )


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class SubPixelConv2DTranspose(layers.Conv2DTranspose):
    """`Conv2DTranspose(filters, 4, strides=2, padding="same")` computed by a 2x2
    convolution and `tf.nn.depth_to_space` (Shi et al., 2016, arXiv:1609.05158);
    same weights (kernel (4, 4, out, in)). Only for export: an empty batch fails
    (TensorFlow's conv2d keeps an empty input's channels)."""

    def call(self, inputs):
        # Output row 2m + r reads input rows m - 1 + r and m + r, i.e. rows
        # j = 0, 1 of the window at padded row m + r, with kernel row 3 - r - 2j
        # (output row = 2 * input row + kernel row - 1 for "same" padding).
        def taps(j, i):  # (in, 4 * out): window tap (j, i) of every phase
            return tf.concat(
                [tf.transpose(self.kernel[3 - r - 2 * j, 3 - c - 2 * i]) for r, c in PHASES], 1
            )

        kernel = tf.stack([tf.stack([taps(j, i) for i in range(2)]) for j in range(2)])
        padded = tf.pad(inputs, [[0, 0], [1, 1], [1, 1], [0, 0]])
        windows = tf.nn.conv2d(padded, tf.cast(kernel, inputs.dtype), 1, "VALID")
        height, width, out = tf.shape(inputs)[1], tf.shape(inputs)[2], self.filters
        parts = [
            windows[:, r : r + height, c : c + width, k * out : (k + 1) * out]
            for k, (r, c) in enumerate(PHASES)
        ]
        outputs = tf.nn.depth_to_space(tf.concat(parts, axis=-1), 2)
        if self.use_bias:
            outputs = outputs + tf.cast(self.bias, outputs.dtype)
        return self.activation(outputs) if self.activation is not None else outputs


def has_rewritable(network):
    """Whether ``network`` has a transposed convolution to rewrite."""
    layers = network._flatten_layers(include_self=False, recursive=True)
    return any(rewritable(layer) for layer in layers)


def with_subpixel_decoder(network):
    """A copy of the functional ``network`` whose rewritable transposed convolutions
    are `SubPixelConv2DTranspose` (their weights copied); every other layer is
    shared with ``network``. Returns ``network`` itself when nothing is rewritable."""
    rewritten = {}

    def clone(layer):
        if not rewritable(layer):
            return layer
        rewritten[layer.name] = SubPixelConv2DTranspose.from_config(layer.get_config())
        return rewritten[layer.name]

    if not has_rewritable(network):
        return network
    copy = keras.models.clone_model(network, clone_function=clone)
    for layer in network.layers:
        if layer.name in rewritten:
            rewritten[layer.name].set_weights(layer.get_weights())
    return copy

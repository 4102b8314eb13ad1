"""Downsample and upsample blocks of the pix2pix networks.

Blocks are functions from a tensor to a tensor, so networks read top to bottom in
the functional API. Every layer gets an explicit name, so weights and summaries
stay readable and `.keras` files stay stable.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

NORMS = ("batch", "instance", "none")
INFERENCE_MODES = ("standard", "paper")


def conv_init():
    """Weights ~ N(0, 0.02), as in the paper and the reference implementation."""
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02)


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class BatchNorm(layers.BatchNormalization):
    """Batch normalization that can use batch statistics at inference.

    pix2pix (Isola et al., 2017, section 3.3) runs the generator at test time with
    the statistics of the test batch and with dropout on. Keras' own layer can only
    do that with ``training=True``, which also overwrites the moving averages; this
    layer normalises with batch statistics and leaves the moving averages alone.

    Args:
        batch_stats_at_inference: normalise with the batch's own statistics when
            ``training`` is false.
        **kwargs: as for `keras.layers.BatchNormalization`.
    """

    def __init__(self, batch_stats_at_inference=False, **kwargs):
        super().__init__(**kwargs)
        self.batch_stats_at_inference = batch_stats_at_inference

    def call(self, inputs, training=None, mask=None):
        if training and self._fusable(inputs, mask):
            return self._fused_training_call(inputs)
        if training or not self.batch_stats_at_inference:
            return super().call(inputs, training=training, mask=mask)
        # Upcast as the parent does: float16 moments overflow.
        x = ops.cast(inputs, "float32")
        mean, variance = ops.moments(x, axes=self._reduction_axes)
        outputs = ops.batch_normalization(
            x,
            mean,
            variance,
            axis=self.axis,
            offset=ops.cast(self.beta, "float32") if self.center else None,
            scale=ops.cast(self.gamma, "float32") if self.scale else None,
            epsilon=self.epsilon,
        )
        return ops.cast(outputs, self.compute_dtype)

    def _fusable(self, inputs, mask):
        """Whether TensorFlow's fused kernel computes what Keras' layer would."""
        return (
            keras.backend.backend() == "tensorflow"
            and self.trainable
            and mask is None
            and not self.synchronized  # replicas' moments are all-reduced by Keras' path
            and not self.renorm
            and self.scale
            and self.center
            and len(inputs.shape) == 4
            and self.axis in (-1, 3)
        )

    def _fused_training_call(self, inputs):
        # One fused kernel forward and one backward (oneDNN's on CPUs), instead
        # of Keras' moments and elementwise ops: measured in docs/performance.md.
        import tensorflow as tf

        x = tf.cast(inputs, "float32")  # as Keras' layer: moments in float32
        outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
            x, self.gamma, self.beta, epsilon=self.epsilon, data_format="NHWC", is_training=True
        )
        # The kernel returns the unbiased variance; Keras averages the biased one.
        count = tf.cast(tf.reduce_prod(tf.shape(x)[:-1]), "float32")
        variance = tf.where(count > 1.0, variance * (count - 1.0) / count, 0.0)
        momentum = self.momentum
        self.moving_mean.assign(self.moving_mean * momentum + mean * (1.0 - momentum))
        self.moving_variance.assign(self.moving_variance * momentum + variance * (1.0 - momentum))
        return tf.cast(outputs, self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "batch_stats_at_inference": self.batch_stats_at_inference}


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class Dropout(layers.Dropout):
    """Dropout that can stay on at inference (the paper's source of noise).

    Args:
        active_at_inference: apply dropout when ``training`` is false too.
        **kwargs: as for `keras.layers.Dropout`.
    """

    def __init__(self, rate, active_at_inference=False, **kwargs):
        super().__init__(rate, **kwargs)
        self.active_at_inference = active_at_inference

    def call(self, inputs, training=False):
        return super().call(inputs, training=bool(training) or self.active_at_inference)

    # Keras does not save seed-generator states; without them a resumed run would
    # replay the dropout masks of its first steps instead of continuing them.
    def save_own_variables(self, store):
        if self.rate > 0:
            store["seed_generator_state"] = np.asarray(self.seed_generator.state)

    def load_own_variables(self, store):
        if self.rate > 0 and "seed_generator_state" in store.keys():
            self.seed_generator.state.assign(store["seed_generator_state"])

    def get_config(self):
        return {**super().get_config(), "active_at_inference": self.active_at_inference}


def set_inference_mode(model, mode):
    """Chooses how ``model`` behaves when called with ``training=False``.

    Args:
        model: a network built from these blocks.
        mode: ``"standard"`` (moving averages, no dropout: what most users expect)
            or ``"paper"`` (batch statistics and dropout, as in pix2pix).
    """
    if mode not in INFERENCE_MODES:
        raise ValueError(f"inference mode must be one of {INFERENCE_MODES}, got {mode!r}.")
    paper = mode == "paper"
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, BatchNorm):
            layer.batch_stats_at_inference = paper
        elif isinstance(layer, Dropout):
            layer.active_at_inference = paper


def normalization(norm, name):
    """The normalization layer for ``norm`` in {"batch", "instance", "none"}, or None."""
    if norm == "batch":
        # momentum 0.9 and epsilon 1e-5 match PyTorch's defaults used by the reference.
        return BatchNorm(momentum=0.9, epsilon=1e-5, name=name)
    if norm == "instance":
        return layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)
    if norm == "none":
        return None
    raise ValueError(f"norm must be one of {NORMS}, got {norm!r}.")


def downsample(x, filters, name, size=4, norm="batch", slope=0.2):
    """Conv(stride 2) -> norm -> LeakyReLU: halves height and width.

    Args:
        x: input tensor (batch, height, width, channels).
        filters: output channels.
        name: prefix of the layer names.
        size: kernel size.
        norm: "batch", "instance" or "none".
        slope: LeakyReLU negative slope.

    Returns:
        Tensor (batch, height / 2, width / 2, filters).
    """
    norm_layer = normalization(norm, f"{name}_norm")
    x = layers.Conv2D(
        filters,
        size,
        strides=2,
        padding="same",
        kernel_initializer=conv_init(),
        use_bias=norm_layer is None,  # a norm's offset makes the bias redundant
        name=f"{name}_conv",
    )(x)
    if norm_layer is not None:
        x = norm_layer(x)
    return layers.LeakyReLU(negative_slope=slope, name=f"{name}_lrelu")(x)


UPSAMPLINGS = ("transpose", "resize")


def check_upsampling(upsampling):
    if upsampling not in UPSAMPLINGS:
        raise ValueError(f"upsampling must be one of {UPSAMPLINGS}, got {upsampling!r}.")
    return upsampling


def repeat_pixels_2x(images):
    """``images`` twice as high and wide, each pixel repeated 2x2 (nearest neighbour).

    One nearest resize rather than `UpSampling2D`'s two repeats: in a graph of
    any input size those leave the channel count unknown, and TFLite's converter
    then cannot place the convolution that follows. At exactly 2x the resize
    picks the same pixels as repeating; sampling from the top-left corner (no
    half-pixel offset, ONNX's "asymmetric") keeps tf2onnx from writing a
    deprecated TF-specific attribute. On a GPU its gradient adds atomically, so
    `tf.config.experimental.enable_op_determinism` refuses it.

    Args:
        images: (batch, height, width, channels) tensor of any float dtype.

    Returns:
        (batch, 2 * height, 2 * width, channels), the same dtype.
    """
    return tf.raw_ops.ResizeNearestNeighbor(
        images=images, size=tf.shape(images)[1:3] * 2, align_corners=False, half_pixel_centers=False
    )


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class RepeatPixels2x(layers.Layer):
    """`repeat_pixels_2x` as a layer: `UpSampling2D(2)` that graph converters read.

    It has no weights, so runs saved with `UpSampling2D` in its place load
    into it (the networks rebuild their layers from their config).
    """

    def call(self, inputs):
        return repeat_pixels_2x(inputs)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, height and 2 * height, width and 2 * width, channels)


def upsampling_conv(x, filters, name, size=4, upsampling="transpose", **conv_options):
    """A layer that doubles height and width: a stride-2 transposed convolution
    (the paper), or nearest-neighbour resizing then a 3x3 convolution ("resize").

    Transposed convolutions whose kernel size is not a multiple of their stride
    overlap unevenly and paint a checkerboard, clearest in large flat fills;
    resizing first gives every output pixel the same weights (Odena et al.,
    "Deconvolution and Checkerboard Artifacts", Distill 2016).

    Args:
        x: input tensor (batch, height, width, channels).
        filters: output channels.
        name: the convolution's name (the resize layer gets "<name>_resize").
        size: kernel size of the transposed convolution (the resize path uses 3).
        upsampling: "transpose" or "resize".
        **conv_options: passed to the convolution (initializers, activation, dtype).

    Returns:
        Tensor (batch, 2 * height, 2 * width, filters).
    """
    if check_upsampling(upsampling) == "transpose":
        return layers.Conv2DTranspose(
            filters, size, strides=2, padding="same", name=name, **conv_options
        )(x)
    x = RepeatPixels2x(name=f"{name}_resize")(x)
    return layers.Conv2D(filters, 3, padding="same", name=name, **conv_options)(x)


def upsample(
    x, filters, name, size=4, norm="batch", dropout=0.0, seed=None, upsampling="transpose"
):
    """Upsampling conv -> norm -> dropout -> ReLU: doubles height and width.

    Args:
        x: input tensor (batch, height, width, channels).
        filters: output channels.
        name: prefix of the layer names.
        size: kernel size.
        norm: "batch", "instance" or "none".
        dropout: dropout rate, 0 for none.
        seed: seed of the dropout noise.
        upsampling: "transpose" (the paper) or "resize" (`upsampling_conv`).

    Returns:
        Tensor (batch, 2 * height, 2 * width, filters).
    """
    norm_layer = normalization(norm, f"{name}_norm")
    x = upsampling_conv(
        x,
        filters,
        f"{name}_deconv",
        size,
        upsampling,
        kernel_initializer=conv_init(),
        use_bias=norm_layer is None,
    )
    if norm_layer is not None:
        x = norm_layer(x)
    if dropout:
        x = Dropout(dropout, seed=seed, name=f"{name}_dropout")(x)
    return layers.ReLU(name=f"{name}_relu")(x)

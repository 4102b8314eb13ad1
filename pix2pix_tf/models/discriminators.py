"""Conditional discriminators of pix2pix: PatchGAN and PixelGAN."""

import keras
from keras import layers

from pix2pix_tf.models.blocks import conv_init, downsample, normalization
from pix2pix_tf.models.generators import check_image_size


def receptive_field(n_layers):
    """Receptive field in pixels of a PatchGAN with ``n_layers`` stride-2 layers (70 for 3)."""
    field = 1
    for stride in [1, 1] + [2] * n_layers:  # from the output back to the input
        field = (field - 1) * stride + 4
    return field


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class PatchDiscriminator(keras.Model):
    """Conditional PatchGAN: classifies each NxN patch of (input, target) as real or fake.

    With ``n_layers=3`` each output logit sees a 70x70 patch, and a 256x256 image
    gives a 30x30 map (Isola et al., 2017, arXiv:1611.07004, section 3.2.2). With
    ``n_layers=0`` it is the 1x1 PixelGAN.

    Args:
        image_size: (height, width), or None for any size.
        input_channels: channels of the condition image; 0 makes the discriminator
            unconditional (CycleGAN's): it takes the image alone.
        target_channels: channels of the real or generated image.
        base_filters: filters of the first layer.
        n_layers: stride-2 layers; 0 gives the PixelGAN (1x1 patches).
        norm: "batch", "instance" or "none".
        slope: LeakyReLU slope.
        **kwargs: passed to `keras.Model`.

    Example:
        >>> d = PatchDiscriminator(image_size=(256, 256))
        >>> d([keras.ops.zeros((1, 256, 256, 3))] * 2).shape
        (1, 30, 30, 1)
    """

    def __init__(
        self,
        image_size=(256, 256),
        input_channels=3,
        target_channels=3,
        base_filters=64,
        n_layers=3,
        norm="batch",
        slope=0.2,
        **kwargs,
    ):
        if n_layers < 0:
            raise ValueError(f"n_layers must be 0 (PixelGAN) or more, got {n_layers}.")
        height, width = check_image_size(image_size, n_layers)
        image = keras.Input((height, width, target_channels), name="target_image")
        if input_channels:
            condition = keras.Input((height, width, input_channels), name="input_image")
            x = layers.Concatenate(name="condition_and_image")([condition, image])
        else:
            x = image

        if n_layers == 0:
            x = self._pixel_layers(x, base_filters, norm, slope)
        else:
            x = self._patch_layers(x, base_filters, n_layers, norm, slope)
        logits = layers.Activation("linear", dtype="float32", name="logits")(x)
        inputs = [condition, image] if input_channels else image
        super().__init__(inputs=inputs, outputs=logits, **kwargs)
        self.image_size = None if image_size is None else (height, width)
        self.input_channels = input_channels
        self.target_channels = target_channels
        self.base_filters = base_filters
        self.n_layers = n_layers
        self.norm = norm
        self.slope = slope

    @staticmethod
    def _patch_layers(x, base_filters, n_layers, norm, slope):
        x = downsample(x, base_filters, "down1", norm="none", slope=slope)  # (bs, H/2, W/2, f)
        for i in range(1, n_layers):
            filters = base_filters * min(2**i, 8)
            x = downsample(
                x, filters, f"down{i + 1}", norm=norm, slope=slope
            )  # (bs, H/2**(i+1), ..)
        # Two stride-1 convolutions with 1 pixel of padding, as in the reference.
        x = layers.ZeroPadding2D(1, name="pad1")(x)
        x = layers.Conv2D(
            base_filters * min(2**n_layers, 8),
            4,
            kernel_initializer=conv_init(),
            use_bias=norm == "none",
            name="conv1",
        )(x)  # (bs, H/2**n - 1, W/2**n - 1, f)
        norm_layer = normalization(norm, "conv1_norm")
        if norm_layer is not None:
            x = norm_layer(x)
        x = layers.LeakyReLU(negative_slope=slope, name="conv1_lrelu")(x)
        x = layers.ZeroPadding2D(1, name="pad2")(x)
        return layers.Conv2D(1, 4, kernel_initializer=conv_init(), name="patch_logits")(
            x
        )  # (bs, H/2**n - 2, W/2**n - 2, 1)

    @staticmethod
    def _pixel_layers(x, base_filters, norm, slope):
        x = layers.Conv2D(base_filters, 1, kernel_initializer=conv_init(), name="pixel1")(x)
        x = layers.LeakyReLU(negative_slope=slope, name="pixel1_lrelu")(x)
        x = layers.Conv2D(
            base_filters * 2,
            1,
            kernel_initializer=conv_init(),
            use_bias=norm == "none",
            name="pixel2",
        )(x)
        norm_layer = normalization(norm, "pixel2_norm")
        if norm_layer is not None:
            x = norm_layer(x)
        x = layers.LeakyReLU(negative_slope=slope, name="pixel2_lrelu")(x)
        return layers.Conv2D(1, 1, kernel_initializer=conv_init(), name="pixel_logits")(x)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "image_size": self.image_size,
            "input_channels": self.input_channels,
            "target_channels": self.target_channels,
            "base_filters": self.base_filters,
            "n_layers": self.n_layers,
            "norm": self.norm,
            "slope": self.slope,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

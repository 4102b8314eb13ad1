"""What a mask-given inpainting network sees in its hole: a smooth fill from the border."""

import keras
from keras import layers, ops

from pix2pix_tf.models.blocks import repeat_pixels_2x

# What an inpainting network ("inpaint" output) sees in the hole.
HOLE_FILLS = ("blank", "smooth", "smooth_and_input", "smooth_or_input")


def check_hole_fill(hole_fill, output_mode):
    """Raises ValueError unless ``hole_fill`` is one of `HOLE_FILLS` and fits ``output_mode``."""
    if hole_fill not in HOLE_FILLS:
        raise ValueError(f"hole_fill must be one of {HOLE_FILLS}, got {hole_fill!r}.")
    if hole_fill != "blank" and output_mode != "inpaint":
        raise ValueError(
            f"hole_fill={hole_fill!r} fills the hole of a mask: it needs output_mode="
            f"'inpaint' (--mask-input) or 'find_fill', not {output_mode!r}."
        )


def upsample_bilinear(images):
    """``images`` twice as large, bilinearly (half-pixel centres, edges repeated).

    A nearest 2x upsampling blurred by [1, 2, 1] / 4 in each direction gives
    bilinear's 3/4 and 1/4 weights, with shapes known only when it runs (Keras's
    bilinear `UpSampling2D` needs them when the graph is built); the blur is
    normalised at the border, which repeats the edge pixels.
    """
    up = repeat_pixels_2x(images)
    taps = ops.convert_to_tensor([1.0, 2.0, 1.0], dtype=up.dtype) / 4.0
    kernel = ops.reshape(taps[:, None] * taps[None, :], (3, 3, 1, 1))
    channels = up.shape[-1]
    blurred = ops.depthwise_conv(up, ops.tile(kernel, (1, 1, channels, 1)), padding="same")
    weight = ops.depthwise_conv(ops.ones_like(up[..., :1]), kernel, padding="same")
    return blurred / weight


@keras.saving.register_keras_serializable(package="pix2pix_tf")
class SmoothFill(layers.Layer):
    """The photo channels filled smoothly inside the hole (the last channel, the
    given mask, above 0) from the pixels around it, by pull-push (Gortler et al.,
    "The Lumigraph", 1996): a pyramid of masked 2x2 averages, each level filled
    where the finer one saw nothing from the next coarser one, bilinearly upsampled
    (`upsample_bilinear`: any size, as the exported model takes).

    The network then starts from a fill like OpenCV's Telea and learns a
    correction to it, rather than painting the whole hole from mid-grey.

    Args:
        levels: pyramid levels; the height and width must be multiples of
            ``2**levels`` (the U-Net's depth fits).
    """

    def __init__(self, levels, **kwargs):
        super().__init__(**kwargs)
        self.levels = int(levels)

    def call(self, inputs):
        photo, hole = inputs[..., :-1], inputs[..., -1:]
        seen = ops.cast(hole <= 0.0, photo.dtype)  # (bs, H, W, 1)
        colours, weights = [photo * seen], [seen]  # colours premultiplied by the weights
        for _ in range(self.levels):
            colours.append(ops.average_pool(colours[-1], 2, 2))
            weights.append(ops.average_pool(weights[-1], 2, 2))
        filled = colours[-1] / ops.maximum(weights[-1], 1e-6)  # 0 (grey) if nothing is seen
        for colour, weight in zip(reversed(colours[:-1]), reversed(weights[:-1])):
            filled = colour + (1.0 - weight) * upsample_bilinear(filled)
        return ops.concatenate([filled, hole], axis=-1)

    def get_config(self):
        return {**super().get_config(), "levels": self.levels}

"""Networks and trainable models: blocks, generators, discriminators, losses, metrics,
optimizers, and the `keras.Model`s that train them (`Pix2Pix`, `DCGAN`)."""

from pix2pix_tf.models.dcgan import DCGAN, DCGANDiscriminator, DCGANGenerator
from pix2pix_tf.models.discriminators import PatchDiscriminator
from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.models.pix2pix import Pix2Pix

__all__ = [
    "DCGAN",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "PatchDiscriminator",
    "Pix2Pix",
    "UNetGenerator",
]

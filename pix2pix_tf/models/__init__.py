"""Networks and trainable models: blocks, generators, discriminators, losses, metrics,
optimizers, and the `keras.Model`s that train them (`Pix2Pix`, `CycleGAN`, `DCGAN`)."""

from pix2pix_tf.models.cyclegan import CycleGAN
from pix2pix_tf.models.dcgan import DCGAN, DCGANDiscriminator, DCGANGenerator
from pix2pix_tf.models.discriminators import PatchDiscriminator
from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.models.image_pool import ImagePool
from pix2pix_tf.models.pix2pix import Pix2Pix
from pix2pix_tf.models.resnet_generator import ResnetGenerator

__all__ = [
    "CycleGAN",
    "DCGAN",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "ImagePool",
    "PatchDiscriminator",
    "Pix2Pix",
    "ResnetGenerator",
    "UNetGenerator",
]

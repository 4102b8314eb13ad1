"""pix2pix_tf: image-to-image translation of faces with conditional GANs (pix2pix).

The public API; each name lives in the module that its docstring names.
"""

from pix2pix_tf.blocks import downsample, set_inference_mode, upsample
from pix2pix_tf.data.faces import cut_face
from pix2pix_tf.data.pipeline import make_dataset
from pix2pix_tf.data.prepare import prepare
from pix2pix_tf.data.synthetic import SyntheticFaces
from pix2pix_tf.data.task_data import masked_pairs, task_pairs
from pix2pix_tf.dcgan import DCGAN, DCGANDiscriminator, DCGANGenerator
from pix2pix_tf.discriminators import PatchDiscriminator
from pix2pix_tf.export import export_generator, load_exported
from pix2pix_tf.generators import UNetGenerator
from pix2pix_tf.pix2pix import Pix2Pix
from pix2pix_tf.schedules import ConstantThenLinearDecay, pix2pix_adam
from pix2pix_tf.tasks import TASKS, Task, get_task, occlusion_task, register_task
from pix2pix_tf.training import TrainConfig, train

__version__ = "0.1.0"

__all__ = [
    "TASKS",
    "ConstantThenLinearDecay",
    "DCGAN",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "PatchDiscriminator",
    "Pix2Pix",
    "SyntheticFaces",
    "Task",
    "TrainConfig",
    "UNetGenerator",
    "cut_face",
    "downsample",
    "export_generator",
    "get_task",
    "load_exported",
    "make_dataset",
    "masked_pairs",
    "occlusion_task",
    "pix2pix_adam",
    "prepare",
    "register_task",
    "set_inference_mode",
    "task_pairs",
    "train",
    "upsample",
]

"""pix2pix_tf: image-to-image translation of faces with conditional GANs (pix2pix).

The public API; each name lives in the module that its docstring names. The
packages are the layers, each importing only those below it:

    cli.py       the `pix2pix-tf` command
    training/    runs: config, fit, callbacks, checkpoints, precision, devices
    serving/     export and prediction of a trained generator
    evaluation/  scores beside free baselines, and pictures
    tasks/       what the generator sees and must produce, and its pairs
    data/        photos, datasets, synthetic faces, transforms, face cutting
    models/      blocks, networks, losses, metrics and trainable models
    atomic.py    crash-safe writes, used by every layer
"""

# First, before anything imports TensorFlow: its C++ start-up lines are hidden
# unless the user set TF_CPP_MIN_LOG_LEVEL or ran `pix2pix-tf --verbose`.
from pix2pix_tf import tf_logs

tf_logs.quiet_start()

from pix2pix_tf.data.faces import cut_face
from pix2pix_tf.data.pipeline import make_dataset
from pix2pix_tf.data.prepare import prepare
from pix2pix_tf.data.synthetic import SyntheticFaces
from pix2pix_tf.models.blocks import downsample, set_inference_mode, upsample
from pix2pix_tf.models.cyclegan import CycleGAN
from pix2pix_tf.models.dcgan import DCGAN, DCGANDiscriminator, DCGANGenerator
from pix2pix_tf.models.discriminators import PatchDiscriminator
from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.models.image_pool import ImagePool
from pix2pix_tf.models.pix2pix import Pix2Pix
from pix2pix_tf.models.resnet_generator import ResnetGenerator
from pix2pix_tf.models.schedules import ConstantThenLinearDecay, pix2pix_adam
from pix2pix_tf.serving.export import export_generator, load_exported
from pix2pix_tf.serving.runtimes import open_exported
from pix2pix_tf.tasks import (
    TASKS,
    Task,
    get_task,
    masked_pairs,
    occlusion_task,
    register_task,
    task_pairs,
)
from pix2pix_tf.training import TrainConfig, train

__version__ = "0.1.0"

__all__ = [
    "TASKS",
    "ConstantThenLinearDecay",
    "CycleGAN",
    "DCGAN",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "ImagePool",
    "PatchDiscriminator",
    "Pix2Pix",
    "ResnetGenerator",
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
    "open_exported",
    "pix2pix_adam",
    "prepare",
    "register_task",
    "set_inference_mode",
    "task_pairs",
    "train",
    "upsample",
]

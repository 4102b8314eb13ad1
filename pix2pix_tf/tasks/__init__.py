"""Tasks: what the generator sees and what it must produce, and their pairs.

`task` defines a task and the registry, `catalogue` registers the built-in
ones with their recipes, `pairs` joins a task to a data source; `unpaired`
holds the two-domain tasks of CycleGAN and their registry.
"""

from pix2pix_tf.tasks.catalogue import (
    COLORIZATION_RECIPE,
    DENOISE_RECIPE,
    NOISE2NOISE_RECIPE,
    OCCLUSION_RECIPE,
    SUPERRES_RECIPE,
    denoise_task,
    occlusion_task,
    pair_with_other_people,
    superres_task,
)
from pix2pix_tf.tasks.pairs import masked_pairs, task_examples, task_pairs
from pix2pix_tf.tasks.task import NO_LANDMARKS, TASKS, Task, get_task, register_task
from pix2pix_tf.tasks.unpaired import (
    UNPAIRED_TASKS,
    UnpairedTask,
    get_unpaired_task,
    register_unpaired_task,
    unpaired_images,
)

__all__ = [
    "COLORIZATION_RECIPE",
    "DENOISE_RECIPE",
    "NO_LANDMARKS",
    "NOISE2NOISE_RECIPE",
    "OCCLUSION_RECIPE",
    "SUPERRES_RECIPE",
    "TASKS",
    "Task",
    "UNPAIRED_TASKS",
    "UnpairedTask",
    "denoise_task",
    "get_task",
    "get_unpaired_task",
    "masked_pairs",
    "occlusion_task",
    "pair_with_other_people",
    "register_task",
    "register_unpaired_task",
    "superres_task",
    "task_examples",
    "task_pairs",
    "unpaired_images",
]

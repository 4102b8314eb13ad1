"""`TrainConfig`: every setting of a training run, saved as the run's ``config.json``."""

import dataclasses
import json
from pathlib import Path

from pix2pix_tf.data.photos import SYNTHETIC
from pix2pix_tf.data.sources import DIRECTIONS
from pix2pix_tf.models.blocks import check_upsampling
from pix2pix_tf.models.generators import check_image_size
from pix2pix_tf.models.hole_fill import check_hole_fill
from pix2pix_tf.models.losses import check_l1_weighting
from pix2pix_tf.tasks import UNPAIRED_TASKS, get_task, get_unpaired_task
from pix2pix_tf.tasks.pairs import reverse_problem
from pix2pix_tf.training.distribute import STRATEGIES
from pix2pix_tf.training.precision import JIT_COMPILE, PRECISIONS, resolve_precision

# The output mode of `FindAndFillGenerator`: not one of UNetGenerator's own.
FIND_FILL = "find_fill"
# Settings that may change between runs in one directory: training longer is resuming.
# How the steps run (devices, XLA) is not part of what the run computes either.
RESUMABLE_CHANGES = ("steps", "epochs", "max_minutes", "strategy", "jit_compile")


MODELS = ("pix2pix", "cyclegan")
GENERATORS = ("unet", "resnet6", "resnet9")


def task_of(model, task):
    """The `Task` (pix2pix) or `UnpairedTask` (cyclegan) called ``task``."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}.")
    if model == "cyclegan":
        return get_unpaired_task(task)
    try:
        return get_task(task)
    except ValueError:
        if task not in UNPAIRED_TASKS:
            raise
        raise ValueError(
            f"Task {task!r} has no pairs: train it with model='cyclegan' (--model cyclegan)."
        ) from None


def auto_depth(image_size, max_depth=8):
    """The deepest U-Net (up to 8, the paper's) whose strides divide both sides."""
    depth = 0
    while depth < max_depth and all(s % 2 ** (depth + 1) == 0 for s in image_size):
        depth += 1
    if depth == 0:
        raise ValueError(f"image_size {tuple(image_size)} must have even height and width.")
    return depth


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Every setting of a training run; the defaults are the paper's.

    Attributes:
        task: task name (see `pix2pix_tf.tasks.TASKS`).
        data: "synthetic" (built-in faces) or a folder.
        image_size: (height, width) of training images.
        batch_size: images per step (1 in the paper).
        epochs: passes over the training split; ignored if ``steps`` is set.
        steps: total optimizer steps, instead of epochs.
        steps_per_epoch: steps between checkpoints and sample grids; one pass
            over the training split if None.
        seed: seed of weights, data order, jitter and dropout.
        num_faces: synthetic people (80% train, 10% val, 10% test).
        direction: "AtoB", or "BtoA" to train a paired task from target to input
            (mugshot: profile -> front), on any source.
        depth: U-Net depth; None for the deepest that fits (8 at 256x256).
        base_filters: filters of the first generator layer (``ngf`` of the
            reference implementation), and of the discriminator's unless
            ``disc_filters`` is given.
        disc_filters: filters of the first discriminator layer (``ndf``); None:
            ``base_filters``.
        norm: "batch", "instance" or "none".
        dropout: generator dropout rate.
        disc_layers: PatchGAN stride-2 layers (3: 70x70 patches; 0: PixelGAN).
        gan_mode: "vanilla" or "lsgan".
        l1_weight: lambda of the L1 term.
        learning_rate: Adam learning rate of both networks.
        lr_decay_fraction: final fraction of training with the rate decayed
            linearly to zero (0.5 in the reference implementation; 0 = none);
            with ``max_minutes``, of the steps or of the time budget, whichever
            ends training first (`DecayToBudget`; per command: resumed with a
            budget, the rate starts high again, and a run started without a
            budget keeps its step schedule when resumed with one).
        jitter: random resize-and-crop and flips in training.
        inference_mode: "standard" or "paper" (see `Pix2Pix`).
        precision: "auto" (the fastest precision this machine runs natively, see
            `pix2pix_tf.training.precision`), "float32", "mixed_bfloat16" or "mixed_float16".
        jit_compile: XLA-compile the training step: "auto" (where it measured
            faster), "on" or "off".
        strategy: "default" (one device), "mirrored" (all local GPUs) or
            "multiworker" (the cluster in ``TF_CONFIG``); ``batch_size`` is the
            global batch, split over the replicas (see `pix2pix_tf.training.distribute`).
        output_mode: generator output, "direct", "residual", "composite",
            "chroma" or "inpaint" (see `UNetGenerator`), or "find_fill": blind
            occlusion removal by a detector and an inpainter
            (`FindAndFillGenerator`; tasks with a mask, which it learns from).
        changed_weight: extra L1 weight on pixels the input changed (see `Pix2Pix`).
        feature_matching_weight: weight of discriminator feature matching (see `Pix2Pix`).
        mask_weight: weight of the blend-mask cross-entropy of composite output
            (see `Pix2Pix`).
        hard_mask: composite output rounds its blend mask to 0 or 1 outside
            training, so pixels it keeps are the input's exactly.
        upsampling: "transpose" (the paper) or "resize" (resize + convolution,
            no checkerboard; see `blocks.upsampling_conv`).
        hole_fill: mask-given inpainting (``output_mode="inpaint"`` or "find_fill"): what the
            network sees in the hole, "blank" or "smooth" (see `UNetGenerator`).
        hole_l1: mask-given inpainting: the L1 is a mean over each image's hole
            rather than the whole image (see `Pix2Pix`).
        learn_found: find_fill output: the inpainter trains on the true mask
            united with what the detector finds (see `FindAndFillGenerator`).
        mask_input: the generator also sees the task's mask as a fourth input
            channel (mask-given inpainting; tasks with a mask only); the
            task's ``mask_input_defaults`` replace its recipe.
        max_minutes: stop training after this many minutes of wall time (then
            checkpoint, evaluate and export as after the last epoch); None: no limit.
        model: "pix2pix" (paired tasks) or "cyclegan" (unpaired tasks, see
            `pix2pix_tf.tasks.unpaired`).
        generator: "unet", or "resnet6" / "resnet9" (`ResnetGenerator`, 6 or 9 blocks).
        cycle_weight: CycleGAN's lambda of the cycle-consistency L1.
        identity_weight: CycleGAN's identity L1 weight, relative to ``cycle_weight``.
        pool_size: past fakes CycleGAN's discriminators see (`ImagePool`).
        domain_weight: weight of CycleGAN's domain loss: a patch critic learns A
            from B on real photos and the generators are pushed to have their
            fakes put in the target domain (StarGAN's auxiliary classifier); 0: none.
    """

    task: str = "mugshot"
    data: str = SYNTHETIC
    image_size: tuple = (256, 256)
    batch_size: int = 1
    epochs: int = 200
    steps: int | None = None
    steps_per_epoch: int | None = None
    seed: int = 0
    num_faces: int = 1000
    direction: str = "AtoB"
    depth: int | None = None
    base_filters: int = 64
    disc_filters: int | None = None
    norm: str = "batch"
    dropout: float = 0.5
    disc_layers: int = 3
    gan_mode: str = "vanilla"
    l1_weight: float = 100.0
    learning_rate: float = 2e-4
    lr_decay_fraction: float = 0.0
    jitter: bool = True
    inference_mode: str = "standard"
    precision: str = "auto"
    jit_compile: str = "auto"
    strategy: str = "default"
    output_mode: str = "direct"
    changed_weight: float = 0.0
    feature_matching_weight: float = 0.0
    mask_weight: float = 0.0
    hard_mask: bool = False
    upsampling: str = "transpose"
    hole_fill: str = "blank"
    hole_l1: bool = False
    learn_found: bool = False
    mask_input: bool = False
    max_minutes: float | None = None
    model: str = "pix2pix"
    generator: str = "unet"
    cycle_weight: float = 10.0
    identity_weight: float = 0.5
    pool_size: int = 50
    domain_weight: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "image_size", tuple(int(s) for s in self.image_size))
        task = task_of(self.model, self.task)
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {self.direction!r}.")
        if self.direction == "BtoA" and self.model == "cyclegan":
            raise ValueError(
                "A CycleGAN learns both directions at once, so --direction does not apply to "
                "its training: leave it out, and choose the direction when predicting "
                "(pix2pix-tf predict EXPORT photo.jpg --direction BtoA)."
            )
        if self.direction == "BtoA" and not task.paired:
            raise ValueError(reverse_problem(task))
        if self.generator not in GENERATORS:
            raise ValueError(f"generator must be one of {GENERATORS}, got {self.generator!r}.")
        if self.generator != "unet" and self.output_mode != "direct":
            raise ValueError(
                f"output_mode {self.output_mode!r} needs the U-Net generator; use "
                "output_mode='direct' with a ResNet generator."
            )
        if min(self.cycle_weight, self.identity_weight, self.pool_size) < 0:
            raise ValueError("cycle_weight, identity_weight and pool_size must be >= 0.")
        if self.domain_weight < 0 or (self.domain_weight and self.model != "cyclegan"):
            raise ValueError(
                f"domain_weight ({self.domain_weight}) must be >= 0, and is CycleGAN's "
                "(--model cyclegan): a paired model has its target to learn from."
            )
        for name in ("base_filters", "disc_filters"):
            value = getattr(self, name)
            if value is not None and (int(value) != value or value < 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        if self.depth is not None and (int(self.depth) != self.depth or self.depth < 1):
            # 0 is not "automatic" (that is None): say so rather than pick a depth silently.
            raise ValueError(
                f"depth must be a positive number of U-Net levels, got {self.depth!r}; leave it "
                "out (None) for the deepest that fits the image size."
            )
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}.")
        if self.steps is not None and self.steps < 1:
            raise ValueError(f"steps must be at least 1, got {self.steps}.")
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {self.epochs}.")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {self.precision!r}.")
        if self.jit_compile not in JIT_COMPILE:
            raise ValueError(f"jit_compile must be one of {JIT_COMPILE}, got {self.jit_compile!r}.")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {self.strategy!r}.")
        if not 0.0 <= self.lr_decay_fraction <= 1.0:
            raise ValueError(f"lr_decay_fraction must be in [0, 1], got {self.lr_decay_fraction}.")
        if self.max_minutes is not None and not self.max_minutes > 0:
            raise ValueError(f"max_minutes must be positive (or None), got {self.max_minutes}.")
        if self.mask_weight and self.output_mode != "composite":
            raise ValueError(
                f"mask_weight={self.mask_weight} trains the blend mask of composite output, "
                f"but output_mode is {self.output_mode!r}: set output_mode='composite' "
                "(--output-mode composite) or mask_weight=0."
            )
        if self.hard_mask and self.output_mode != "composite":
            raise ValueError(
                f"hard_mask rounds the blend mask of composite output, but output_mode is "
                f"{self.output_mode!r}: set output_mode='composite' or hard_mask=False."
            )
        check_upsampling(self.upsampling)
        check_hole_fill(self.hole_fill, "inpaint" if self.finds_mask else self.output_mode)
        if self.hole_l1 and self.output_mode not in ("inpaint", FIND_FILL):
            raise ValueError(
                f"hole_l1 takes the L1 over the given hole of inpaint output, but output_mode "
                f"is {self.output_mode!r}: train with mask_input (--mask-input) and "
                "output_mode='inpaint', or with output_mode='find_fill', or set hole_l1=False."
            )
        if self.learn_found and not self.finds_mask:
            raise ValueError(
                f"learn_found trains find_fill's inpainter on what its detector finds, but "
                f"output_mode is {self.output_mode!r}: set output_mode='find_fill' or "
                "learn_found=False."
            )
        check_l1_weighting(self.hole_l1, self.changed_weight)
        self._check_mask_input()
        # Here, not when the model is built: a size that cannot work fails before any work.
        check_image_size(self.image_size, self.unet_depth if self.generator == "unet" else 2)

    def _check_mask_input(self):
        if self.finds_mask and self.mask_input:
            raise ValueError(
                "output_mode 'find_fill' finds the mask itself (and its export also "
                "takes one): leave out --mask-input, or use output_mode 'inpaint' with it."
            )
        if not self.data_mask:
            if self.output_mode == "inpaint":
                raise ValueError(
                    "output_mode 'inpaint' fills a mask given as an input channel: set "
                    "mask_input=True (--mask-input), or choose another output_mode."
                )
            return
        if self.model != "pix2pix" or not task_of(self.model, self.task).has_mask:
            uses, instead = (
                ("output_mode 'find_fill' learns to find an occlusion from", "another output_mode")
                if self.finds_mask
                else ("mask_input gives the generator", "leave out --mask-input")
            )
            raise ValueError(
                f"{uses} the mask of an occlusion, and task {self.task!r} ({self.model}) has "
                f"none; use an occlusion task (e.g. --task occlusion) or {instead}."
            )
        if self.mask_input and self.output_mode not in ("inpaint", "direct"):
            raise ValueError(
                f"With mask_input the output is 'inpaint' (fill the given mask) or 'direct', "
                f"got output_mode {self.output_mode!r}."
            )

    @property
    def finds_mask(self):
        """Whether the generator finds the occlusion itself (``output_mode="find_fill"``)."""
        return self.output_mode == FIND_FILL

    @property
    def data_mask(self):
        """Whether the training pairs carry the occlusion mask as a last input channel."""
        return self.mask_input or self.finds_mask

    @property
    def input_channels(self):
        """Channels of the training inputs: the task's, plus one for the mask (given,
        or for a find-fill generator to learn from; the discriminator sees it too)."""
        return task_of(self.model, self.task).input_channels + int(self.data_mask)

    @property
    def dtype_policy(self):
        """The Keras dtype policy that ``precision`` stands for on this machine."""
        return resolve_precision(self.precision)

    @property
    def unet_depth(self):
        return auto_depth(self.image_size) if self.depth is None else self.depth

    def to_json(self):
        return dataclasses.asdict(self)

    @classmethod
    def for_task(cls, task, **settings):
        """The config of ``task`` with its recipe (`Task.train_defaults`) as defaults.

        ``TrainConfig(task=...)`` has the paper's defaults; this one starts from
        the settings that the task trains best with, then applies ``settings``.

        Example:
            >>> TrainConfig.for_task("occlusion", data="photos/").output_mode
            'find_fill'
        """
        task = task_of(settings.get("model", "pix2pix"), task)
        recipe = dict(task.train_defaults)
        if settings.get("mask_input") and getattr(task, "mask_input_defaults", None):
            recipe = dict(task.mask_input_defaults)
        output_mode = settings.get("output_mode", recipe.get("output_mode"))
        if output_mode != "composite":
            # The recipe's blend-mask settings go with its composite output.
            recipe.pop("mask_weight", None)
            recipe.pop("hard_mask", None)
        fills_holes = ("inpaint", FIND_FILL)
        if recipe.get("output_mode") in fills_holes and output_mode not in fills_holes:
            # The inpainting recipes' L1 weight makes up for an exact output outside the
            # hole, and their hole fill is what the inpaint output's network sees.
            recipe.pop("l1_weight", None)
            recipe.pop("hole_fill", None)
            recipe.pop("hole_l1", None)
        if output_mode != FIND_FILL:
            recipe.pop("learn_found", None)
        if recipe.get("depth") is not None:
            # A recipe's depth is at most its U-Net's: small images take as many as fit.
            size = settings.get("image_size") or cls.image_size
            recipe["depth"] = min(recipe["depth"], auto_depth(size))
        return cls(**{**recipe, **settings, "task": task.name})

    @classmethod
    def from_json(cls, values):
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"Unknown settings in config: {sorted(unknown)}.")
        return cls(**values)

    @classmethod
    def load(cls, run_dir):
        path = Path(run_dir) / "config.json"
        if not path.is_file():
            raise FileNotFoundError(
                f"{run_dir} is not a run directory (no config.json). Pass the --out folder "
                "of a `pix2pix-tf train` run."
            )
        try:
            values = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(values, dict):
                raise ValueError(f"it holds a {type(values).__name__}, not the settings")
            return cls.from_json(values)
        except (ValueError, TypeError, UnicodeDecodeError) as error:
            raise ValueError(
                f"{path} is damaged or not a pix2pix_tf config ({error}). The checkpoints "
                f"keep the training: delete {path.name} and run the same `pix2pix-tf train` "
                "command (same settings) to write it again and resume, then evaluate or export."
            ) from None

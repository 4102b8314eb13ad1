"""The built-in tasks and their training recipes, registered on import.

Each is one `register_task` call; factories (`occlusion_task`, `denoise_task`,
`superres_task`) build variants with other settings. The recipes were chosen
with bench/quality.py on UTKFace at 128x128 (docs/quality.md).
"""

import numpy as np
import tensorflow as tf

from pix2pix_tf.data import degradations
from pix2pix_tf.data.occluders import FAMILIES, OcclusionMix
from pix2pix_tf.data.transforms import to_grayscale
from pix2pix_tf.tasks.task import Task, register_task

register_task(
    Task(
        name="mugshot",
        description="front-view face -> right profile of the same person (paired)",
        paired=True,
        flip=False,
    )
)
register_task(
    Task(
        name="autoencoder",
        description="a face -> the same face (what survives the bottleneck)",
        make_input=lambda image, seed: image,
    )
)


# The occlusion recipe, chosen with bench/quality.py and bench/occlusion.py
# (docs/quality.md): least-squares GAN, lr 5e-4 without dropout, and networks
# small enough to see many faces on a CPU budget (16 base filters, 16 per batch),
# resize + convolution upsampling (transposed convolutions left an 8x8
# checkerboard in large fills). The generator finds the occlusion with one U-Net
# and fills it with another (`FindAndFillGenerator`, issue 13): over one network
# with a blend mask taught the occluded pixels (composite output, mask_weight 3,
# hard_mask) it scored +1.04 dB on the broad mix (29.50 against 28.46 dB, with
# 5,014 steps against 9,300) and found more of every family. Its inpainter is
# the mask-given recipe's (below: it starts from a smooth fill of the hole and
# corrects it, with an L1 weight of 1,000 taken over each image's hole), but
# also sees the pixels in the hole ("smooth_and_input"): what a blur or a
# pixelation left of the face, which a blind model must tell apart from a patch
# anyway: +0.85 dB (30.35 against 29.50, 4,912 steps against 5,014), +1.9 dB on
# the seed's blur and +2.4 on pixelated fills. Both U-Nets stop at depth 5 (a
# 4x4 bottleneck at 128x128): the deepest levels held most of each network's
# weights and little of its work. In 25 minutes depth 6 scored +0.43 dB over 7
# (30.55 against 30.12, 5,547 steps against 5,043, same machine) and depth 5
# +0.36 over 6 (30.91, 7,321 steps, on a machine 4-5% slower per step than the
# depth-6 run's); depth 4 trailed depth 5 by 0.2-0.9 dB on validation. The rate
# decays to 0 over the second half of the run, which with --max-minutes is the
# second half of the time: +0.20 dB (31.11 against 30.91).
OCCLUSION_RECIPE = {
    "output_mode": "find_fill",
    "gan_mode": "lsgan",
    "batch_size": 16,
    "base_filters": 16,
    "dropout": 0.0,
    "learning_rate": 5e-4,
    "upsampling": "resize",
    "l1_weight": 1000.0,
    "hole_fill": "smooth_and_input",
    "hole_l1": True,
    "depth": 5,
    "lr_decay_fraction": 0.5,
}
# With the mask given as a fourth input channel (--mask-input) the network need
# not find the occlusion: it fills the given pixels and keeps the rest exactly.
# The L1 was a mean over the whole image, of which the hole is about a tenth, so
# inside the hole the paper's weight of 100 acted as 10 against the GAN's patches:
# the first 25-minute run painted textured fills below Telea's SSIM everywhere.
# A weight of 1,000 gave the hole the paper's balance back. The network starts
# from a smooth fill of the hole (pull-push, `SmoothFill`) and corrects it: +0.52 dB
# over a blank hole at equal time (25 minutes on UTKFace; higher PSNR in every group).
# The L1 is then a mean over each image's hole (hole_l1), so thin strokes weigh
# as much as a face mask: +0.49 dB at 6 minutes, SSIM at least Telea's in every
# group; the weight of 1,000 there measured level with 3,000 (31.63 against
# 31.65 dB) and above 100 (31.47, whose GAN blotched the lower face). The blind
# recipe's depth 5 and decaying rate: 32.59 against 32.31 dB at the deepest depth
# and a constant rate (higher in all 13 groups; 9,719 steps against 7,390 on
# another machine).
MASK_INPUT_RECIPE = {**OCCLUSION_RECIPE, "output_mode": "inpaint", "hole_fill": "smooth"}
# What the occlusion recipe found for a CPU budget (LSGAN, lr 5e-4 without
# dropout, 16 filters, batches of 16) held for the restoration tasks too: 32
# filters ran at a third of the speed and scored lower at equal time. Their own
# choice is the output: colour on the input's luma (+2.7 dB over direct output
# at 3 minutes), a correction over the bicubic input (+5.0 dB), and for
# denoising the direct image (+3.2 dB over a residual, which kept the noise).
# Super-resolution also gained from more, smaller steps (batches of 4: +0.2 dB).
_CPU_RECIPE = {
    "gan_mode": "lsgan",
    "batch_size": 16,
    "base_filters": 16,
    "dropout": 0.0,
    "learning_rate": 5e-4,
}
COLORIZATION_RECIPE = {**_CPU_RECIPE, "output_mode": "chroma"}
SUPERRES_RECIPE = {**_CPU_RECIPE, "output_mode": "residual", "batch_size": 4}
DENOISE_RECIPE = {**_CPU_RECIPE, "output_mode": "direct"}
# Noise2Noise trains on noisy targets, so a discriminator that learns what real
# targets look like teaches the generator to add noise: with the denoise recipe
# the validation PSNR fell from 30.8 dB after 489 steps to 27.5 dB after 1,653
# (12 minutes). An L1 weight of 10,000 leaves the GAN loss 1/100 of its usual share,
# close to the L1-only training of Lehtinen et al.: 30.56 dB in 3 minutes.
NOISE2NOISE_RECIPE = {**DENOISE_RECIPE, "l1_weight": 10000.0}

register_task(
    Task(
        name="colorization",
        description="grayscale face -> colour face",
        input_channels=1,
        make_input=lambda image, seed: to_grayscale(image),
        train_defaults=dict(COLORIZATION_RECIPE),
    )
)


def occlusion_task(kinds=degradations.OCCLUSIONS, name=None, mix=None):
    """The occlusion task with a chosen mix of occlusions.

    Each photo gets an occlusion drawn from its own seed: random over the
    photos of a split, and the same on every pass, so that evaluation sees fixed
    occlusions (`pix2pix_tf.tasks.pairs.masked_pairs` gives their masks).

    Args:
        kinds: the seed's occlusions drawn from (`degradations.occlude`), one
            per photo, among "mask", "blur", "partial" and "full"; ignored with ``mix``.
        name: task name; "occlusion-<kind>-..." by default.
        mix: an `OcclusionMix` (shapes and fills of any kind, textures cut from
            the next photo of the split) instead of ``kinds``.

    Returns:
        A `Task`, not yet registered: pass it to `register_task`, or directly to
        `pix2pix_tf.tasks.pairs.task_pairs`.
    """
    if mix is None:
        kinds = degradations.check_occlusions(kinds)
        what, uses_donor = ", ".join(kinds), False
        make_input = lambda image, seed, landmarks: degradations.tf_occlude(  # noqa: E731
            image, landmarks, seed, kinds
        )
    else:
        what, uses_donor = mix.describe(), mix.uses_donor
        kinds = mix.shapes + mix.fills + (mix.seed_kinds if mix.seed_share > 0 else ())
        make_input = lambda image, seed, landmarks, donor=None: mix.tf_draw(  # noqa: E731
            image, landmarks, seed, donor
        )
    return Task(
        name=name or "occlusion-" + "-".join(kinds),
        description=f"face with an occlusion ({what}) -> the clean face",
        flip=True,
        make_input=make_input,
        uses_landmarks=True,
        uses_donor=uses_donor,
        has_mask=True,
        train_defaults=dict(OCCLUSION_RECIPE),
        mask_input_defaults=dict(MASK_INPUT_RECIPE),
    )


def denoise_task(sigma=25.0, noise2noise=False, name=None):
    """Denoising with Gaussian noise of ``sigma`` (0-255 units).

    With ``noise2noise`` the training target is the photo with independent
    noise (Noise2Noise, Lehtinen et al. 2018); evaluation compares with the clean photo.
    """
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma!r}.")
    noisy = lambda image, seed: degradations.gaussian_noise(image, sigma, seed)  # noqa: E731
    what = "independently noisy face (Noise2Noise), scored on the clean face"
    return Task(
        name=name or ("noise2noise" if noise2noise else "denoise"),
        description=f"noisy face (sigma {sigma:g}) -> " + (what if noise2noise else "clean face"),
        make_input=noisy,
        make_train_target=noisy if noise2noise else None,
        train_defaults=dict(NOISE2NOISE_RECIPE if noise2noise else DENOISE_RECIPE),
    )


def superres_task(factor=4, name=None):
    """Super-resolution: the photo reduced ``factor`` times and brought back up -> the photo."""
    if not (isinstance(factor, int) and factor >= 2):
        raise ValueError(f"factor must be an int >= 2, got {factor!r}.")
    return Task(
        name=name or "superres",
        description=f"{factor}x downscaled face -> full size",
        make_input=lambda image, seed: degradations.downscale(image, factor),
        train_defaults=dict(SUPERRES_RECIPE),
    )


def pair_with_other_people(photos, seed):
    """Examples whose target is another photo of the same dataset: photo i -> photo i + k.

    The shift ``k`` (1 to count - 1) is drawn from ``seed``, so every photo is the
    input once and the target once, never its own.
    """
    count = int(photos.cardinality())
    if count < 2:
        raise ValueError(
            "Pairing people needs a dataset of known size with at least 2 photos, got "
            f"{'an unknown size' if count < 0 else count}."
        )
    shift = 1 + int(np.random.default_rng(int(seed)).integers(count - 1))
    images = photos.map(lambda image, landmarks: image)
    others = images.skip(shift).concatenate(images.take(shift))
    return tf.data.Dataset.zip(images, others).map(lambda a, b: {"input": a, "target": b})


register_task(occlusion_task(name="occlusion", mix=OcclusionMix()))
register_task(occlusion_task(name="occlusion-seed"))  # the four kinds the project began with
for _kind in degradations.OCCLUSIONS:
    register_task(occlusion_task((_kind,)))
for _family in FAMILIES:  # leave-one-family-out training (bench/occlusion.py)
    register_task(
        occlusion_task(name=f"occlusion-without-{_family}", mix=OcclusionMix().without(_family))
    )
register_task(
    Task(
        name="threshold",
        description="three per-channel binary layers -> photo",
        make_input=lambda image, seed: degradations.threshold_layers(image),
    )
)
register_task(
    Task(
        name="contours",
        description="contour lines of each colour channel at 50, 100, 150, 200 -> photo",
        make_input=lambda image, seed: degradations.contour_lines(image),
    )
)
register_task(
    Task(
        name="canny",
        description="Canny edges -> photo",
        input_channels=1,
        make_input=lambda image, seed: degradations.tf_canny_edges(image),
    )
)
register_task(
    Task(
        name="noise",
        description="random noise -> face (what the generator learns by itself)",
        make_input=lambda image, seed: degradations.uniform_noise(image, seed),
    )
)
register_task(
    Task(
        name="average",
        description="one person -> another person of the same split (converges to an average face)",
        pair_photos=pair_with_other_people,
    )
)
register_task(superres_task())
register_task(denoise_task())
register_task(denoise_task(noise2noise=True))

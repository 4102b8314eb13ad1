# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. Reconstructing occluded faces
#
# A face behind a surgical mask, blurred for anonymity, covered by a hand or cut off below
# the nose: can a network put the hidden part back? Not the *true* face, which is gone, but
# a plausible one that fits what is still visible.
#
# Classical inpainting fills a hole from its border inwards (OpenCV's `cv2.inpaint` with
# Telea's method propagates the surrounding colours along the image gradients). It knows
# nothing about faces: it cannot draw a mouth under a mask. pix2pix learns from thousands
# of faces what usually lies under an occlusion. And it is not told where the occlusion
# is: it has to find the mask, the blur or the patch by itself, while Telea is given the
# exact mask.
#
# Four kinds of occlusion (`pix2pix_tf.data.degradations.occlude`), placed by the five
# face landmarks:
#
# * **mask**: a face mask over nose, mouth and chin, in one of several colours;
# * **blur**: a strong Gaussian blur over the eyes, the nose and mouth, or elsewhere;
# * **partial**: a flat-coloured rectangle over part of the face;
# * **full**: everything below a line between the brows and the nose.
#
# The published result this notebook reproduces: **SSIM 0.853, PSNR 22.33 dB on CelebA**.
# It runs on the built-in synthetic faces by default; set `DATA` to CelebA (the folder
# holding `img_align_celeba/`, with its landmarks) or to any folder of face photos.

# %% [markdown]
# ## Setup

# %%
# %matplotlib inline
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import tensorflow as tf
from IPython.display import Markdown

from pix2pix_tf import baselines, plots
from pix2pix_tf.callbacks import read_history_csv
from pix2pix_tf.data.degradations import OCCLUSIONS
from pix2pix_tf.data.task_data import masked_pairs, source_kind
from pix2pix_tf.training import TrainConfig, train

STARTED = time.perf_counter()

# %% tags=["parameters"]
SMOKE = os.environ.get("PIX2PIX_SMOKE") == "1"  # CI: tiny images and a few steps
DATA = os.environ.get("PIX2PIX_DATA", "synthetic")  # or CelebA, or a folder of face photos
PREPARE_TO = Path("../runs/datasets/occlusion_faces")  # real photos are cut and aligned here
PREPARE_OPTIONS = {}  # e.g. {"eye_distance": 0.36, "eye_height": 0.36} for tight crops (UTKFace)
MAX_PHOTOS = 40 if SMOKE else None  # None: every photo of a real folder
IMAGE_SIZE = (32, 32) if SMOKE else (64, 64)
STEPS = 4 if SMOKE else 1500  # optimizer steps, one model for all four occlusions
STEPS_PER_EPOCH = 2 if SMOKE else 100
BATCH_SIZE = 2 if SMOKE else 4
BASE_FILTERS = 4 if SMOKE else 16
NUM_FACES = 20 if SMOKE else 1000  # synthetic people: 80% train, 10% val, 10% test
EVAL_IMAGES = 8 if SMOKE else 200  # test faces scored per occlusion type
OUT = Path(tempfile.mkdtemp()) if SMOKE else Path("../runs/notebooks/02_occlusion")
RESTART = True  # False: continue the run in OUT instead of starting again

# %% [markdown]
# ## Data
#
# Occlusions are placed by the face's landmarks. The synthetic faces and CelebA know
# theirs; for any other folder, `prepare` first cuts each face out with a Haar cascade,
# aligns it by the eyes and records its landmarks (photos without a detectable face are
# skipped and listed in the manifest). A rerun on the same photos returns at once.

# %%
if DATA != "synthetic" and source_kind(DATA) == "folder":
    from pix2pix_tf.data.prepare import prepare

    manifest = prepare(
        DATA,
        PREPARE_TO,
        size=IMAGE_SIZE,
        limit=MAX_PHOTOS,
        workers=2,
        progress=False,
        **PREPARE_OPTIONS,
    )
    print({k: v for k, v in manifest["counts"].items()})
    DATA = str(PREPARE_TO)
print(f"data: {DATA} ({source_kind(DATA)})")

# %% [markdown]
# Each occlusion type on the same four test faces. `masked_pairs` gives the occluded
# input, the clean target and the mask of the pixels that were replaced; the same seed
# gives the same occlusions every time.

# %%
options = dict(image_size=IMAGE_SIZE, num_faces=NUM_FACES)
test_sets = {
    kind: baselines.masked_batches(
        masked_pairs(f"occlusion-{kind}", DATA, "test", **options).take(EVAL_IMAGES),
        IMAGE_SIZE,
    )
    for kind in OCCLUSIONS
}
examples = {kind: next(iter(batches)) for kind, batches in test_sets.items()}
clean = examples[OCCLUSIONS[0]][1]
plots.image_grid(
    [clean] + [examples[kind][0] for kind in OCCLUSIONS],
    ["original"] + [f"occlusion: {kind}" for kind in OCCLUSIONS],
    suptitle="The four occlusion types on the same test faces",
)

# %% [markdown]
# ## Model and training
#
# One model learns all four occlusions: the `occlusion` task draws one type per photo.
# The paper's settings, scaled to a laptop: 64x64 faces, a 6-level U-Net with 16 base
# filters, batches of 4, the learning rate decayed to zero over the second half.

# %%
config = TrainConfig(
    task="occlusion",
    data=DATA,
    image_size=IMAGE_SIZE,
    batch_size=BATCH_SIZE,
    steps=STEPS,
    steps_per_epoch=STEPS_PER_EPOCH,
    num_faces=NUM_FACES,
    base_filters=BASE_FILTERS,
    learning_rate=5e-4,
    lr_decay_fraction=0.5,
)
if RESTART and (OUT / "config.json").is_file():
    shutil.rmtree(OUT)  # only ever a run directory: it holds config.json
model, metrics = train(config, OUT, verbose=0 if SMOKE else 2)
print(f"trained {metrics['steps']} steps in {metrics['train_seconds_this_session']:.0f} s")

# %%
plots.loss_curves(read_history_csv(OUT / "history.csv"), title="Occlusion training history")

# %% [markdown]
# ## Results: each occlusion type
#
# One test face per row and type: what the model saw, what Telea inpainting makes of it
# given the exact mask, what pix2pix makes of it without the mask, and the original.

# %%
row = 1 if len(clean) > 1 else 0
occluded = np.stack([examples[kind][0][row] for kind in OCCLUSIONS])
masks = np.stack([examples[kind][2][row] for kind in OCCLUSIONS])
plots.image_grid(
    [
        occluded,
        baselines.inpaint_telea(occluded, masks),
        model(occluded, training=False),
        np.stack([examples[kind][1][row] for kind in OCCLUSIONS]),
    ],
    ["occluded input", "OpenCV Telea (given the mask)", "pix2pix", "original"],
    row_titles=list(OCCLUSIONS),
    suptitle="Reconstruction of each occlusion type",
)

# %% [markdown]
# ## Numbers: per occlusion type, beside two baselines
#
# SSIM and PSNR of the whole image against the original, on the same test faces and the
# same occlusions for all three methods.

# %%
methods = {
    "occluded input": baselines.input_as_output,
    "Telea": baselines.inpaint_telea,
    "pix2pix": baselines.model_method(model),
}
rows = []
for kind, batches in test_sets.items():
    rows += [{**r, "group": kind} for r in baselines.compare(batches, methods)]
table = baselines.wide_table(rows, group="group", mean_row="mean")
for line in table:
    line["occlusion"] = line.pop("group")
columns = ["occlusion"] + [f"{m} {k}" for m in methods for k in ("ssim", "psnr")]
print(f"{rows[0]['images']} test faces per occlusion type")
Markdown(baselines.markdown_table(table, columns))

# %%
plots.metric_bars(rows, "psnr", "PSNR per occlusion type (higher is better)", ylabel="PSNR (dB)")

# %% [markdown]
# **What it reaches.** In our run with the defaults above on the synthetic faces (64x64,
# 1500 steps of 4 images, 2 CPU cores shared with other jobs: 14 minutes for the whole
# notebook), the model averages **SSIM 0.799 and PSNR 22.38 dB** over the four occlusion
# types, against 0.836 / 22.36 dB for the occluded input and 0.879 / 26.28 dB for Telea,
# on 100 test faces per type:
#
# | occlusion | input SSIM | input PSNR | Telea SSIM | Telea PSNR | pix2pix SSIM | pix2pix PSNR |
# | --- | --- | --- | --- | --- | --- | --- |
# | mask | 0.846 | 19.25 | 0.907 | 24.97 | 0.820 | 23.12 |
# | blur | 0.976 | 35.61 | 0.959 | 32.17 | 0.891 | 26.12 |
# | partial | 0.918 | 23.29 | 0.959 | 31.35 | 0.853 | 23.84 |
# | full | 0.606 | 11.30 | 0.691 | 16.62 | 0.629 | 16.45 |
# | mean | 0.836 | 22.36 | 0.879 | 26.28 | 0.799 | 22.38 |
#
# This short run does **not** beat Telea, and on SSIM not even the occluded input.
# pix2pix gains where much is hidden (PSNR +3.9 dB on `mask`, +5.2 dB on `full`: it
# paints the hole in face and shirt tones instead of the cover's colour), but it is
# never told where the hole is, so it redraws the whole face and the visible pixels come
# back softer and speckled; that costs most on `blur`, where the input was already
# close. Telea is given the exact mask and touches only those pixels. A longer run, or a
# recipe that keeps the visible pixels as they are, should close the gap.
#
# On real faces we ran the notebook once with `DATA` set to UTKFace: 1,000 of its 9,780
# photos, cut and aligned by `pix2pix-tf prepare` with its defaults (997 kept:
# 779 train, 95 val, 123 test), and `STEPS = 600` instead of 1500 because the 2 shared
# CPU cores were at a load average of about 25 (15 minutes for the whole notebook). On
# the 123 test faces per type:
#
# | occlusion | input SSIM | input PSNR | Telea SSIM | Telea PSNR | pix2pix SSIM | pix2pix PSNR |
# | --- | --- | --- | --- | --- | --- | --- |
# | mask | 0.538 | 12.70 | 0.639 | 18.18 | 0.495 | 17.20 |
# | blur | 0.840 | 27.40 | 0.821 | 24.43 | 0.682 | 21.42 |
# | partial | 0.717 | 17.04 | 0.812 | 24.16 | 0.596 | 18.80 |
# | full | 0.430 | 10.85 | 0.538 | 15.39 | 0.413 | 14.74 |
# | mean | 0.631 | 17.00 | 0.703 | 20.54 | 0.547 | 18.04 |
#
# The same picture as on the synthetic faces, only harder: real skin and hair texture is
# more than 600 steps of a 16-filter network can redraw, so pix2pix gains 1.8 to 4.5 dB
# of PSNR over the occluded input on `mask`, `partial` and `full` but loses SSIM on every
# type. Telea with the exact mask is best on every type except `blur`, where the input
# left alone is best. The published CelebA
# figures (SSIM 0.853, PSNR 22.33 dB) come from larger images and far longer training;
# this run is well below them.
#
# ## Export
#
# `train` exported the generator; the SavedModel takes uint8 faces of any size.

# %%
served = tf.saved_model.load(str(OUT / "saved_model"))
as_uint8 = tf.cast(tf.round((occluded + 1.0) * 127.5), tf.uint8)
restored = served.serve_uint8(as_uint8).numpy()
plots.image_grid(
    [as_uint8, restored],
    ["occluded (uint8)", "SavedModel output"],
    row_titles=list(OCCLUSIONS),
    suptitle="The exported model, loaded with tf.saved_model.load",
)

# %%
print(f"notebook finished in {time.perf_counter() - STARTED:.0f} s")

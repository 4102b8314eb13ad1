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
# # 1. Mugshots: from a front view to a profile
#
# A police mugshot is a pair of photos of one person: the face from the front and from
# the side. Given only the front view, can a network draw the profile? The two photos
# share identity (skin, hair, glasses, beard, the shape of the head) but almost no
# pixels: the profile is a different picture, not a filtered copy. That makes it a good
# test of what pix2pix learns beyond copying.
#
# **pix2pix** (Isola et al., 2017) trains a U-Net *generator* to turn the input image
# into the output, and a *PatchGAN discriminator* that looks at (input, output) pairs
# patch by patch and tries to tell real pairs from generated ones. The generator's loss
# is the GAN loss plus 100 x the L1 distance to the real target.
#
# **Data.** NIST Special Database 18 holds real front/profile mugshots of 1,573 people;
# set `DATA` below to its unpacked folder (or to any folder of side-by-side
# `front|profile` images). By default the notebook uses the built-in synthetic people:
# each is drawn from the front and in right profile with the same identity. Either way no
# person appears in more than one split, so the test scores are on **people the model
# never saw**.
#
# Steps: setup, data, model, training, results (pictures and numbers), export.

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
from IPython.display import Image, Markdown

from pix2pix_tf.evaluation import baselines, plots
from pix2pix_tf.tasks.pairs import task_pairs
from pix2pix_tf.training import TrainConfig, split_dataset, train
from pix2pix_tf.training.callbacks import SampleGif, read_history_csv

STARTED = time.perf_counter()

# %% tags=["parameters"]
SMOKE = os.environ.get("PIX2PIX_SMOKE") == "1"  # CI: tiny images and a few steps
DATA = os.environ.get("PIX2PIX_DATA", "synthetic")  # or NIST SD18, or front|profile images
PREPARE_TO = Path("../runs/datasets/mugshots")  # real mugshots are cut here; None: as they are
IMAGE_SIZE = (32, 32) if SMOKE else (64, 64)
STEPS = 4 if SMOKE else 1200  # optimizer steps
STEPS_PER_EPOCH = 2 if SMOKE else 100  # a checkpoint and a sample grid after each
BATCH_SIZE = 2 if SMOKE else 4
BASE_FILTERS = 4 if SMOKE else 16
NUM_FACES = 20 if SMOKE else 1000  # synthetic people: 80% train, 10% val, 10% test
OUT = Path(tempfile.mkdtemp()) if SMOKE else Path("../runs/notebooks/01_mugshot")
RESTART = True  # False: continue the run in OUT instead of starting again

# %% [markdown]
# ## Data
#
# Real mugshots are prepared first: `prepare` cuts each front view aligned by the eyes
# and each profile framed by the profile cascade, at `IMAGE_SIZE`, mirrors left profiles
# to face right, pairs them side by side and splits by person. The manifest counts what
# was skipped and why; a rerun on the same folder returns at once. (The synthetic faces
# are already cut and paired.)

# %%
if DATA != "synthetic" and PREPARE_TO is not None:
    from pix2pix_tf.data.prepare import prepare

    manifest = prepare(DATA, PREPARE_TO, size=IMAGE_SIZE, progress=False)
    print(manifest["counts"])
    DATA = str(PREPARE_TO)

# %% [markdown]
# `task_pairs` gives the uint8 (input, target) pairs of a task for one split; here the
# input is the front view and the target the right profile of the same person.

# %%
pairs = task_pairs("mugshot", DATA, "train", image_size=IMAGE_SIZE, num_faces=NUM_FACES)
fronts, profiles = (np.stack(views) for views in zip(*pairs.take(4).as_numpy_iterator()))
plots.image_grid(
    [fronts, profiles],
    ["input: front view", "target: right profile"],
    suptitle="Training pairs: one person per row",
)

# %% [markdown]
# ## Model
#
# All settings live in one `TrainConfig`; the defaults are the paper's (Adam 2e-4,
# beta1 0.5, L1 weight 100, batch norm, dropout 0.5, a 70x70 PatchGAN). We change only
# what makes it fit a laptop: 64x64 images, a 6-level U-Net with 16 base filters, batches
# of 4 and a learning rate that decays to zero over the second half of training.
# Random jitter (resize and crop) is on; flips are off, because a flipped right profile
# is a left profile.

# %%
config = TrainConfig(
    task="mugshot",
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
print(f"U-Net depth {config.unet_depth}, run directory {OUT.resolve()}")

# %% [markdown]
# ## Train
#
# `train` runs `Model.fit` and writes everything into the run directory: checkpoints
# (running the cell again with `RESTART = False` resumes), a sample grid per epoch,
# TensorBoard logs, `history.csv`, the test metrics and the exported SavedModel. We add
# one callback of our own: a GIF of the same validation faces after every epoch.

# %%
val_inputs, _ = next(iter(split_dataset(config, "val", cache=False)[0]))
progress = SampleGif(val_inputs[:4], OUT / "progress.gif", title="generated profiles", columns=4)
model, metrics = train(config, OUT, verbose=0 if SMOKE else 2, extra_callbacks=[progress])
print(f"trained {metrics['steps']} steps in {metrics['train_seconds_this_session']:.0f} s")

# %% [markdown]
# The generated profiles of four validation people, from the untrained network to the
# end of training:

# %%
Image(filename=OUT / "progress.gif")

# %%
plots.loss_curves(read_history_csv(OUT / "history.csv"), title="Mugshot training history")

# %% [markdown]
# The L1 term falls steadily while the GAN losses of the two players stay balanced (a
# discriminator loss near 0 would mean the generator has lost the game). Validation
# SSIM rises as the profiles take shape.
#
# ## Results on held-out people
#
# The test split holds people that were in neither training nor validation.

# %%
test_data, test_count = split_dataset(config, "test")
inputs, targets = next(iter(test_data))
outputs = model(inputs, training=False)
plots.image_grid(
    [inputs, targets, outputs],
    ["input: front", "target: real profile", "pix2pix profile"],
    suptitle=f"Held-out people ({test_count} in the test split)",
)

# %% [markdown]
# How good is that in numbers? SSIM (1 = identical structure) and PSNR (dB, higher is
# better) against the real profile, next to the do-nothing answer: the front view itself.

# %%
rows = baselines.compare(
    test_data,
    {
        "front view as the answer": baselines.input_as_output,
        "pix2pix": baselines.model_method(model),
    },
)
Markdown(baselines.markdown_table(rows, ["method", "images", "ssim", "psnr", "l1"]))

# %% [markdown]
# **What it reaches.** In our run with the defaults above (64x64, 1200 steps of 4 images,
# 2 CPU cores shared with other jobs, load average about 5: 8 minutes for the whole
# notebook, 7 of them training) the generated profiles of the 100 unseen test people score
# **SSIM 0.78 and PSNR 23.1 dB**, against 0.48 and 14.6 dB for the front view. The
# outline of the head turned to the right, the hair (colour and how far it reaches), the
# skin tone and the shirt come through; the faces are blurred and speckled with the
# checkerboard texture of transposed convolutions early in training, and small details
# (ears, eyes) are guesses. The paper trains for 200 epochs at 256x256; more steps and
# filters buy sharper profiles.
#
# ## Export and predict with plain TensorFlow
#
# `train` exported the generator as a SavedModel that needs only TensorFlow: no
# pix2pix_tf, no Keras code. It takes images of any size (padding to a multiple of
# 2**depth inside) as floats in [-1, 1] (`serve`) or as uint8 (`serve_uint8`).

# %%
served = tf.saved_model.load(str(OUT / "saved_model"))
as_uint8 = tf.cast(tf.round((inputs + 1.0) * 127.5), tf.uint8)
exported = served.serve_uint8(as_uint8).numpy()
keras_uint8 = np.round((np.clip(np.asarray(outputs), -1, 1) + 1) * 127.5)
difference = np.abs(exported.astype(float) - keras_uint8).max()
print(f"largest difference from the Keras model: {difference:.0f} grey level(s) of 255")

# A crop of another size works too.
crop = as_uint8[:, 4:-4, 2:-6]
plots.image_grid(
    [as_uint8, exported, crop, served.serve_uint8(crop).numpy()],
    ["input", "SavedModel output", f"crop {crop.shape[1]}x{crop.shape[2]}", "its output"],
    suptitle="The exported SavedModel, loaded with tf.saved_model.load",
)

# %%
print(f"notebook finished in {time.perf_counter() - STARTED:.0f} s")

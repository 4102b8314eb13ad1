# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 5. Faces of one person
#
# Everything a face GAN needs before it trains, and what it learns from one face:
#
# 1. **Cutting faces out of photos** with OpenCV's Haar cascades (Viola and Jones, 2001):
#    a face detector finds a box, an eye detector the eyes inside it.
# 2. **Aligning by the eyes**: a similarity transform puts both eyes on fixed points. The
#    proof that it works is the mean image: the average of unaligned crops is a blur,
#    the average of aligned faces is a face.
# 3. **A DCGAN** (Radford et al., 2016) trained on the aligned faces draws new ones from
#    random vectors; a GIF shows its samples through training.
# 4. **The generator fed pure noise**: a pix2pix generator whose input carries no
#    information about its target can only learn one answer, the average face.
#
# By default the photos are snapshots of one built-in synthetic person, framed, tilted,
# lit and dressed differently each time. Set `DATA` to a folder of photos of one person to
# use your own.

# %% [markdown]
# ## Setup

# %%
# %matplotlib inline
import os
import shutil
import tempfile
import time
from pathlib import Path

import cv2
import keras
import numpy as np
import tensorflow as tf
from IPython.display import Image, Markdown
from skimage import data as skimage_data

from pix2pix_tf.data import faces
from pix2pix_tf.data.photos import source_photos
from pix2pix_tf.data.snapshots import person_snapshots
from pix2pix_tf.data.sources import image_folder_dataset
from pix2pix_tf.evaluation import baselines, plots
from pix2pix_tf.models.dcgan import DCGAN, DCGANDiscriminator, DCGANGenerator
from pix2pix_tf.training import TrainConfig, split_dataset, train
from pix2pix_tf.training.callbacks import SampleGif

STARTED = time.perf_counter()

# %% tags=["parameters"]
SMOKE = os.environ.get("PIX2PIX_SMOKE") == "1"  # CI: tiny images and a few steps
DATA = os.environ.get("PIX2PIX_DATA", "synthetic")  # or a folder of photos of one person
PERSON = 6  # which synthetic person
NUM_PHOTOS = 24 if SMOKE else 400  # snapshots of the person (or photos read from DATA)
FACE_SIZE = (32, 32) if SMOKE else (64, 64)  # aligned faces
LATENT_DIM = 64  # length of the DCGAN's noise vector
DCGAN_STEPS = 4 if SMOKE else 800
DCGAN_BATCH = 4 if SMOKE else 16
DCGAN_FILTERS = 4 if SMOKE else 16
NOISE_STEPS = 4 if SMOKE else 300  # pix2pix steps of each no-information experiment
NUM_FACES = 20 if SMOKE else 1000  # synthetic people for the average-face experiment
OUT = Path(tempfile.mkdtemp()) if SMOKE else Path("../runs/notebooks/05_one_person")

# %%
if OUT.exists() and not SMOKE:
    shutil.rmtree(OUT)  # this notebook always starts from scratch
keras.utils.set_random_seed(0)

# %% [markdown]
# ## 1. Cutting a face out of a photo
#
# `detect_faces` runs the frontal-face cascade (and tries harder when it finds nothing);
# `find_eyes` looks for the two eyes in the upper half of the box; `cut_face` puts the eyes
# where an aligned face has them, or frames the face by its box when no plausible pair of
# eyes is found. Here on a real photo that ships with scikit-image (astronaut Eileen
# Collins), or on the first photo of `DATA`.

# %%
if DATA == "synthetic":
    photo = skimage_data.astronaut()
else:
    photo = next(image_folder_dataset(DATA).as_numpy_iterator())
boxes = faces.detect_faces(photo)
marked = photo.copy()
for x, y, w, h in boxes:
    cv2.rectangle(marked, (x, y), (x + w, y + h), (255, 220, 0), max(2, photo.shape[1] // 200))
    eyes = faces.find_eyes(photo, (x, y, w, h))
    for ex, ey in [] if eyes is None else eyes:
        cv2.circle(marked, (int(ex), int(ey)), max(3, w // 25), (0, 255, 80), -1)
cut = faces.cut_face(photo, size=(128, 128))
print(f"{len(boxes)} face(s) found; the crop is {cut.status!r} ({cut.reason or 'eyes found'})")
plots.image_grid(
    [marked[None], cut.image[None]],
    ["photo: face box (yellow)\nand eyes (green)", f"cut_face: {cut.status}\n128x128"],
    suptitle="Haar cascades on a photo",
)

# %% [markdown]
# ## 2. Many photos of one person, aligned
#
# A collection of one person's photos varies in framing, light and clothes. Below, the
# photos; then each cut two ways: a plain centre crop, and `cut_face` aligned by the eyes
# the cascade finds. Photos where no face is found are skipped (the Haar cascade misses
# some faces, especially small, tilted or low-contrast ones).

# %%
if DATA == "synthetic":
    photos, true_landmarks = person_snapshots(PERSON, NUM_PHOTOS, photo_size=(128, 128))
else:
    photos = list(image_folder_dataset(DATA).take(NUM_PHOTOS).as_numpy_iterator())
    true_landmarks = None
shown = [faces.cut_face(p, size=(128, 128), mode="none").image for p in photos[:16]]
plots.image_mosaic(np.stack(shown), f"{len(photos)} photos of one person (16 shown)")

# %%
cuts = [faces.cut_face(p, size=FACE_SIZE) for p in photos]
statuses = {s: sum(c.status == s for c in cuts) for s in ("aligned", "cropped", "skipped")}
print("cut_face outcomes:", statuses)
aligned = np.stack([c.image for c in cuts if c.status == "aligned"])
centred = np.stack([faces.cut_face(p, size=FACE_SIZE, mode="none").image for p in photos])
if true_landmarks is not None:
    # The snapshots know where the eyes truly are: how close did alignment put them?
    misses = [
        np.abs(faces.transform_points(c.matrix, marks[:2]) - faces.template_eyes(FACE_SIZE)).max()
        for c, marks in zip(cuts, true_landmarks)
        if c.status == "aligned"
    ]
    print(f"aligned eyes land within {np.median(misses):.2f} px of their target (median)")
plots.image_grid(
    [centred[:4], aligned[:4]],
    ["centre crop", "aligned by the eyes"],
    suptitle="The same photos, cut two ways",
)


# %% [markdown]
# The mean image says how well the faces line up: where features coincide, they survive
# the averaging. Sharpness is the variance of the Laplacian of the mean (higher = more
# edges left).


# %%
def sharpness(image):
    gray = cv2.cvtColor(np.round(image).astype(np.uint8), cv2.COLOR_RGB2GRAY)
    return cv2.Laplacian(gray, cv2.CV_64F).var()


# Aligned crops can reach past a photo's edges, which `warp` leaves black: both means are
# cut to the square that every aligned face fills, so no black frame remains.
mean_aligned, (top, left, side) = faces.mean_face(aligned, size=FACE_SIZE)
mean_centred = faces.mean_face(centred[:, top : top + side, left : left + side], size=FACE_SIZE)[0]
print(f"both means cut to the middle {side}x{side} px")
plots.image_grid(
    [mean_centred[None].astype(np.uint8), mean_aligned[None].astype(np.uint8)],
    [
        f"mean of {len(centred)} centre crops\nsharpness {sharpness(mean_centred):.0f}",
        f"mean of {len(aligned)} aligned faces\nsharpness {sharpness(mean_aligned):.0f}",
    ],
    suptitle="The average face: unaligned vs aligned",
)

# %% [markdown]
# ## 3. A DCGAN trained on the aligned faces
#
# The generator turns a vector of `LATENT_DIM` random numbers into a face; the
# discriminator tells its faces from the aligned ones. Both are the paper's networks
# (strided convolutions, batch norm, ReLU / LeakyReLU, Adam 2e-4 with beta1 0.5), scaled
# down. The same 16 noise vectors are drawn after every epoch: the GIF shows them
# turning from noise into faces.

# %%
# The same square of every aligned face, so that no black edge is there to be learnt.
square = aligned[:, top : top + side, left : left + side]
filled = np.stack([cv2.resize(f, FACE_SIZE[::-1], interpolation=cv2.INTER_LINEAR) for f in square])
real = tf.data.Dataset.from_tensor_slices(filled.astype(np.float32) / 127.5 - 1.0)
real = real.shuffle(len(filled), seed=0).repeat().batch(DCGAN_BATCH, drop_remainder=True)
gan = DCGAN(
    DCGANGenerator(FACE_SIZE, latent_dim=LATENT_DIM, depth=4, base_filters=DCGAN_FILTERS),
    DCGANDiscriminator(FACE_SIZE, depth=4, base_filters=DCGAN_FILTERS),
    seed=0,
)
gan.compile()
fixed_noise = tf.random.stateless_normal((16, LATENT_DIM), seed=[7, 0])
progress = SampleGif(fixed_noise, OUT / "dcgan.gif", title="DCGAN samples", columns=8)
epochs = 2 if SMOKE else 16
history = gan.fit(
    real,
    epochs=epochs,
    steps_per_epoch=max(1, DCGAN_STEPS // epochs),
    callbacks=[progress],
    shuffle=False,  # the pipeline shuffles
    verbose=0 if SMOKE else 2,
).history

# %%
Image(filename=OUT / "dcgan.gif")

# %%
samples = gan.sample(16, seed=1)
plots.image_grid(
    [filled[:4], samples[:4], samples[4:8], samples[8:12]],
    ["real (aligned)", "DCGAN samples", "more samples", "more samples"],
    suptitle=f"Real faces and new ones, after {DCGAN_STEPS} steps",
)

# %% [markdown]
# Has it learnt the face, or memorised photos? For each sample, the L1 distance to the
# nearest training face: a GAN that copies its training set would be near 0. For scale,
# the same for real faces: each one's distance to its nearest *other* real face.

# %%
real_faces = filled.astype(np.float32) / 127.5 - 1.0


def nearest_l1(images, pool, skip_same_index=False):
    """Mean over ``images`` of the L1 distance to the closest image of ``pool``."""
    closest = []
    for i, image in enumerate(images):
        distances = np.abs(pool - image).mean(axis=(1, 2, 3))
        if skip_same_index:
            distances[i] = np.inf
        closest.append(distances.min())
    return float(np.mean(closest))


table = [
    {
        "images": "64 DCGAN samples",
        "L1 to the nearest real face": nearest_l1(gan.sample(64, seed=2), real_faces),
    },
    {
        "images": "64 real faces",
        "L1 to the nearest real face": nearest_l1(real_faces[:64], real_faces, True),
    },
]
Markdown(baselines.markdown_table(table, digits={"L1 to the nearest real face": 3}))

# %% [markdown]
# ## 4. The generator fed pure noise: the average face
#
# What does pix2pix make of an input that says nothing about the target? Two experiments
# on many people (the built-in synthetic faces, or the photos in `DATA`):
#
# * `noise`: the input is uniform random noise, the target a face;
# * `average`: the input is one person, the target another, drawn at random.
#
# In both, the best the generator can do under the L1 loss is the same picture for every
# input: the pixel-wise median of the faces, close to their average. The GAN loss alone
# would reward variety, but with L1 weighted 100 times it barely moves the answer.

# %%
runs = {}
for task in ("noise", "average"):
    config = TrainConfig(
        task=task,
        data=DATA,
        image_size=FACE_SIZE,
        batch_size=4,
        steps=NOISE_STEPS,
        steps_per_epoch=max(1, NOISE_STEPS // 3),
        num_faces=NUM_FACES,
        base_filters=DCGAN_FILTERS,
        learning_rate=5e-4,
    )
    runs[task] = (config, train(config, OUT / task, verbose=0)[0])

# A folder keeps its photos' own size: each is shrunk to the models' size first.
photos_seen = np.stack(
    [
        cv2.resize(p, FACE_SIZE[::-1], interpolation=cv2.INTER_AREA)
        for p, _ in source_photos(DATA, "train", FACE_SIZE, num_faces=NUM_FACES).as_numpy_iterator()
    ]
)
average_face = photos_seen.astype(np.float32).mean(axis=0) / 127.5 - 1.0
columns, titles = [], []
for task, (config, model) in runs.items():
    inputs, targets = next(iter(split_dataset(config, "test", cache=False)[0]))
    columns += [inputs, model(inputs, training=False)]
    titles += [f"{task}: input", f"{task}: output"]
columns.append(np.repeat(average_face[None], len(inputs), axis=0))
titles.append("mean training face")
plots.image_grid(columns, titles, suptitle="Inputs without information give the average face")

# %% [markdown]
# How close is each output to the average face, and to the face it was supposed to draw?

# %%
rows = []
for task, (config, model) in runs.items():
    test_data = split_dataset(config, "test")[0]
    outputs, targets = [], []
    for inputs, target in test_data:
        outputs.append(np.asarray(model(inputs, training=False)))
        targets.append(np.asarray(target))
    outputs, targets = np.concatenate(outputs), np.concatenate(targets)
    mean = np.repeat(average_face[None], len(outputs), axis=0)
    vs_mean = baselines.score_images(mean, outputs)
    vs_target = baselines.score_images(targets, outputs)
    spread = float(np.abs(outputs - outputs.mean(axis=0)).mean())
    rows.append(
        {
            "task": task,
            "SSIM to the mean face": float(vs_mean["ssim"].mean()),
            "SSIM to the target": float(vs_target["ssim"].mean()),
            "L1 between outputs": spread,
        }
    )
Markdown(baselines.markdown_table(rows, digits=dict.fromkeys(rows[0], 3)))

# %% [markdown]
# **What it reaches.** In our run with the defaults above (2 CPU cores shared with other
# jobs, load average 12 to 22 for most of it: 25 minutes for the whole notebook, 9 of them
# the DCGAN's 800 steps):
#
# * **Cutting**: the cascade finds the astronaut's face and both eyes. Of the 400
#   snapshots, 387 are aligned by their eyes and 13 skipped (no face found); the aligned
#   eyes land within 0.28 px of their target (median).
# * **Alignment**: the mean of the 400 centre crops is a blur (sharpness 5), the mean of
#   the 387 aligned faces is a face with eyes, brows, nose and mouth (sharpness 250).
# * **DCGAN**: after 800 steps the samples are recognisably the person (hair, eyes, brows,
#   mouth in the right places) but speckled, and nearly the same picture for every noise
#   vector: the generator has collapsed onto one mode, and the varied backgrounds and
#   shirts of the photos are missing. They are not copies: the mean L1 distance from a
#   sample to its nearest training face is 0.148, against 0.056 between real faces. More
#   steps and a wider network give sharper, more varied faces.
# * **No information in, average face out**: the `average` model (input: another person)
#   draws nearly the same blurred face for everyone, closer to the mean training face
#   (SSIM 0.70) than to the face it should draw (0.51). The `noise` model gives a brown
#   blob with the head's outline (SSIM 0.42 to the mean face, 0.29 to the target): after
#   300 steps it still passes some of the noise through the skip connections.
#
# ## Export
#
# The DCGAN's generator is a Keras model like any other: `export` writes a SavedModel
# that draws faces from random vectors with plain TensorFlow.

# %%
gan.generator.export(str(OUT / "dcgan_generator"), format="tf_saved_model", verbose=False)
served = tf.saved_model.load(str(OUT / "dcgan_generator"))
drawn = served.serve(tf.random.stateless_normal((8, LATENT_DIM), seed=[3, 0])).numpy()
plots.image_mosaic(drawn, "Faces drawn by the exported DCGAN generator (plain TensorFlow)")

# %%
print(f"notebook finished in {time.perf_counter() - STARTED:.0f} s")

"""NIST Special Database 18 (Mugshot Identification Database): front and profile pairs.

The archive unpacks to ``sd18/single/f1_p1/<subdir>/<subject>_<seq>_<view>.png``,
view ``F`` (front), ``L`` or ``R`` (profile), each image with a metadata TXT file
of the same name: 3,248 8-bit grayscale images of 1,573 people. Most people have
exactly one front and one profile; some have several of each, some one view only.

`scan` pairs every front view with a profile of the same person, mirroring left
profiles so that every target faces right (as the original experiment did) or
keeping them as they are, and counts the people it has to skip. `split_pairs`
splits by person, so nobody is in two splits.

Example:
    >>> index = scan("datasets/sd18")
    >>> index.counts()
    {'images': 3248, 'subjects': 1573, 'pairs': ..., ...}
    >>> pairs = nist_pairs("datasets/sd18", "train")
"""

from __future__ import annotations

import collections
import dataclasses
import os
import re

import numpy as np
import tensorflow as tf

from pix2pix_tf.data.faces import FaceCut, warp
from pix2pix_tf.data.image_checks import usable_images
from pix2pix_tf.data.sources import load_image, split_paths

PROFILE_MODES = ("mirror", "keep")
# The outcome of a profile framed like its front view (see `profile_like_front`).
FRAMED_LIKE_FRONT = "framed like front"
# <subject>_<seq>_<view>.png; the subject may itself hold underscores.
_NAME = re.compile(r"^(?P<subject>.+)_(?P<seq>\d+)_(?P<view>[FLR])\.png$", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class MugshotPair:
    """A front view and a profile of one person.

    Attributes:
        subject: the person's id from the file name.
        front: path of the front view.
        profile: path of the profile.
        view: "L" or "R", the profile as photographed.
        mirror: flip the profile left-right so that it faces right.
    """

    subject: str
    front: str
    profile: str
    view: str
    mirror: bool


@dataclasses.dataclass
class NistIndex:
    """What `scan` found.

    Attributes:
        root: the folder scanned.
        pairs: one `MugshotPair` per front view of a person with a profile.
        skipped: reason -> subjects skipped for it ("no profile view", "no front view").
        images: number of recognised images.
        subjects: number of people.
        ignored: PNG files whose names are not ``<subject>_<seq>_<view>.png``.
        metadata: image path -> its TXT metadata as a dict (see `read_metadata`).
    """

    root: str
    pairs: list
    skipped: dict
    images: int
    subjects: int
    ignored: list
    metadata: dict

    def counts(self):
        """Summary counts, for manifests and messages."""
        return {
            "images": self.images,
            "subjects": self.subjects,
            "pairs": len(self.pairs),
            "paired_subjects": len({p.subject for p in self.pairs}),
            "skipped_subjects": {k: len(v) for k, v in sorted(self.skipped.items())},
            "ignored_files": len(self.ignored),
        }


def is_nist(folder):
    """True if ``folder`` holds SD18-named mugshots within a few levels."""
    return any(any(_NAME.match(f) for f in files) for _, _, files in _walk(folder, max_depth=6))


def _walk(folder, max_depth):
    base = os.fspath(folder).rstrip(os.sep).count(os.sep)
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if root.count(os.sep) - base >= max_depth:
            dirs[:] = []
        yield root, dirs, sorted(files)


def read_metadata(path):
    """Key-value lines of an SD18 metadata TXT file (``Key: value`` or ``Key=value``).

    Lines without a separator are kept under "text".
    """
    values, text = {}, []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            key, sep, value = line.partition(":") if ":" in line else line.partition("=")
            if sep and key.strip():
                values[key.strip()] = value.strip()
            elif line:
                text.append(line)
    if text:
        values["text"] = "\n".join(text)
    return values


def scan(folder, profiles="mirror"):
    """Finds the SD18 images under ``folder`` and pairs front views with profiles.

    Each front view gets the profile of the same person taken in the same
    sitting (same sequence number) if there is one, else the nearest sitting;
    right profiles are preferred over left ones.

    Args:
        folder: the unpacked archive (``sd18``) or any folder inside it.
        profiles: "mirror" flips left profiles to face right, like the right
            ones; "keep" leaves them facing left.

    Returns:
        A `NistIndex`.

    Raises:
        FileNotFoundError: ``folder`` does not exist.
        ValueError: no SD18 image is in it, or an unknown ``profiles``.
    """
    if profiles not in PROFILE_MODES:
        raise ValueError(f"profiles must be one of {PROFILE_MODES}, got {profiles!r}.")
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"NIST SD18 folder {folder!r} does not exist.")
    views = collections.defaultdict(lambda: {"F": [], "L": [], "R": []})
    ignored, metadata, images = [], {}, 0
    for root, _, files in _walk(folder, max_depth=16):
        names = set(files)
        for name in files:
            if not name.lower().endswith(".png"):
                continue
            path = os.path.join(root, name)
            match = _NAME.match(name)
            if match is None:
                ignored.append(path)
                continue
            images += 1
            views[match["subject"]][match["view"].upper()].append((int(match["seq"]), path))
            txt = os.path.splitext(name)[0] + ".txt"
            if txt in names:
                metadata[path] = read_metadata(os.path.join(root, txt))
    if not images:
        raise ValueError(
            f"No NIST SD18 images (<subject>_<seq>_<F|L|R>.png) found in {folder!r}; pass the "
            "folder the archive unpacked to (it holds sd18/single/f1_p1/...)."
        )
    pairs, skipped = [], collections.defaultdict(list)
    for subject in sorted(views):
        seen = views[subject]
        fronts = sorted(seen["F"])
        profiles_found = sorted(
            (seq, 0 if v == "R" else 1, v, p) for v in "RL" for seq, p in seen[v]
        )
        if not fronts:
            skipped["no front view"].append(subject)
            continue
        if not profiles_found:
            skipped["no profile view"].append(subject)
            continue
        for seq, front in fronts:
            _, _, view, profile = min(profiles_found, key=lambda x: (abs(x[0] - seq), x[1], x[0]))
            mirror = view == "L" and profiles == "mirror"
            pairs.append(MugshotPair(subject, front, profile, view, mirror))
    return NistIndex(folder, pairs, dict(skipped), images, len(views), ignored, metadata)


def split_pairs(pairs, split, seed=0, fractions=(0.8, 0.1, 0.1)):
    """The pairs of one split; people are split 80/10/10 at random with ``seed``.

    Args:
        pairs: `MugshotPair` list, e.g. ``scan(folder).pairs``.
        split: "train", "val" or "test".
        seed: seed of the split of the people.
        fractions: of the people in train, val and test.

    Returns:
        The pairs of the people of ``split``, in their original order.
    """
    splits = ("train", "val", "test")
    if split not in splits:
        raise ValueError(f"split must be one of {splits}, got {split!r}.")
    subjects = sorted({p.subject for p in pairs})
    chosen = set(split_paths(subjects, fractions, seed=seed)[splits.index(split)])
    return [p for p in pairs if p.subject in chosen]


def load_pair(front, profile, mirror, channels=3):
    """Reads one pair as TF ops; ``mirror`` (a bool tensor) flips the profile."""
    a = load_image(front, channels)
    b = load_image(profile, channels)
    b = tf.cond(mirror, lambda: tf.reverse(b, axis=[1]), lambda: b)
    return a, b


def nist_pairs(folder, split="train", seed=0, profiles="mirror", channels=3):
    """(front, profile) uint8 pairs of one split of NIST SD18, as a `tf.data.Dataset`.

    Args:
        folder: the unpacked archive.
        split: "train", "val" or "test" (people never cross splits).
        seed: seed of the split.
        profiles: "mirror" (every profile faces right) or "keep".
        channels: 1 keeps the grayscale images, 3 repeats the gray into RGB.

    Returns:
        Dataset of ``(front, profile)``, each ``(H, W, channels)``; sizes vary.
    """
    pairs = split_pairs(scan(folder, profiles).pairs, split, seed)
    if not pairs:
        raise ValueError(
            f"The {split!r} split of {folder!r} holds no person; it needs more people."
        )
    # A pair with a broken file on either side is left out (with a warning), so
    # that a pass over the split never stops at it.
    usable = set(usable_images(folder, [p.front for p in pairs] + [p.profile for p in pairs]))
    pairs = [p for p in pairs if p.front in usable and p.profile in usable]
    columns = (
        [p.front for p in pairs],
        [p.profile for p in pairs],
        [p.mirror for p in pairs],
    )
    return tf.data.Dataset.from_tensor_slices(columns).map(
        lambda a, b, m: load_pair(a, b, m, channels), num_parallel_calls=tf.data.AUTOTUNE
    )


def nist_fronts(folder, split="train", seed=0, channels=3):
    """The front views of one split of NIST SD18, for tasks made from single photos.

    Only people with both views are used, so that the splits are those of `nist_pairs`.
    """
    pairs = split_pairs(scan(folder).pairs, split, seed)
    if not pairs:
        raise ValueError(
            f"The {split!r} split of {folder!r} holds no person; it needs more people."
        )
    fronts = usable_images(folder, sorted({p.front for p in pairs}))
    return tf.data.Dataset.from_tensor_slices(fronts).map(
        lambda path: load_image(path, channels), num_parallel_calls=tf.data.AUTOTUNE
    )


def profile_like_front(profile, front_cut, front_shape, size):
    """A profile the face detector missed, cut out as its front view was.

    SD18 mugshots are taken with a fixed framing: the camera, the distance and
    the height of the head are those of the same person's front view. So a
    profile that the Haar profile detector misses (lighting, hair, a low-contrast
    scan) is cut by the transform that cut the front view (scaled where the two
    photos differ in size), rather than dropped with its pair.

    Args:
        profile: the profile photo, uint8 (already mirrored if it is to face right).
        front_cut: the `FaceCut` of the front view (not skipped).
        front_shape: shape of the front photo, for its size.
        size: (height, width) of the crop.

    Returns:
        A `FaceCut` with status `FRAMED_LIKE_FRONT`.
    """
    if front_cut.matrix is None:
        raise ValueError("The front view was skipped: there is no framing to follow.")
    # Profile pixels -> front pixels (the same scene at the front's size) -> the crop.
    to_front = np.diag([front_shape[1] / profile.shape[1], front_shape[0] / profile.shape[0]])
    matrix = np.hstack([front_cut.matrix[:, :2] @ to_front, front_cut.matrix[:, 2:]])
    return FaceCut(
        warp(profile, matrix, size),
        FRAMED_LIKE_FRONT,
        "no profile found: framed like its front view",
        matrix,
        front_cut.landmarks,
    )

"""What `prepare` makes from a raw source: one item per output image and where it goes.

`detect_kind` tells the kind of source from its layout; each kind lists its
items (a photo, an A|B image, or a front/profile pair), split 80/10/10 with
the settings' seed or as the source's own partition says.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os

from pix2pix_tf.data import celeba, nist
from pix2pix_tf.data.faces import EYE_DISTANCE, EYE_HEIGHT, FACE_MODES
from pix2pix_tf.data.file_names import shown as show
from pix2pix_tf.data.image_checks import check_image_file, list_images
from pix2pix_tf.data.image_headers import image_info
from pix2pix_tf.data.sources import DIRECTIONS, split_paths

MANIFEST = "manifest.json"

KINDS = ("auto", "folder", "celeba", "nist", "side-by-side")


FORMATS = ("jpg", "png")


SPLITS = ("train", "val", "test")


SPLIT_FRACTIONS = (0.8, 0.1, 0.1)


@dataclasses.dataclass(frozen=True)
class Settings:
    """How `prepare` cuts and writes; recorded in the manifest."""

    size: tuple = (256, 256)
    faces: str = "align"
    profiles: str = "mirror"
    channels: int = 3
    image_format: str = "jpg"
    seed: int = 0
    direction: str = "AtoB"
    eye_distance: float = EYE_DISTANCE
    eye_height: float = EYE_HEIGHT
    limit: int | None = None

    def __post_init__(self):
        size = tuple(int(s) for s in self.size)
        object.__setattr__(self, "size", size)
        if len(size) != 2 or min(size) < 8:
            raise ValueError(f"size must be (height, width) of at least 8 pixels, got {size}.")
        if self.faces not in FACE_MODES:
            raise ValueError(f"faces must be one of {FACE_MODES}, got {self.faces!r}.")
        if self.profiles not in nist.PROFILE_MODES:
            raise ValueError(
                f"profiles must be one of {nist.PROFILE_MODES}, got {self.profiles!r}."
            )
        if self.channels not in (1, 3):
            raise ValueError(f"channels must be 1 (gray) or 3 (RGB), got {self.channels!r}.")
        if self.image_format not in FORMATS:
            raise ValueError(f"image_format must be one of {FORMATS}, got {self.image_format!r}.")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {self.direction!r}.")
        if not 0 < self.eye_distance < 1 or not 0 < self.eye_height < 1:
            raise ValueError("eye_distance and eye_height are fractions of the image, in (0, 1).")
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"limit must be a positive number of images, got {self.limit}.")


@dataclasses.dataclass(frozen=True)
class _Item:
    """One output file to make: where it goes and what it is made from."""

    split: str
    name: str  # output file name without extension
    sources: tuple  # 1 photo or A|B image, or (front, profile)
    shown: str  # the source as reported in the manifest
    landmarks: tuple | None = None
    mirror: bool = False


def detect_kind(path):
    """The kind of a raw source folder: "celeba", "nist", "side-by-side" or "folder".

    Side-by-side is recognised by pix2pix's split folders (``train/`` ...) of
    images at least 1.5 times as wide as high, or by a paired prepared dataset's manifest.
    """
    path = os.fspath(path)
    if os.path.exists(path) and not os.path.isdir(path):
        raise FileNotFoundError(
            f"Source {path!r} is a file, not a folder; give the folder that holds the photos."
        )
    if not os.path.isdir(path):
        raise FileNotFoundError(f"Source {path!r} does not exist; give a folder of photos.")
    if celeba.is_celeba(path):
        return "celeba"
    if nist.is_nist(path):
        return "nist"
    if any(os.path.isdir(os.path.join(path, s)) for s in SPLITS):
        if (read_manifest(path) or {}).get("paired"):
            return "side-by-side"
        # Headers only, of checked files: opening a FIFO named x.jpg would block for ever.
        paths = list_images(path, check=False)[:5]
        sample = [image_info(p) if check_image_file(p) is None else None for p in paths]
        if all(x is not None and x.width >= 1.5 * x.height for x in sample):
            return "side-by-side"
    return "folder"


def _stems(paths, root):
    """Output names from paths under ``root``: sub-folders joined with "__", unique."""
    relative = [os.path.relpath(p, root) for p in paths]
    stems = [os.path.splitext(r)[0].replace(os.sep, "__") for r in relative]
    counts = collections.Counter(stems)
    # a.jpg and a.png in one folder: the extension keeps them apart.
    return [
        s if counts[s] == 1 else s + "_" + os.path.splitext(r)[1].lstrip(".").lower()
        for s, r in zip(stems, relative)
    ], relative


def folder_items(sources, settings):
    items = []
    for number, root in enumerate(sources):
        # Every file, even broken ones: the manifest lists what was skipped and why.
        paths = list_images(root, check=False)
        names, relative = _stems(paths, root)
        prefix = f"{number}-" if len(sources) > 1 else ""
        for path, name, rel in zip(paths, names, relative):
            items.append((path, prefix + name, show(os.path.join(os.path.basename(root), rel))))
    splits = split_paths(range(len(items)), SPLIT_FRACTIONS, seed=settings.seed)
    made = []
    for split, indices in zip(SPLITS, splits):
        for i in indices:
            path, name, shown = items[i]
            made.append(_Item(split, name, (path,), shown))
    return made, {}


def celeba_items(root, settings):
    data = celeba.load_celeba(root)
    made, attributes = [], {}
    for split in SPLITS:
        for file in data.split_files(split, settings.seed):
            marks = data.landmarks.get(file)
            name = os.path.splitext(file)[0]
            made.append(
                _Item(
                    split,
                    name,
                    (os.path.join(data.image_folder, file),),
                    file,
                    None if marks is None else tuple(map(tuple, marks.tolist())),
                )
            )
            if file in data.attributes:
                attributes[f"{split}/{name}"] = "".join(
                    "1" if v else "0" for v in data.attributes[file]
                )
    extra = {"partition": "official" if data.partition is not None else "by file"}
    if attributes:
        extra["attributes"] = {"names": data.attribute_names, "files": attributes}
    return made, extra


def nist_items(root, settings):
    index = nist.scan(root, settings.profiles)
    made = []
    for split in SPLITS:
        for pair in nist.split_pairs(index.pairs, split, settings.seed):
            name = os.path.splitext(os.path.basename(pair.front))[0]
            where = show(os.path.relpath(pair.front, root))
            made.append(_Item(split, name, (pair.front, pair.profile), where, mirror=pair.mirror))
    return made, {"nist": index.counts()}


def side_by_side_items(root, settings):
    made = []
    has_splits = any(os.path.isdir(os.path.join(root, s)) for s in SPLITS)
    if has_splits:
        for split in SPLITS:
            folder = os.path.join(root, split)
            if os.path.isdir(folder):
                paths = list_images(folder, check=False)
                names, rel = _stems(paths, folder)
                for path, name, relative in zip(paths, names, rel):
                    made.append(_Item(split, name, (path,), show(f"{split}/{relative}")))
    else:
        paths = list_images(root, check=False)
        names, rel = _stems(paths, root)
        for split, indices in zip(
            SPLITS, split_paths(range(len(paths)), SPLIT_FRACTIONS, settings.seed)
        ):
            made += [_Item(split, names[i], (paths[i],), show(rel[i])) for i in indices]
    return made, {"splits_from": "source folders" if has_splits else "by file"}


def read_manifest(out):
    """The manifest.json of a prepared dataset at ``out``, or None if missing or unreadable."""
    try:
        with open(os.path.join(out, MANIFEST), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

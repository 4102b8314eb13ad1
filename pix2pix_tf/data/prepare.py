"""`pix2pix-tf prepare`: a raw source turned into a ready dataset.

The output is the layout `pix2pix_tf.tasks.pairs` reads as "prepared"::

    DIR/train/*.jpg, DIR/val/*.jpg, DIR/test/*.jpg
                        face crops, or input|target side by side for paired sources
    DIR/manifest.json   source, settings, counts per split and per outcome, every
                        skipped file with its reason
    DIR/landmarks.json  "split/name" -> five landmarks in output pixels
    DIR/attributes.json CelebA attributes of each output, where the source has them

Photos are cut and aligned with `pix2pix_tf.data.faces.cut_face`. The dataset is
built in a temporary folder and swapped in whole, so a crash never leaves half a
dataset; the same input and settings give the same bytes, and a rerun on an
unchanged input returns at once.

Example:
    >>> manifest = prepare(["photos/"], "datasets/me", size=(256, 256))
    >>> manifest["counts"]
    {'aligned': 281, 'cropped': 12, 'skipped': 7, ...}
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import functools
import hashlib
import json
import multiprocessing
import os
import stat
from pathlib import Path

import cv2
import numpy as np

from pix2pix_tf import atomic
from pix2pix_tf.data import celeba, nist
from pix2pix_tf.data.faces import cut_face
from pix2pix_tf.data.file_names import unique_names
from pix2pix_tf.data.image_checks import SIZE_PROBLEMS, check_image_file, reason_kind
from pix2pix_tf.data.prepare_items import (
    KINDS,
    MANIFEST,
    SPLITS,
    Settings,
    celeba_items,
    detect_kind,
    folder_items,
    nist_items,
    read_manifest,
    side_by_side_items,
)

LANDMARKS = "landmarks.json"
ATTRIBUTES = "attributes.json"
# 2: NIST SD18 profiles the detector misses are framed like their front view, counted
# in "nist": {"profile_fallbacks": n} (version 1 dropped their pairs).
MANIFEST_VERSION = 2
_JPEG_QUALITY = 95


# --- making one output --------------------------------------------------------------------


def read_rgb(path):
    """An image file as uint8 RGB, or None if OpenCV cannot decode it (EXIF rotation applied)."""
    data = np.fromfile(path, np.uint8)
    try:
        image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    except cv2.error:  # raised, not returned as None, for images over OpenCV's pixel limit
        image = None
    return None if image is None else cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _encode(image, settings):
    if settings.channels == 1:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    else:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    if settings.image_format == "jpg":
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY])
    else:
        ok, data = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise RuntimeError("OpenCV could not encode an image.")
    return data.tobytes()


def _cut(image, settings, role, landmarks=None):
    return cut_face(
        image,
        settings.size,
        mode=settings.faces,
        landmarks=landmarks,
        profile=role == "profile",
        eye_distance=settings.eye_distance,
        eye_height=settings.eye_height,
    )


def _make(item, kind, settings):
    """(file bytes or None, {role: (status, reason)}, landmarks) of one item."""
    # Checked first: a truncated file or a decompression bomb is never decoded.
    problems = [check_image_file(p) for p in item.sources]
    images = [None if why else read_rgb(p) for p, why in zip(item.sources, problems)]
    if kind == "nist":
        roles = ("front", "profile")
    elif kind == "side-by-side":
        roles = ("pair",)
    else:
        roles = ("photo",)
    if any(image is None for image in images):
        # Size limits are reasons of their own; every other file that cannot be read
        # whole is an "unreadable image", and the manifest's "detail" says why.
        why = "; ".join(
            problem if problem and reason_kind(problem) in SIZE_PROBLEMS else "unreadable image"
            for problem, image in zip(problems, images)
            if image is None
        )
        return None, {r: ("skipped", why) for r in roles}, None

    if kind == "side-by-side":
        (image,) = images
        half = image.shape[1] // 2
        a, b = image[:, :half], image[:, half:]
        if settings.direction == "BtoA":
            a, b = b, a
        cuts = [cut_face(x, settings.size, mode="none") for x in (a, b)]
        output = np.concatenate([c.image for c in cuts], axis=1)
        return _encode(output, settings), {"pair": ("resized", None)}, None

    if kind == "nist":
        front, profile = images
        if item.mirror:
            profile = np.ascontiguousarray(profile[:, ::-1])
        cuts = {
            "front": _cut(front, settings, "front"),
            "profile": _cut(profile, settings, "profile"),
        }
        if cuts["profile"].image is None and cuts["front"].image is not None:
            cuts["profile"] = nist.profile_like_front(
                profile, cuts["front"], front.shape, settings.size
            )
        outcome = {r: (c.status, c.reason) for r, c in cuts.items()}
        if any(c.image is None for c in cuts.values()):
            return None, outcome, None
        output = np.concatenate([cuts["front"].image, cuts["profile"].image], axis=1)
        return _encode(output, settings), outcome, cuts["front"].landmarks

    cut = _cut(images[0], settings, "photo", item.landmarks)
    outcome = {"photo": (cut.status, cut.reason)}
    if cut.image is None:
        return None, outcome, None
    return _encode(cut.image, settings), outcome, cut.landmarks


# --- the whole dataset --------------------------------------------------------------------


def source_digest(paths, roots):
    """SHA-256 over the names (relative to their root) and bytes of the source files.

    Only regular files are read. What cannot be (a broken link, a link loop, a
    file without read permission, a FIFO, which would block for ever) adds its
    kind instead: the digest still changes when it is fixed, and `_make` skips
    it with its reason.
    """
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(paths.get(root, ())):
            # fsencode: a name that is not UTF-8 is hashed by its bytes.
            digest.update(os.fsencode(os.path.relpath(path, root)) + b"\0")
            _hash_file(digest, path)
    return digest.hexdigest()


def _hash_file(digest, path):
    try:
        # Non-blocking: opening a FIFO for reading otherwise waits for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        digest.update(f"\0unreadable {error.errno}\0".encode())
        return
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            digest.update(b"\0not a regular file\0")
            return
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)


def _source_files(items, kind, roots):
    """Every file the output depends on, by root: the images and the text files."""
    files = collections.defaultdict(set)
    for item in items:
        for path in item.sources:
            # By the path as listed: a link may point anywhere, even nowhere.
            root = next(r for r in roots if os.path.commonpath([path, r]) == r)
            files[root].add(path)
            if kind == "nist":
                txt = os.path.splitext(path)[0] + ".txt"
                if os.path.isfile(txt):
                    files[root].add(txt)
    if kind == "celeba":
        files[roots[0]].update(os.path.abspath(p) for p in celeba.load_celeba(roots[0]).text_files)
    return files


def _inside(path, folder):
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([path, folder]) == folder


def _check_out(out, sources):
    for source in sources:
        if _inside(out, source) or _inside(source, out):
            raise ValueError(
                f"--out {out} and the source {source} overlap; write the dataset to a folder "
                "outside the source (the rebuild would otherwise replace or read itself)."
            )
    atomic.check_replaceable(out, MANIFEST, "a dataset made by prepare", "the dataset")

    # The dataset is built beside ``out`` and swapped in: that folder must be writable.
    atomic.check_output_folder(Path(out).absolute().parent, f"the dataset {out}")


def prepare(
    sources,
    out,
    kind="auto",
    settings=None,
    workers=1,
    force=False,
    progress=True,
    **options,
):
    """Turns raw sources into a prepared dataset in ``out``; returns its manifest.

    Args:
        sources: one folder, or several folders of photos that make one dataset.
        out: the dataset folder; replaced whole when the build succeeds.
        kind: "auto" (from the layout), "folder" (any photos), "celeba", "nist"
            or "side-by-side" (pix2pix A|B images).
        settings: a `Settings`; or pass its fields as keyword arguments
            (``size=(320, 256)``, ``faces="crop"``, ...).
        workers: processes cutting faces in parallel; 1 runs in this one.
        force: rebuild even if ``out`` was made from the same input and settings.
        progress: show a progress bar.

    Returns:
        The manifest dict (also written to ``out/manifest.json``), with
        ``"up_to_date": True`` added when nothing had to be done.
    """
    if settings is None:
        settings = Settings(**options)
    elif options:
        settings = dataclasses.replace(settings, **options)
    sources = [os.fspath(s) for s in ([sources] if isinstance(sources, (str, Path)) else sources)]
    if not sources:
        raise ValueError("Give at least one source folder.")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}.")
    kinds = {detect_kind(s) for s in sources}
    if kind == "auto":
        if len(kinds) > 1:
            raise ValueError(
                f"The sources are of different kinds ({sorted(kinds)}); prepare each alone."
            )
        kind = kinds.pop()
    if kind != "folder" and len(sources) > 1:
        raise ValueError(f"A {kind} source is one folder; got {len(sources)}.")
    out = os.fspath(out)
    _check_out(out, sources)

    if kind == "folder":
        items, extra = folder_items(sources, settings)
    elif kind == "celeba":
        items, extra = celeba_items(sources[0], settings)
    elif kind == "nist":
        items, extra = nist_items(sources[0], settings)
    else:
        items, extra = side_by_side_items(sources[0], settings)
    if settings.limit is not None:
        # The first names, whatever their split, so that every split keeps its share.
        first = set(sorted(range(len(items)), key=lambda i: items[i].name)[: settings.limit])
        items = [item for i, item in enumerate(items) if i in first]
    if not items:
        raise ValueError(f"Nothing to prepare in {', '.join(sources)}.")

    roots = [os.path.abspath(s) for s in sources]
    # Unique in each split, ignoring case: two items never write one file (dup.jpg, dup.JPG).
    names = {s: iter(unique_names(i.name for i in items if i.split == s)) for s in SPLITS}
    items = [
        dataclasses.replace(
            i, name=next(names[i.split]), sources=tuple(os.path.abspath(p) for p in i.sources)
        )
        for i in items
    ]
    manifest = {
        "version": MANIFEST_VERSION,
        "kind": kind,
        "sources": roots,
        "source_digest": source_digest(_source_files(items, kind, roots), roots),
        "settings": dataclasses.asdict(settings),
        "paired": kind in ("nist", "side-by-side"),
    }
    existing = read_manifest(out)
    if not force and existing and all(existing.get(k) == v for k, v in _json(manifest).items()):
        return {**existing, "up_to_date": True}

    attributes = extra.pop("attributes", None)
    make = functools.partial(_make, kind=kind, settings=settings)
    outcomes = collections.Counter()
    reasons = collections.Counter()
    skipped, landmarks, written, done = [], {}, collections.Counter(), set()
    fallbacks = 0
    extension = "." + settings.image_format
    with atomic.directory(out) as tmp:
        for split in SPLITS:
            (tmp / split).mkdir()
        for item, (data, outcome, marks) in zip(items, _run(make, items, workers, progress)):
            for role, (status, reason) in outcome.items():
                outcomes[f"{role} {status}" if len(outcome) > 1 else status] += 1
                if reason is not None:
                    # Counted by kind ("too small"); the skipped list keeps the details.
                    kind_of = reason_kind(reason)
                    reasons[f"{role}: {kind_of}" if len(outcome) > 1 else kind_of] += 1
            if data is None:
                why = "; ".join(
                    f"{r}: {why}" if len(outcome) > 1 else why
                    for r, (s, why) in outcome.items()
                    if s == "skipped"
                )
                entry = {"source": item.shown, "reason": why}
                # What is wrong inside a file that cannot be read, where a check can tell.
                details = "; ".join(d for d in map(check_image_file, item.sources) if d)
                if details and details != why:
                    entry["detail"] = details
                skipped.append(entry)
                continue
            fallbacks += outcome.get("profile", (None,))[0] == nist.FRAMED_LIKE_FRONT
            relative = f"{item.split}/{item.name}{extension}"
            # Plain writes: the folder is private until atomic.directory swaps it in whole.
            (tmp / relative).write_bytes(data)
            written[item.split] += 1
            done.add(f"{item.split}/{item.name}")
            if marks is not None:
                landmarks[relative] = np.round(np.asarray(marks), 2).tolist()
        manifest.update(extra)
        if kind == "nist":
            manifest["nist"] = {**manifest["nist"], "profile_fallbacks": fallbacks}
        manifest.update(
            {
                "splits": {s: written[s] for s in SPLITS},
                "counts": {"inputs": len(items), "written": sum(written.values()), **outcomes},
                "reasons": dict(sorted(reasons.items())),
                "skipped": skipped,
            }
        )
        if landmarks:
            manifest["landmarks"] = LANDMARKS
            atomic.write_json(tmp / LANDMARKS, landmarks)
        if attributes:
            kept = {k + extension: v for k, v in attributes["files"].items() if k in done}
            manifest["attributes"] = ATTRIBUTES
            atomic.write_json(tmp / ATTRIBUTES, {"names": attributes["names"], "files": kept})
        manifest = _json(manifest)
        atomic.write_json(tmp / MANIFEST, manifest)
    return manifest


def _json(value):
    """``value`` as it reads back from JSON (tuples become lists), for comparisons."""
    return json.loads(json.dumps(value, default=atomic._jsonable))


def _run(make, items, workers, progress):
    """``make`` over ``items`` in order, in ``workers`` processes, with a progress bar."""
    from tqdm import tqdm

    bar = tqdm(total=len(items), desc="prepare", unit="image", disable=not progress)
    try:
        if workers <= 1:
            for item in items:
                yield make(item)
                bar.update()
            return
        # Spawned, not forked: the parent may hold TensorFlow's threads.
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
            for result in pool.map(make, items, chunksize=16):
                yield result
                bar.update()
    finally:
        bar.close()

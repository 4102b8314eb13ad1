"""Running an exported generator on image files of any size, with any installed runtime."""

import os
from pathlib import Path

import cv2
import numpy as np

from pix2pix_tf import atomic
from pix2pix_tf.data.file_names import unique_names
from pix2pix_tf.data.image_headers import MAX_PIXELS, BadImageError, image_info
from pix2pix_tf.serving.export import UINT8_ENDPOINT, load_exported, read_metadata
from pix2pix_tf.serving.runtimes import open_exported


def read_image(path, channels, max_pixels=MAX_PIXELS, name=None):
    """uint8 (H, W, channels) RGB or gray array of an image file; clear error if unreadable.

    16-bit images become 8-bit and EXIF-rotated photos are turned upright.
    ``name`` stands for the path in error messages (e.g. "the upload").
    """
    path = Path(path)
    name = name or str(path)
    if not path.is_file():
        raise FileNotFoundError(f"No image at {name}.")
    # Any size that exists is fine here (the export pads), but not a decompression bomb.
    try:
        image_info(path, min_side=1, max_pixels=max_pixels)
    except BadImageError as error:
        raise ValueError(f"{name}: {error}.") from None
    image = cv2.imread(str(path), cv2.IMREAD_COLOR if channels == 3 else cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise ValueError(f"{name} is not an image OpenCV can read (empty, broken or unknown).")
    if channels == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return image[..., None]


def read_mask(path, max_pixels=MAX_PIXELS, name=None):
    """uint8 (H, W, 1) mask of an image file: 255 where to fill, 0 elsewhere.

    The one reading of a mask, for `predict_files` and `pix2pix-tf serve`: any
    format OpenCV reads, gray or colour; a pixel is to be filled where any of its
    colour channels is above 127 (white, or any bright paint); alpha is ignored.
    """
    image = read_image(path, 3, max_pixels=max_pixels, name=name or f"the mask {path}")
    return np.where(image.max(axis=-1, keepdims=True) > 127, 255, 0).astype(np.uint8)


def check_mask_size(mask, image, mask_name="the mask", image_name="the image"):
    """Raises ValueError unless ``mask`` has the height and width of ``image``."""
    if mask.shape[:2] != image.shape[:2]:
        raise ValueError(
            f"{mask_name} is {mask.shape[1]}x{mask.shape[0]} pixels, {image_name} "
            f"{image.shape[1]}x{image.shape[0]}: they must be the same size."
        )


def mask_files(images, masks):
    """The mask file of each image: ``masks`` itself, or its file with the image's name stem.

    Args:
        images: the image files.
        masks: one mask file (for one image), or a folder holding a mask per
            image, named like it in any image format (``photo.jpg`` <- ``photo.png``).

    Raises:
        FileNotFoundError: ``masks`` does not exist, or lacks the mask of an
            image (each missing one is named).
        ValueError: one mask file for several images, or two files of one stem.
    """
    masks = Path(masks)
    if not masks.exists():
        raise FileNotFoundError(f"No mask at {masks}: give a mask image or a folder of them.")
    if masks.is_file():
        if len(images) != 1:
            raise ValueError(
                f"--mask {masks} is one file for {len(images)} photos: give a folder of "
                "masks named like the photos (photo.jpg <- masks/photo.png)."
            )
        return [masks]
    by_stem = {}
    for file in sorted(masks.iterdir()):
        if file.is_file() and not file.name.startswith("."):
            by_stem.setdefault(file.stem, []).append(file)
    found, missing = [], []
    for image in map(Path, images):
        # A folder of both photos and masks: a photo is not its own mask.
        candidates = [f for f in by_stem.get(image.stem, []) if not _same_file(f, image)]
        if len(candidates) > 1:
            names = ", ".join(f.name for f in candidates)
            raise ValueError(f"{masks} has {len(candidates)} masks for {image}: {names}. Keep one.")
        if candidates:
            found.extend(candidates)
        else:
            missing.append(image)
    if missing:
        listed = ", ".join(f"{m} ({m.stem}.*)" for m in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise FileNotFoundError(
            f"{masks} has no mask for {len(missing)} photo(s): {listed}{more}. Each photo "
            "needs a mask file with its name stem, in any image format."
        )
    return found


def _same_file(a, b):
    return os.path.realpath(a) == os.path.realpath(b)


def write_image(path, image):
    """Writes a uint8 RGB or gray array as PNG, atomically."""
    if image.shape[-1] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise ValueError(f"Could not encode an image of shape {image.shape} as PNG.")
    atomic.write_bytes(path, encoded.tobytes())


def output_paths(images, out_dir):
    """Where the prediction of each image goes: ``out_dir/<name>.png``, never over a file.

    Inputs with the same name (``a/dup.jpg`` and ``b/dup.JPG``, or one image given
    twice) get ``dup.png`` and ``dup_2.png``: names are unique ignoring case, as
    macOS and Windows folders need.

    Raises:
        ValueError: an output would replace a file that exists (an input or an
            earlier prediction); nothing is written.
    """
    targets = [Path(out_dir) / f"{name}.png" for name in unique_names(Path(p).stem for p in images)]
    inputs = {os.path.realpath(p) for p in images}
    taken = [t for t in targets if os.path.lexists(t)]
    if taken:
        listed = ", ".join(
            f"{t} ({'an input image' if os.path.realpath(t) in inputs else 'exists'})"
            for t in taken[:5]
        ) + (f" and {len(taken) - 5} more" if len(taken) > 5 else "")
        raise ValueError(
            f"predict never writes over a file, and {len(taken)} output(s) would: {listed}. "
            "Choose a new or empty --out folder; nothing was written."
        )
    return targets


def predict_files(
    exported,
    images,
    out_dir,
    runtime="auto",
    precision="fp32",
    endpoint=UINT8_ENDPOINT,
    masks=None,
):
    """Translates each image file with an exported generator; returns the written paths.

    Everything is checked before the first output is written: the output
    folder, that no output replaces a file (`output_paths`), the export, the
    runtime, every image and every mask.

    Args:
        exported: the folder written by `export_generator`.
        images: image files, any size.
        out_dir: folder of the PNG outputs.
        runtime, precision: as for `runtimes.open_exported` ("auto": the
            fastest runtime installed that the folder has a model for).
        endpoint: the uint8 signature; another than ``serve_uint8`` (``b_to_a_uint8``
            of an exported CycleGAN) runs the SavedModel with TensorFlow.
        masks: for an export with ``mask_input`` (or a find-fill export, which
            otherwise finds the occlusion itself), and only for one: a mask image
            (one image), or a folder of a mask per image named by its stem (see
            `mask_files`); read by `read_mask`, of the image's size.
    """
    atomic.check_output_folder(out_dir, "the predictions")
    targets = output_paths(images, out_dir)
    mask_input = False
    if endpoint != UINT8_ENDPOINT:
        if masks is not None:
            raise ValueError(f"--mask is for a mask-input export, not {endpoint!r}.")
        served = load_exported(exported)
        if not hasattr(served, endpoint):
            raise ValueError(
                f"{exported} has no {endpoint!r} signature; was it exported by CycleGAN?"
            )
        channels = read_metadata(exported).get("generator", {}).get("input_channels", 3)
        translate = lambda batch: getattr(served, endpoint)(batch).numpy()  # noqa: E731
    else:
        if masks is not None and read_metadata(exported).get("mask_optional"):
            # A find-fill export finds the occlusion, or fills a given mask: that
            # signature is the SavedModel's (the other formats hold the blind one).
            if runtime not in ("auto", "tensorflow") or precision != "fp32":
                raise ValueError(
                    f"{exported} fills a given mask in its SavedModel only: leave out "
                    f"--runtime {runtime} / --precision {precision} with --mask."
                )
            runtime = "tensorflow"
        runner = open_exported(exported, runtime, precision)
        mask_input = runner.mask_input
        if masks is not None and runner.mask_optional:
            channels, mask_input, translate = runner.input_channels, True, runner.serve_uint8
        elif mask_input and masks is None:
            raise ValueError(
                f"{exported} takes a mask beside each photo: pass --mask FILE|DIR (white "
                f"where to fill), paint it in `pix2pix-tf serve {exported}`, or call the "
                "runner with the masks."
            )
        elif masks is not None and not mask_input:
            raise ValueError(
                f"{exported} takes no mask (it was not exported with mask_input); drop --mask."
            )
        else:
            channels, translate = runner.input_channels - int(mask_input), runner.serve_uint8
    arrays = [read_image(p, channels) for p in images]  # fail before writing
    mask_arrays = [None] * len(arrays)
    if mask_input:
        mask_paths = mask_files(images, masks)
        mask_arrays = [read_mask(m) for m in mask_paths]
        for mask, image, mask_path, path in zip(mask_arrays, arrays, mask_paths, images):
            check_mask_size(mask, image, f"the mask {mask_path}", f"the photo {path}")
    for target, image, mask in zip(targets, arrays, mask_arrays):
        output = translate(image[None]) if mask is None else translate(image[None], mask[None])
        write_image(target, np.ascontiguousarray(output[0]))
    return targets

"""Which image files in a folder can be used, and why the others cannot.

Folders are checked before any work: `list_images` leaves out files that could
not be read to the end (empty, not an image, truncated, damaged headers or
checksums, too small, too large), counts them and warns with the reason for
each, so that training never stops at a bad file mid-epoch. `scan_images`
gives the full list.
"""

import collections
import dataclasses
import os
import warnings
from stat import S_ISREG

from pix2pix_tf.data.file_names import name_problem, shown
from pix2pix_tf.data.image_headers import MAX_PIXELS, MIN_SIDE, BadImageError, image_info

# Formats tf.io.decode_image reads.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
SIZE_PROBLEMS = ("too small", "too large")  # kinds of reasons (`reason_kind`) about size
# Skipped files named one by one in the warning of `list_images`.
_SHOWN_SKIPS = 10
# path -> ((size, mtime_ns, min_side, max_pixels), ImageInfo or reason): each file is
# checked once per process while it does not change.
_checked = {}


def check_image_file(path, min_side=MIN_SIDE, max_pixels=MAX_PIXELS):
    """Why an image file cannot be used, or None if it can (see `image_info`).

    Results are remembered per file while its size and modification time stay
    the same, so that listing the same folder again costs only a `stat`. Names
    that are not UTF-8, broken links, link loops, unreadable files and things
    that are not files (a FIFO would block the reader for ever) get a reason too.
    """
    path = os.fspath(path)
    problem = name_problem(path)
    if problem is not None:
        return problem
    try:
        stat = os.stat(path)
        if not S_ISREG(stat.st_mode):
            return "not a regular file: a FIFO, socket or device, which cannot be read as an image"
        key = (stat.st_size, stat.st_mtime_ns, min_side, max_pixels)
        if path in _checked and _checked[path][0] == key:
            return _checked[path][1]
        try:
            image_info(path, min_side, max_pixels)
            reason = None
        except BadImageError as error:
            reason = str(error)
    except FileNotFoundError:
        if os.path.islink(path):
            target = shown(os.readlink(path))
            return f"broken symbolic link: it points to {target!r}, which is missing"
        return "cannot be read: it no longer exists"
    except OSError as error:
        return f"cannot be read: {error.strerror or error}"
    _checked[path] = (key, reason)
    return reason


def reason_kind(reason):
    """The kind of problem a reason names, for counting: "truncated JPEG", "too small", ..."""
    return reason.split(":")[0]


@dataclasses.dataclass(frozen=True)
class ImageScan:
    """The images of a folder, split into usable ones and skipped ones.

    Attributes:
        folder: the folder scanned.
        paths: sorted paths of the usable images.
        skipped: ``{"source": path, "reason": why}`` of each file left out.
    """

    folder: str
    paths: list
    skipped: list

    def counts(self):
        """``{"usable": n, "skipped": m, <kind of problem>: k, ...}``."""
        kinds = collections.Counter(reason_kind(s["reason"]) for s in self.skipped)
        return {
            "usable": len(self.paths),
            "skipped": len(self.skipped),
            **dict(sorted(kinds.items())),
        }

    def summary(self):
        """A message naming the skipped files and their reasons; "" if none."""
        if not self.skipped:
            return ""
        kinds = ", ".join(
            f"{n} {k}" for k, n in self.counts().items() if k not in ("usable", "skipped")
        )
        listed = "".join(
            f"\n  {shown(os.path.relpath(s['source'], self.folder))}: {s['reason']}"
            for s in self.skipped[:_SHOWN_SKIPS]
        )
        more = len(self.skipped) - _SHOWN_SKIPS
        rest = (
            f"\n  ... and {more} more; pix2pix_tf.data.image_checks.scan_images"
            f"({self.folder!r}).skipped lists them all"
            if more > 0
            else ""
        )
        return (
            f"Skipped {len(self.skipped)} of {len(self.skipped) + len(self.paths)} image files "
            f"in {shown(self.folder)} ({kinds}):{listed}{rest}\nFix or remove them to use them; "
            "`pix2pix-tf prepare` also lists every skipped file in its manifest.json."
        )


def _walk_images(folder, recursive, extensions):
    extensions = tuple(e.lower() for e in extensions)
    unsupported = [e for e in extensions if e not in IMAGE_EXTENSIONS]
    if unsupported:
        raise ValueError(
            f"Cannot decode {unsupported}; extensions must be among {IMAGE_EXTENSIONS}."
        )
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"Image folder {folder!r} does not exist or is not a folder.")
    paths = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        paths += [
            os.path.join(root, f)
            for f in files
            if f.lower().endswith(extensions) and not f.startswith(".")
        ]
        if not recursive:
            break
    if not paths:
        where = " or its sub-folders" if recursive else ""
        raise ValueError(f"No images ({', '.join(extensions)}) found in {folder!r}{where}.")
    return sorted(paths)


def scan_images(
    folder,
    recursive=True,
    extensions=IMAGE_EXTENSIONS,
    min_side=MIN_SIDE,
    max_pixels=MAX_PIXELS,
):
    """Lists the image files of a folder and checks each one (see `image_info`).

    Args:
        folder, recursive, extensions: as for `list_images`.
        min_side, max_pixels: the size limits of `image_info`.

    Returns:
        An `ImageScan` with the usable paths and every skipped file with its reason.
    """
    return _scan_paths(folder, _walk_images(folder, recursive, extensions), min_side, max_pixels)


def _scan_paths(folder, paths, min_side=MIN_SIDE, max_pixels=MAX_PIXELS):
    usable, skipped = [], []
    for path in paths:
        reason = check_image_file(path, min_side, max_pixels)
        if reason is None:
            usable.append(path)
        else:
            skipped.append({"source": path, "reason": reason})
    return ImageScan(os.fspath(folder), usable, skipped)


def list_images(folder, recursive=True, extensions=IMAGE_EXTENSIONS, check=True):
    """Lists the image files in a folder, sorted, leaving out those that cannot be used.

    Extensions match case-insensitively; hidden files (such as macOS ``._*``
    resource forks, which are not images) are skipped. With ``check``, each
    file is checked without decoding it (`image_info`): files that are empty,
    not images, truncated, damaged, smaller than `MIN_SIDE` or larger than
    `MAX_PIXELS` are left out, and a warning counts them and names each with
    its reason (`scan_images` gives the full list).

    Args:
        folder: path of the folder.
        recursive: also look in sub-folders.
        extensions: file name endings to accept, each among `IMAGE_EXTENSIONS`.
        check: leave out the files that cannot be used; False lists every file.

    Returns:
        Sorted list of file paths as strings.

    Raises:
        FileNotFoundError: the folder does not exist.
        ValueError: an extension tf cannot decode, no images in the folder, or
            none of them usable.
    """
    paths = _walk_images(folder, recursive, extensions)
    return usable_images(folder, paths) if check else paths


def usable_images(folder, paths):
    """``paths`` (files of ``folder``) less those that cannot be used, as `list_images` does.

    Splitting every file first and checking each split after keeps a file that
    breaks, or gets fixed, from moving other files between splits.

    Raises:
        ValueError: none of ``paths`` can be used; the message lists why.
    """
    folder = os.fspath(folder)
    scan = _scan_paths(folder, paths)
    if not scan.paths:
        raise ValueError(f"None of the image files in {folder!r} can be used. " + scan.summary())
    if scan.skipped:
        warnings.warn(scan.summary(), UserWarning, stacklevel=3)
    return scan.paths

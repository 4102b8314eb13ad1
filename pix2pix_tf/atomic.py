"""Atomic file writes: a crash leaves the previous good version, never half a file.

Everything is written to a temporary sibling first, flushed to disk, then moved
into place with `os.replace`, which is atomic on POSIX and Windows file systems.
"""

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path


def write_bytes(path, data):
    """Writes ``data`` to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path, text):
    """Writes ``text`` (UTF-8) to ``path`` atomically."""
    write_bytes(path, text.encode("utf-8"))


def write_json(path, obj):
    """Writes ``obj`` as indented JSON to ``path`` atomically."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=_jsonable) + "\n")


def _jsonable(value):
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def directory(path):
    """Builds a directory in a temporary sibling and swaps it in when the block ends.

    The old directory, if any, stays whole until the new one is complete; if the
    block raises, the temporary directory is removed and the old one is untouched.

    Example:
        >>> with directory("export/generator") as tmp:
        ...     write_files_into(tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; a result should not be
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if path.exists():
        old = path.with_name(f".{path.name}.old.{os.getpid()}")
        os.replace(path, old)
    os.replace(tmp, path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def check_output_folder(folder, what="the output"):
    """Raises PermissionError now if files cannot be written in ``folder``, before any work.

    Creates nothing: writes and removes a probe file in ``folder``, or in its
    nearest existing parent if it does not exist yet.

    Args:
        folder: where files will be written.
        what: what goes there, for the message.
    """
    folder = Path(folder).absolute()
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        if not existing.is_dir():
            raise NotADirectoryError(20, f"{existing} is a file, not a folder")
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".write_test.")
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise PermissionError(
            f"Cannot write {what} to {folder}: {error.strerror or error}. Choose another "
            "--out folder or fix its permissions; nothing was done."
        ) from None

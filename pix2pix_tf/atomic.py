"""Atomic file writes: a crash leaves the previous good version, never half a file.

Everything is written to a temporary sibling first, flushed to disk, then moved
into place with `os.replace`, which is atomic on POSIX and Windows file systems.
"""

import contextlib
import glob
import json
import os
import re
import shutil
import signal
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


def read_json(path, remedy):
    """The JSON in ``path``; a ValueError naming the file and ``remedy`` if it is damaged.

    Args:
        path: the file.
        remedy: what to do about a damaged file, e.g. "Run `pix2pix-tf prepare` again."
    """
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (ValueError, UnicodeDecodeError) as error:  # JSONDecodeError is a ValueError
        raise ValueError(f"{path} is damaged (not valid JSON: {error}). {remedy}") from None


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

    A process killed before it could clean up (SIGKILL, power loss) leaves its
    temporary folder, named with its process id: the next call for ``path``
    removes those of processes that are gone.

    Example:
        >>> with directory("export/generator") as tmp:
        ...     write_files_into(tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(path)
    prefix = f".{path.name}.{os.getpid()}."
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=prefix, suffix=".tmp"))
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


# What follows ".NAME." in the temporary folders of `directory`: "PID.XXXX.tmp" (mkdtemp's
# random part has no dots) or "old.PID".
_STALE = re.compile(r"(\d+)\.[A-Za-z0-9_]+\.tmp|old\.(\d+)")


def _process_is_gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists, as another user's process
        return False
    return False


def remove_stale(path):
    """Removes the temporary folders of `directory` (path) left by processes that are gone.

    They are ``.NAME.PID.XXXX.tmp`` (being built) and ``.NAME.old.PID`` (being
    replaced); those of running processes, this one included, are left alone.
    """
    path = Path(path)
    for entry in path.parent.glob(f".{glob.escape(path.name)}.*"):
        # Exactly these shapes: ".a.5" has its own ".a.5.PID.XXXX.tmp", not ".a"'s.
        match = _STALE.fullmatch(entry.name[len(path.name) + 2 :])
        if match and entry.is_dir() and _process_is_gone(int(match.group(1) or match.group(2))):
            shutil.rmtree(entry, ignore_errors=True)


def exit_on_sigterm():
    """Makes SIGTERM (``kill``, a job scheduler's stop) raise SystemExit in the main thread.

    By default SIGTERM ends Python at once, skipping ``finally`` blocks: the
    temporary files and folders of unfinished writes would stay behind. As an
    exception, the cleanups run; the exit status is still 128 + 15.
    """

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, stop)


def check_replaceable(folder, marker, made_by, what):
    """Raises ValueError unless `directory` may replace ``folder`` whole without loss.

    It may if ``folder`` does not exist, is empty, or holds ``marker``, the file
    that the command which makes such folders writes in each.

    Args:
        folder: the folder to replace.
        marker: name of the file that shows who made it, e.g. "manifest.json".
        made_by: what such a folder is, e.g. "a dataset made by prepare".
        what: what goes there, for the message.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{folder} is a file, not a folder; give a new folder for {what}.")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / marker).is_file():
        raise ValueError(
            f"{folder} exists and is not {made_by} (no {marker}); writing {what} replaces the "
            "folder whole, so its files would be lost. Choose a new or empty folder."
        )


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

"""A quiet start: TensorFlow's C++ start-up lines hidden unless asked for.

Importing TensorFlow prints a dozen lines to the process's stderr on a machine
without a GPU (CUDA probing, ``cuInit`` failing, oneDNN and CPU-instruction
notices), before any of our code can run. Most obey ``TF_CPP_MIN_LOG_LEVEL``;
those written before absl's logging starts (``All log messages before
absl::InitializeLog() ...``) and the ``cuInit`` error do not. `quiet_start`,
called by ``pix2pix_tf/__init__.py`` before anything imports TensorFlow, sets the
variable's default to 2 (errors only) and holds back, while TensorFlow is
imported and probes its devices, exactly the lines in `START_UP_NOISE`; every
other line still reaches stderr, in order.

Nothing is hidden when the user chose a level (``TF_CPP_MIN_LOG_LEVEL`` set) or
ran ``pix2pix-tf --verbose ...``.

This module imports only the standard library: it runs before TensorFlow.
"""

import contextlib
import os
import re
import sys
import tempfile

LEVEL_VARIABLE = "TF_CPP_MIN_LOG_LEVEL"
QUIET_LEVEL = "2"  # C++ INFO and WARNING hidden, ERROR shown
VERBOSE_FLAG = "--verbose"
# Set beside the level when we chose it, so that child processes (prepare's workers,
# converters) tell our default from a level the user set, and stay quiet too.
_OURS = "PIX2PIX_TF_QUIET_START"
# Start-up lines of TensorFlow that say nothing a user of this library can act on.
START_UP_NOISE = re.compile(
    "|".join(
        (
            r"All log messages before absl::InitializeLog\(\) is called",
            r"oneDNN custom operations are on",
            r"Could not find cuda drivers on your machine",
            r"failed call to cuInit",
            r"cpu_feature_guard\.cc",
            r"^To enable the following instructions: .* rebuild TensorFlow",
            r"Unable to register cu(DNN|FFT|BLAS) factory",
            r"computation placer already registered",
            r"TF-TRT Warning: Could not find TensorRT",
            r"Could not load dynamic library 'lib(cuda|cudart|cudnn|nvinfer)",
            r"Cannot dlopen some GPU libraries",
        )
    )
)
# The programs whose command line `cli_verbose` reads: the console script, and
# `python -m pix2pix_tf.cli`, during whose package import sys.argv[0] is "-m".
_PROGRAMS = ("pix2pix-tf", "pix2pix-tf.exe", "-m")


def cli_verbose(argv=None):
    """True if this process is ``pix2pix-tf --verbose ...`` (the flag before the command)."""
    argv = sys.argv if argv is None else argv
    if not argv or os.path.basename(argv[0]) not in _PROGRAMS:
        return False
    for arg in argv[1:]:
        if arg == VERBOSE_FLAG:
            return True
        if not arg.startswith("-"):  # the command: later flags are its own
            return False
    return False


def is_noise(line):
    """True for a TensorFlow start-up line in `START_UP_NOISE`."""
    return START_UP_NOISE.search(line) is not None


@contextlib.contextmanager
def filtered_stderr(drop=is_noise):
    """Holds back the lines of file descriptor 2 for which ``drop`` is true.

    C++ writes to the descriptor, not to ``sys.stderr``, so the descriptor is
    pointed at a temporary file for the duration and the kept lines are written
    to the real stderr afterwards (also when the body raises).
    """
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all (a daemon): nothing to filter
        yield
        return
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            kept = [
                line
                for line in caught.read().splitlines(keepends=True)
                if not drop(line.decode("utf-8", "replace"))
            ]
            if kept:
                os.write(2, b"".join(kept))


def quiet_start(argv=None):
    """Imports TensorFlow without its start-up lines, unless the user wants them.

    Call before anything imports TensorFlow. Does nothing when TensorFlow is
    already imported, when ``TF_CPP_MIN_LOG_LEVEL`` is set (the user's level
    wins), or for ``pix2pix-tf --verbose``.

    Returns:
        True if the start was made quiet.
    """
    user_level = LEVEL_VARIABLE in os.environ and _OURS not in os.environ
    if "tensorflow" in sys.modules or user_level or cli_verbose(argv):
        return False
    os.environ[LEVEL_VARIABLE] = QUIET_LEVEL
    os.environ[_OURS] = "1"
    with filtered_stderr():
        import tensorflow as tf

        # CUDA is probed (cuInit) when the devices are first listed, not at import:
        # done here, it prints its lines now. Listing physical devices leaves the
        # runtime unconfigured (memory growth, logical devices and multi-worker
        # strategies can still be set up).
        tf.config.list_physical_devices("GPU")
    return True

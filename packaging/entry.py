"""Entry script of the frozen app: `freeze_support()` must run before anything else is imported.

On Windows and macOS a frozen child process (e.g. one started by `multiprocessing` in torch)
re-runs this script; freeze_support() turns it into the child's work instead of a second app.
"""

import multiprocessing

multiprocessing.freeze_support()

import sys  # noqa: E402

from nnstudio.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())

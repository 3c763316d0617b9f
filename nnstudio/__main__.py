"""`python -m nnstudio` runs the same entry point as the console script."""

import sys

from nnstudio.cli import main

if __name__ == "__main__":
    sys.exit(main())

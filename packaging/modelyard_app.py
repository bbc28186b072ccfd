"""Entry point of the frozen app: no arguments opens the window; the CLI's sub-commands work."""

import os
import time

os.environ.setdefault("MODELYARD_T0", repr(time.time()))  # the self-test reports from here

from modelyard.cli import main

if __name__ == "__main__":
    main()

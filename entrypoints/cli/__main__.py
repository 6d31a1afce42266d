"""``python -m entrypoints.cli``: the same command line as ``ppp-registry``."""

import sys

from entrypoints.cli import main

sys.exit(main())

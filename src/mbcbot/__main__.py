"""`python -m mbcbot`."""

import sys

from mbcbot.cli import main

sys.exit(main())

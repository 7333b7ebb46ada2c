"""``python -m server`` is ``roost-server``."""

import sys

from server.cli import main

sys.exit(main())

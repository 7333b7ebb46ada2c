"""`python -m app` starts the desktop app (the same as the `roost` command)."""

import sys

from ui.main import main  # noqa: TID251 (the entry point is the one place app/ starts the UI)

sys.exit(main())

"""``python -m dslp_tui`` runs the same entry point as the ``dslp-tui`` script."""

import sys

from dslp_tui.cli import main

sys.exit(main())

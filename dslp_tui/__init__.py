"""dslp-tui: a keyboard-driven board for teams that follow the Data Science Lifecycle Process.

Everything here except ``app.py`` is free of Textual so that the CLI, the tests and later
front ends share one core.
"""

__version__ = "0.1.0"

"""Where the command line writes its messages: one rich console on stderr, so stdout stays data."""

from __future__ import annotations

import sys

from rich.console import Console

# Wide enough for the summary table when the output is not a terminal (CI logs, pipes).
console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

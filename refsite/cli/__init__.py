"""The `refsite` command: a thin shell over the library.

The only package that reads argv, the environment and the clock, and that exits.
Each command parses its options, calls the library, formats, and sets the exit
status: 0 fine, 1 problems found, 2 usage error.

:mod:`.group` is the entry point and :mod:`.options` the shared options; each other
module is one family of commands, registered on the group when imported here.
"""

from __future__ import annotations

from refsite.cli import authoring, imports, partner, records, report, site, team  # noqa: F401 - registers the commands
from refsite.cli.group import cli, main
from refsite.cli.options import local_today

__all__ = ["cli", "local_today", "main"]

"""The documentation's tools (docs/_tools) import as top-level modules, as mkdocs'
hooks and the scripts there do."""

from __future__ import annotations

import sys

from tests.helpers import ROOT

TOOLS = ROOT / "docs" / "_tools"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

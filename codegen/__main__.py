"""``python -m codegen``: see ``codegen.cli``."""

import sys

from codegen.cli import main

sys.exit(main())

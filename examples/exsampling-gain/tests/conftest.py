"""Makes ``exsampling_gain`` importable from this checkout, installed or not.

Once the plugin is installed (``pip install -e .``) this file is not needed; without it, the tests still run from a
plain checkout: ``python -m pytest examples/exsampling-gain/tests`` (the project's own suite collects them too).
"""

from __future__ import annotations

import sys
from pathlib import Path

PLUGIN_ROOT = Path(__file__).resolve().parents[1]

if str(PLUGIN_ROOT) not in sys.path:
    sys.path.insert(0, str(PLUGIN_ROOT))

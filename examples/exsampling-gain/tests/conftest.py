"""Makes ``exsampling_gain`` importable from this checkout, installed or not.

Once the plugin is installed (``pip install -e .``) this file is not needed; without it, the tests still run from a
plain checkout: ``python -m pytest examples/exsampling-gain/tests`` (the project's own suite collects them too).
The package is loaded from its file, not by putting the plugin's folder on ``sys.path``: a ``.egg-info`` left there
by a build would then be read as installed, and its entry point would add ``gain`` to every registry of the run.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

PLUGIN_ROOT = Path(__file__).resolve().parents[1]

if importlib.util.find_spec("exsampling_gain") is None:
    spec = importlib.util.spec_from_file_location("exsampling_gain", PLUGIN_ROOT / "exsampling_gain" / "__init__.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["exsampling_gain"] = module
    spec.loader.exec_module(module)

"""ExSampling remote script for Ableton Live: loads each take into the track named after its slot.

Installed into Live's Remote Scripts folder by ``exsampling ableton install`` (as the folder
``ExSampling``), then chosen as a Control Surface in Live's preferences. Live imports this package and
calls :func:`create_instance`. It runs inside Live's own Python (3.7 or later in Live 11 and 12), so it
uses the standard library only and no syntax newer than 3.7.
"""

from .surface import DEFAULT_PORT, ExSamplingSurface  # noqa: F401


def create_instance(c_instance):
    """Live's entry point for a control surface script."""
    return ExSamplingSurface(c_instance)

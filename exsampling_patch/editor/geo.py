"""Takes on a map without tiles: recorder locations scaled to a drawing area, with a scale bar."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_000.0


@dataclass(frozen=True)
class MapLayout:
    """Points in pixels (same order as given), and a scale bar of ``bar_px`` pixels meaning ``bar_label``."""

    points: list[tuple[float, float]]
    metres_per_px: float
    bar_px: float
    bar_label: str


def _nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above ``metres``."""
    if metres <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(metres))
    for step in (5, 2, 1):
        if step * power <= metres:
            return step * power
    return power


def format_distance(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def layout(coords: list[tuple[float, float]], width: float, height: float, margin: float = 20.0,
           min_span_m: float = 100.0) -> MapLayout:
    """Place (latitude, longitude) points in a ``width`` x ``height`` area, north up, same scale both ways.

    An equirectangular projection around the points' centre: exact enough for the few kilometres a
    walk covers. The area shown spans at least ``min_span_m`` so one point sits in the middle.
    """
    if not coords:
        return MapLayout([], 0.0, 0.0, "")
    lat0 = math.radians(sum(c[0] for c in coords) / len(coords))
    lon0 = sum(c[1] for c in coords) / len(coords)
    lat_c = sum(c[0] for c in coords) / len(coords)
    # Metres east and north of the centre.
    xy = [(math.radians(lon - lon0) * math.cos(lat0) * EARTH_RADIUS_M,
           math.radians(lat - lat_c) * EARTH_RADIUS_M) for lat, lon in coords]
    span_x = max(max(abs(x) for x, _ in xy) * 2, min_span_m)
    span_y = max(max(abs(y) for _, y in xy) * 2, min_span_m)
    inner_w, inner_h = max(width - 2 * margin, 1.0), max(height - 2 * margin, 1.0)
    metres_per_px = max(span_x / inner_w, span_y / inner_h)
    cx, cy = width / 2, height / 2
    points = [(cx + x / metres_per_px, cy - y / metres_per_px) for x, y in xy]
    bar_m = _nice_length(metres_per_px * width / 4)
    return MapLayout(points, metres_per_px, bar_m / metres_per_px, format_distance(bar_m))

"""Geographic coordinates into the km plane every distance in the tool is measured in.

communities.csv (and centres.csv) may give `lon, lat` (WGS 84 degrees) instead of `x_km, y_km`.
They are projected once, while the scenario loads, with pyproj onto an azimuthal-equidistant
plane centred on the communities' mean position: distances from the centre are exact and, over
a city (≈ 100 km), any distance is within about 0.1 % of the geodesic one — far inside the
1 km reach rule's tolerance of a planner's map. So every command sees km.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LON_RANGE = (-180.0, 180.0)
LAT_RANGE = (-90.0, 90.0)


@dataclass(frozen=True)
class Projection:
    """lon/lat (degrees) → (x_km east, y_km north) around (lon0, lat0)."""

    lon0: float
    lat0: float

    @classmethod
    def centred_on(cls, points: Sequence[tuple[float, float]]) -> Projection:
        """The projection centred on the mean of (lon, lat) points."""
        return cls(sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))

    @property
    def proj4(self) -> str:
        return (f"+proj=aeqd +lat_0={self.lat0:.8f} +lon_0={self.lon0:.8f} +datum=WGS84 "
                "+units=km +no_defs")

    def to_km(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = _transformer(self.proj4).transform(lon, lat)
        return (round(float(x), 6), round(float(y), 6))


_CACHE: dict[str, object] = {}


def _transformer(proj4: str):
    """pyproj Transformer (imported only when a table gives lon/lat), cached per projection."""
    t = _CACHE.get(proj4)
    if t is None:
        from pyproj import Transformer

        t = Transformer.from_crs("EPSG:4326", proj4, always_xy=True)
        _CACHE[proj4] = t
    return t

"""Coordinates, distances, travel-time matrices, road graphs and service zones."""

from geo.grid_city import GridCityProvider
from geo.haversine import EARTH_RADIUS_M, haversine_m, haversine_matrix_m
from geo.matrix import LegProvider, Matrix, MatrixProvider, Point
from geo.paths import Leg, PathProvider
from geo.profiles import SPEED_KPH, speed_kph
from geo.roads import HIGHWAY_SPEED_KPH, RoadGraphProvider, load_road_graph
from geo.straight_line import StraightLineProvider
from geo.streets import StreetLines, box_around
from geo.table import MatrixTable
from geo.zones import points_in_zone, zone_polygon

__all__ = [
    "EARTH_RADIUS_M",
    "HIGHWAY_SPEED_KPH",
    "SPEED_KPH",
    "GridCityProvider",
    "Leg",
    "LegProvider",
    "Matrix",
    "MatrixProvider",
    "MatrixTable",
    "PathProvider",
    "Point",
    "RoadGraphProvider",
    "StraightLineProvider",
    "StreetLines",
    "box_around",
    "haversine_m",
    "haversine_matrix_m",
    "load_road_graph",
    "points_in_zone",
    "speed_kph",
    "zone_polygon",
]

"""The synthetic district's geography: an irregular outline tiled by Voronoi grids, grouped into
communities and streets by k-means, so that every level tiles its parent with no gaps or overlaps
(grids are cells of one Voronoi diagram; communities and streets are unions of whole grids)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon

from gridbrain.core.codes import child_code
from gridbrain.demo import names

CENTRE = (30.40, 120.00)  # lat, lng
RADIUS = (0.145, 0.25)  # degrees lat, lng: about 16 km × 24 km, ~1,200 km²
URBAN_CENTRES = ((30.29, 120.02, 0.035), (30.42, 120.29 - 0.25, 0.03), (30.37, 119.93, 0.03))


@dataclass
class Geography:
    outline: Polygon
    rows: list[dict[str, Any]] = field(default_factory=list)  # area rows, parents first
    streets: list[str] = field(default_factory=list)
    communities: list[str] = field(default_factory=list)
    grids: list[str] = field(default_factory=list)
    grid_polygons: dict[str, Polygon] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)


def outline(rng: np.random.Generator) -> Polygon:
    phases = rng.uniform(0, 2 * math.pi, 3)
    pts = []
    for i in range(180):
        t = 2 * math.pi * i / 180
        r = (
            1
            + 0.12 * math.sin(3 * t + phases[0])
            + 0.07 * math.sin(5 * t + phases[1])
            + 0.04 * math.sin(7 * t + phases[2])
        )
        pts.append((CENTRE[1] + RADIUS[1] * r * math.cos(t), CENTRE[0] + RADIUS[0] * r * math.sin(t)))
    return Polygon(pts)


def _sample_inside(poly: Polygon, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points inside `poly`: about half clustered around urban centres, half spread out."""
    minx, miny, maxx, maxy = poly.bounds
    shapely.prepare(poly)
    out: list[np.ndarray] = []
    count = 0
    while count < n:
        k = n * 2
        urban = rng.random(k) < 0.55
        centre = rng.integers(0, len(URBAN_CENTRES), k)
        c = np.array(URBAN_CENTRES)[centre]
        xs = np.where(urban, c[:, 1] + rng.normal(0, 1, k) * c[:, 2] * 1.6, rng.uniform(minx, maxx, k))
        ys = np.where(urban, c[:, 0] + rng.normal(0, 1, k) * c[:, 2], rng.uniform(miny, maxy, k))
        inside = shapely.contains_xy(poly, xs, ys)
        pts = np.column_stack([xs[inside], ys[inside]])
        out.append(pts)
        count += len(pts)
    return np.concatenate(out)[:n]


def _cells(poly: Polygon, pts: np.ndarray) -> list[Polygon]:
    diagram = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=poly, ordered=True)
    return [shapely.intersection(c, poly) for c in shapely.get_parts(diagram)]


def _kmeans(xy: np.ndarray, k: int, rng: np.random.Generator, iters: int = 25) -> np.ndarray:
    """Plain k-means (k-means++ start); returns the cluster of each point."""
    centres = [xy[rng.integers(len(xy))]]
    for _ in range(1, k):
        d = np.min(((xy[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        centres.append(xy[rng.choice(len(xy), p=d / d.sum())])
    c = np.array(centres)
    labels = np.zeros(len(xy), dtype=int)
    for _ in range(iters):
        labels = ((xy[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
        for j in range(k):
            members = xy[labels == j]
            if len(members):
                c[j] = members.mean(0)
    return labels


def _order(xy: np.ndarray) -> np.ndarray:
    """Reading order: north to south in bands, west to east inside a band."""
    band = np.floor((xy[:, 1].max() - xy[:, 1]) / max(np.ptp(xy[:, 1]) / 4, 1e-9))
    return np.lexsort((xy[:, 0], band))


def _relaxed_cells(poly: Polygon, pts: np.ndarray) -> list[Polygon]:
    for _ in range(2):  # Lloyd relaxation: rounder, more even grids
        cells = _cells(poly, pts)
        pts = np.array([[c.centroid.x, c.centroid.y] for c in cells])
    return _cells(poly, pts)


def _community_quota(street_of: np.ndarray, n_streets: int, n_communities: int) -> np.ndarray:
    """Communities per street, in proportion to its grids, summing exactly to `n_communities`."""
    sizes = np.array([(street_of == s).sum() for s in range(n_streets)])
    quota = np.maximum(1, np.round(sizes / sizes.sum() * n_communities)).astype(int)
    while quota.sum() != n_communities:  # make the total exact
        j = int(np.argmax(quota)) if quota.sum() > n_communities else int(np.argmax(sizes / quota))
        quota[j] += 1 if quota.sum() < n_communities else -1
    return np.asarray(quota)


def _community_name(stems: list[str], i: int) -> str:
    if i < len(stems):
        return stems[i] + names.COMMUNITY_SUFFIX[i % len(names.COMMUNITY_SUFFIX)]
    return stems[i % len(stems)] + "东西南北中"[i % 5] + "社区"  # more communities than stems


def _add_community(geo: Geography, c_code: str, c_name: str, g_order: np.ndarray, cells: list[Polygon]) -> Polygon:
    """The community's grids, in reading order, then the community (their union) before them."""
    grid_rows = []
    comm_cells = []
    for g_serial, gi in enumerate(g_order, start=1):
        g_code = child_code(c_code, g_serial)
        cell = cells[int(gi)]
        comm_cells.append(cell)
        rep = cell.point_on_surface()
        g_name = f"{c_name}第{g_serial}网格"
        grid_rows.append({"code": g_code, "name": g_name, "geometry": cell, "lat": rep.y, "lng": rep.x})
        geo.grids.append(g_code)
        geo.grid_polygons[g_code] = cell
        geo.names[g_code] = g_name
    c_poly = shapely.union_all(comm_cells)
    rep = c_poly.point_on_surface()
    geo.rows.append({"code": c_code, "name": c_name, "geometry": c_poly, "lat": rep.y, "lng": rep.x})
    geo.rows.extend(grid_rows)
    geo.communities.append(c_code)
    geo.names[c_code] = c_name
    return c_poly


def build(seed: int, n_grids: int = 1476, n_streets: int = 18, n_communities: int = 200) -> Geography:
    """The district's outline cut into grids, grouped into communities and streets."""
    rng = np.random.default_rng(seed)
    poly = outline(rng)
    cells = _relaxed_cells(poly, _sample_inside(poly, n_grids, rng))
    cent = np.array([[c.centroid.x, c.centroid.y] for c in cells])
    # lat degrees are longer than lng degrees here; cluster in roughly metric space
    metric = cent * np.array([math.cos(math.radians(CENTRE[0])), 1.0])

    geo = Geography(outline=poly)
    (pcode, pname), (ccode, cname), (dcode, dname) = names.PROVINCE, names.CITY, names.DISTRICT
    geo.rows += [
        {"code": pcode, "name": pname},
        {"code": ccode, "name": cname},
        {"code": dcode, "name": dname, "geometry": poly},
    ]
    street_of = _kmeans(metric, n_streets, rng)
    street_ids = _order(np.array([metric[street_of == s].mean(0) for s in range(n_streets)])).tolist()
    quota = _community_quota(street_of, n_streets, n_communities)
    stems = list(names.STEMS)
    rng.shuffle(stems)
    stem_i = 0
    for s_serial, s in enumerate(street_ids, start=1):
        s_code = child_code(dcode, s_serial)
        s_name = names.STREETS[(s_serial - 1) % len(names.STREETS)]
        members = np.flatnonzero(street_of == int(s))
        k = min(int(quota[int(s)]), len(members))
        comm_of = _kmeans(metric[members], k, rng) if k > 1 else np.zeros(len(members), dtype=int)
        comm_ids = _order(np.array([metric[members][comm_of == c].mean(0) for c in range(k)]))
        street_row = {"code": s_code, "name": s_name}
        geo.rows.append(street_row)  # before its communities; its shape is known after them
        street_parts = []
        for c_serial, c in enumerate(comm_ids, start=1):
            g_members = members[comm_of == c]
            g_order = g_members[_order(metric[g_members])]
            c_name = _community_name(stems, stem_i)
            stem_i += 1
            street_parts.append(_add_community(geo, child_code(s_code, c_serial), c_name, g_order, cells))
        s_poly = shapely.union_all(street_parts)
        rep = s_poly.point_on_surface()
        street_row.update(geometry=s_poly, lat=rep.y, lng=rep.x)
        geo.streets.append(s_code)
        geo.names[s_code] = s_name
    rep = poly.point_on_surface()
    geo.rows[2].update(lat=rep.y, lng=rep.x)
    geo.names[dcode] = dname
    return geo

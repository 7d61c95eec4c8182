"""The routers of the busiest packages are matched first (`Plugins.routes_first`). That may change no answer: no
path one router's routes match may be matched by another router's routes, whatever the method, so that neither
the route a request reaches nor a 405's allowed methods depend on the order the routers are tried in."""

import itertools
import re

from fastapi import APIRouter
from fastapi.routing import APIRoute

from app.core.plugins import Package, Plugins
from app.registry import BUSIEST, PACKAGES, plugins

PARAM = re.compile(r"^\{(\w+)(?::(\w+))?\}$")


def _segment_overlaps(a: str, b: str) -> bool:
    pa, pb = PARAM.match(a), PARAM.match(b)
    if pa and pb:
        return True
    if pa or pb:
        param, literal = (pa, b) if pa else (pb, a)
        assert param is not None
        return literal.isdigit() if param.group(2) == "int" else True
    return a == b


def _overlap(p: str, q: str) -> bool:
    """Whether some path is matched by both templates (a `:path` parameter matches anything after it)."""
    a, b = p.strip("/").split("/"), q.strip("/").split("/")
    if any((m := PARAM.match(s)) and m.group(2) == "path" for s in a + b):
        return True
    return len(a) == len(b) and all(_segment_overlaps(x, y) for x, y in zip(a, b, strict=True))


def test_the_overlap_check_sees_what_would_collide():
    assert _overlap("/cases/{case_id}", "/cases/search")
    assert _overlap("/cases/{case_id}/actions/{action}", "/cases/{id}/actions/sign")
    assert _overlap("/files/{rest:path}", "/files/a/b/c")
    assert not _overlap("/cases/{case_id:int}", "/cases/search")
    assert not _overlap("/cases/{case_id}", "/cases/{case_id}/similar")
    assert not _overlap("/hotline/orders", "/hotline/classify")


def test_no_route_of_one_router_matches_a_path_of_another():
    routers = plugins().routers
    paths = [[r.path for r in router.routes if isinstance(r, APIRoute)] for router in routers]
    assert sum(map(len, paths)) > 150  # every package's routes are here
    collisions = [(p, q) for mine, theirs in itertools.combinations(paths, 2) for p in mine for q in theirs
                  if _overlap(p, q)]
    assert collisions == []


def test_the_busiest_routers_come_first():
    routers = plugins().routers
    hotline = next(p for p in PACKAGES if p.name == "hotline")
    assert BUSIEST[0] == "hotline" and routers[: len(hotline.routers)] == list(hotline.routers)
    assert any(r.path == "/hotline/orders" for r in routers[0].routes if isinstance(r, APIRoute))


def test_the_packages_named_first_lead_and_the_rest_keep_their_order():
    ra, rb, rc, rd = APIRouter(), APIRouter(), APIRouter(), APIRouter()
    packages = (Package(name="a", routers=(ra,)), Package(name="b", routers=(rb, rc)), Package(name="c", routers=(rd,)))
    assert Plugins(packages=packages).routers == [ra, rb, rc, rd]
    assert Plugins(packages=packages, routes_first=("c", "b")).routers == [rd, rb, rc, ra]
    assert Plugins(packages=packages, routes_first=("b",)).routers == [rb, rc, ra, rd]

"""The rules of the road from ARCHITECTURE.md, checked on the source itself."""

import ast
import types
import typing
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

ROOT = Path(__file__).resolve().parent.parent / "gridbrain"
# dependency order: a capability may import only from those to its left
ORDER = ["core", "areas", "addresses", "registry", "catalog", "events"]
RIGHT_OF_EVENTS = ["supervision", "perception", "emergency", "analysis", "council", "algorithms", "graph"]
RANK = {cap: i for i, cap in enumerate(ORDER)} | {cap: len(ORDER) for cap in RIGHT_OF_EVENTS}
IMPURE = ("sqlalchemy", "fastapi", "starlette", "httpx", "requests", "paho", "psycopg", "alembic", "uvicorn")
# the demo generator, benchmarks and web shell sit on top of every capability
TOP = {"demo", "bench", "web"}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
    return out


def _capability_files():
    for cap_dir in sorted(p for p in ROOT.iterdir() if p.is_dir() and p.name in RANK):
        for f in sorted(cap_dir.rglob("*.py")):
            yield cap_dir.name, f


@pytest.mark.parametrize(("cap", "path"), list(_capability_files()), ids=lambda v: str(v).split("gridbrain/")[-1])
def test_capabilities_import_only_from_their_left(cap, path):
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] == "gridbrain" and len(parts) > 1:
            assert parts[1] not in TOP | {"app"}, (
                f"{path.relative_to(ROOT)} imports {name}, which sits on top of everything"
            )
        if parts[0] != "gridbrain" or len(parts) < 2 or parts[1] not in RANK:
            continue
        other = parts[1]
        if other == cap:
            continue
        # capabilities to the right of events are siblings: none may import another
        assert RANK[other] < RANK[cap], f"{path.relative_to(ROOT)} imports {name}: {other} is not to the left of {cap}"


def test_the_kernel_imports_no_capability():
    for f in (ROOT / "core").rglob("*.py"):
        for name in _imports(f):
            parts = name.split(".")
            assert not (parts[0] == "gridbrain" and len(parts) > 1 and parts[1] in RANK and parts[1] != "core"), (
                f"core/{f.name} imports {name}"
            )


# model.py files and every module of a model/ package (events, registry, …)
MODEL_FILES = sorted({*ROOT.rglob("model.py"), *ROOT.rglob("model/*.py")})


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_model_files_are_pure(path):
    for name in _imports(path):
        assert name.split(".")[0] not in IMPURE, f"{path.relative_to(ROOT)} imports {name}"
        assert name.split(".")[0] not in ("os", "pathlib", "socket", "subprocess", "sqlite3"), name


def test_every_model_file_is_found():
    assert (ROOT / "areas" / "model.py") in set(ROOT.rglob("model.py"))


# --- a capability reads another's data only through that capability's service -------------------

# Current violators, each to be replaced by a call to the owning capability's service. The lanes
# rewriting these files (issue 13) remove their lines; the integrator empties the list after the merge.
READS_OTHER_TABLES_ALLOWED = {
    # the areas' departments and area names, read where routing and matching need them: to go
    # through `areas.service` (issue 13, left open)
    ("addresses/matcher.py", "gridbrain.areas.tables"),
    ("addresses/service.py", "gridbrain.areas.tables"),
    ("events/dispatch.py", "gridbrain.areas.tables"),
    ("events/open311/service.py", "gridbrain.areas.tables"),
    ("supervision/assessment/service.py", "gridbrain.areas.tables"),
    ("supervision/orders/whistles.py", "gridbrain.areas.tables"),
    # the users of a department or grid, read by dispatch and by perception's care alarms: to go
    # through `core.auth` (issue 13, left open)
    ("events/dispatch.py", "gridbrain.core.tables"),
    ("perception/alarms.py", "gridbrain.core.tables"),
    # the sweeper writes a batch's audit entries in the same statement that issues the cards (its
    # worst minute, BENCHMARKS.md): a set-based insert `core.audit` does not offer yet
    ("supervision/issuing.py", "gridbrain.core.tables"),
    # the shop in front of a camera, by credit code or address: to go through `registry` reads
    ("perception/detections.py", "gridbrain.registry.tables"),
}


def _tables_imports(cap: str, path: Path) -> set[str]:
    """The other capabilities' `tables` modules that `path` imports (either import form)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            is_tables = len(parts) >= 3 and parts[0] == "gridbrain" and parts[2] == "tables"
            if is_tables and parts[1] in RANK and parts[1] != cap:
                found.add(".".join(parts[:3]))
    return found


def _all_tables_imports() -> set[tuple[str, str]]:
    return {
        (str(path.relative_to(ROOT)), module)
        for cap, path in _capability_files()
        for module in _tables_imports(cap, path)
    }


@pytest.mark.parametrize(("cap", "path"), list(_capability_files()), ids=lambda v: str(v).split("gridbrain/")[-1])
def test_no_capability_reads_another_capabilitys_tables(cap, path):
    rel = str(path.relative_to(ROOT))
    for module in _tables_imports(cap, path):
        assert (rel, module) in READS_OTHER_TABLES_ALLOWED, (
            f"{rel} imports {module}: read another capability's data through its service"
        )


def test_the_tables_allowlist_names_only_current_violators():
    stale = READS_OTHER_TABLES_ALLOWED - _all_tables_imports()
    assert not stale, f"no longer needed, remove from READS_OTHER_TABLES_ALLOWED: {sorted(stale)}"


def test_the_tables_check_finds_both_import_forms(tmp_path):
    f = tmp_path / "x.py"
    f.write_text(
        "from gridbrain.areas.tables import areas\nfrom gridbrain.events import tables\nimport gridbrain.core.tables\n"
    )
    assert _tables_imports("supervision", f) == {
        "gridbrain.areas.tables",
        "gridbrain.events.tables",
        "gridbrain.core.tables",
    }
    assert _tables_imports("areas", f) == {"gridbrain.events.tables", "gridbrain.core.tables"}


# --- every route answers a public response schema ---------------------------------------------------

# (method, path) of routes that still answer Any or a bare dict, so OpenAPI is blank there and any
# stored column can leak. The lanes rewriting them (issue 13) give each a `...Public` model and
# remove the line; the integrator empties the list after the merge.
UNTYPED_ROUTES_ALLOWED: set[tuple[str, str]] = set()  # every route has its public shape now


def _is_public_schema(t: object) -> bool:
    """A Pydantic model, or a list / tuple / union of them (None allowed in a union)."""
    if isinstance(t, type) and issubclass(t, BaseModel):
        return True
    origin = typing.get_origin(t)
    if origin in (list, tuple, typing.Union, types.UnionType):
        args = [a for a in typing.get_args(t) if a not in (type(None), Ellipsis)]
        return bool(args) and all(_is_public_schema(a) for a in args)
    return False


def _answers_a_response_itself(route: APIRoute) -> bool:
    """A page, a file or a redirect: the route returns a Response (no JSON schema to give)."""
    returned = typing.get_type_hints(route.endpoint).get("return")
    if isinstance(returned, type) and issubclass(returned, Response):
        return True
    cls = getattr(route.response_class, "value", route.response_class)
    is_json = isinstance(cls, type) and issubclass(cls, JSONResponse)
    return route.status_code == 204 or (not is_json and route.response_model is None)


def _walk(routes: list[BaseRoute]) -> list[APIRoute]:
    out: list[APIRoute] = []
    for r in routes:
        inner = getattr(r, "original_router", None)  # FastAPI keeps included routers as a branch
        if inner is not None:
            out += _walk(inner.routes)
        elif isinstance(r, APIRoute):
            out.append(r)
    return out


@pytest.fixture(scope="module")
def untyped_routes(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    from gridbrain.app import create_app
    from gridbrain.config import Settings, use_settings

    var = tmp_path_factory.mktemp("var")
    app = create_app(Settings(database_url=f"sqlite:///{var / 'unused.db'}", var_dir=var), workers=False)
    use_settings(None)
    routes = _walk(app.routes)
    assert len(routes) > 50, "the route walk found too few routes"
    return {
        (method, r.path)
        for r in routes
        if not _answers_a_response_itself(r) and not _is_public_schema(r.response_model)
        for method in r.methods
    }


def test_every_route_answers_a_public_response_schema(untyped_routes):
    new = untyped_routes - UNTYPED_ROUTES_ALLOWED
    assert not new, f"give these routes a ...Public response model (not Any, not a dict): {sorted(new)}"


def test_the_untyped_routes_allowlist_names_only_current_violators(untyped_routes):
    stale = UNTYPED_ROUTES_ALLOWED - untyped_routes
    assert not stale, f"typed now, remove from UNTYPED_ROUTES_ALLOWED: {sorted(stale)}"


def test_a_dict_or_any_is_not_a_public_schema():
    class P(BaseModel):
        x: int

    assert _is_public_schema(P) and _is_public_schema(list[P]) and _is_public_schema(P | None)
    assert not _is_public_schema(typing.Any)
    assert not _is_public_schema(dict[str, typing.Any])
    assert not _is_public_schema(list[dict[str, str]])

"""The matcher built from the database, on SQLite and PostgreSQL; H3 filling."""

import sqlalchemy as sa

from gridbrain.addresses import matcher as matchers
from gridbrain.addresses import service
from gridbrain.addresses.matcher import matcher_for
from gridbrain.addresses.tables import addresses
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork


def test_the_matcher_built_from_the_database_finds_rooms_doors_and_aliases(engine, library):
    m = matcher_for(engine)
    assert len(m) == len(library.rows)
    assert m.match("星河苑３栋二单元五零一").code == library.codes["星河苑3-2-501"]
    assert m.match("湖墅南路88号楼下有人乱扔垃圾").code == library.codes["湖墅南路88号"]
    assert m.match("仓前市民中心").code == library.codes["良睦路18号"]
    assert m.match("星河苑3幢2单元501").text == "浙江省杭州市余杭区仓前街道仓前南社区星河路88号星河苑3幢2单元501室"


def test_the_matcher_is_kept_per_engine_until_invalidated(engine, library):
    first = matcher_for(engine)
    assert matcher_for(engine) is first
    matchers.invalidate(engine)
    assert matcher_for(engine) is not first


def test_missing_h3_cells_are_filled_from_the_coordinates(engine, library):
    with UnitOfWork(engine) as uow:
        uow.execute(addresses.update().values(h3_9=None, h3_11=None))
        uow.commit()
        assert service.fill_missing_h3(uow, Actor.system("test")) == len(library.rows)
        row = uow.execute(sa.select(addresses).where(addresses.c.code == library.codes["星河苑"])).one()
    import h3

    assert row.h3_11 == h3.latlng_to_cell(row.lat, row.lng, 11)
    assert row.h3_9 == h3.cell_to_parent(row.h3_11, 9)


def test_an_exported_library_imports_into_another_database_unchanged(engine, library, tmp_path):
    import io

    from gridbrain.addresses.matcher import reader
    from gridbrain.core.db import make_engine
    from gridbrain.migrate import upgrade
    from tests.factories import build_district

    buf = io.StringIO()
    with reader(engine) as conn:
        assert service.export_csv(conn, buf) == len(library.rows)
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade(other)
    build_district(other)
    with UnitOfWork(other) as uow:
        report = service.import_text(uow, Actor.system("test"), buf.getvalue())
    assert (report.imported, report.error_count, report.aliases) == (len(library.rows), 0, 3)
    with UnitOfWork(engine) as a, UnitOfWork(other) as b:
        q = sa.select(addresses.c.code, addresses.c.full_text, addresses.c.grid_code).order_by(addresses.c.code)
        assert a.execute(q).all() == b.execute(q).all()
    assert matcher_for(other).match("仓前市民中心").code == library.codes["良睦路18号"]
    matchers.invalidate(other)
    other.dispose()


def test_a_caller_inside_a_unit_of_work_gets_a_rebuilt_matcher_after_another_process_loads_addresses(engine, library):
    with UnitOfWork(engine) as uow:
        before = matcher_for(engine, uow.conn)
        assert matcher_for(engine, uow.conn) is before
    with UnitOfWork(engine) as uow:  # a load that does not invalidate, as another process would
        row = uow.execute(sa.select(addresses).where(addresses.c.code == library.codes["星河路"])).one()._mapping
        uow.execute(addresses.insert().values({**row, "code": "ZZZ-1", "road": "新开路", "full_text": "新开路"}))
        uow.commit()
    with UnitOfWork(engine) as uow:
        after = matcher_for(engine, uow.conn)
    assert after is not before
    assert after.match("新开路").code == "ZZZ-1"

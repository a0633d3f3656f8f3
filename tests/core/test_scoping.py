import sqlalchemy as sa

from gridbrain.core.scoping import Scope


def test_a_street_scope_covers_its_communities_and_grids_but_not_the_next_street():
    scope = Scope.of_area("330110001000")
    assert scope.covers("330110001002")
    assert scope.covers("330110001002003")
    assert not scope.covers("330110002001")
    assert not scope.covers("330110010001")  # a prefix of digits is not enough: 001 vs 010
    assert not scope.covers(None)


def test_an_unrestricted_scope_covers_everything():
    assert Scope.everything().covers("440300000000")


def test_the_sql_condition_selects_exactly_the_codes_inside_the_scope():
    engine = sa.create_engine("sqlite://")
    t = sa.Table("t", sa.MetaData(), sa.Column("code", sa.String))
    t.metadata.create_all(engine)
    codes = ["330110001000", "330110001001", "330110001001001", "330110002001", "33011000", "330110001999999"]
    with engine.begin() as conn:
        conn.execute(t.insert(), [{"code": c} for c in codes])
        got = {r[0] for r in conn.execute(sa.select(t.c.code).where(Scope.of_area("330110001000").where(t.c.code)))}
    assert got == {"330110001000", "330110001001", "330110001001001", "330110001999999"}

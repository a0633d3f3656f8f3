"""The governance library (治理库): people, enterprises (and, as they land, houses and places)."""

from __future__ import annotations

import sqlalchemy as sa

from gridbrain.core.db import JSONType, metadata

people = sa.Table(
    "people",
    metadata,
    sa.Column("id_number", sa.String(18), primary_key=True),  # 公民身份号码, the unique key
    sa.Column("name", sa.String(32), nullable=False),
    sa.Column("sex", sa.String(1), nullable=False),  # M | F
    sa.Column("birth_date", sa.Date, nullable=False),
    sa.Column("phone", sa.String(20), nullable=True),
    sa.Column("registered_address", sa.String(200), nullable=True),  # 户籍地址 (free text)
    sa.Column("residence_address_code", sa.String(24), nullable=True, index=True),  # 实际居住地
    sa.Column("grid_code", sa.String(15), nullable=True, index=True),
    sa.Column("tags", JSONType, nullable=True),  # ["独居老人", "低保", ...]
    sa.Column("source", sa.String(32), nullable=False, server_default="import"),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
)

enterprises = sa.Table(
    "enterprises",
    metadata,
    sa.Column("uscc", sa.String(18), primary_key=True),  # 统一社会信用代码, the unique key
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("legal_representative", sa.String(32), nullable=True),
    sa.Column("registered_address", sa.String(200), nullable=True),
    sa.Column("operating_address_code", sa.String(24), nullable=True, index=True),
    sa.Column("grid_code", sa.String(15), nullable=True, index=True),
    sa.Column("industry", sa.String(40), nullable=True),
    sa.Column("status", sa.String(16), nullable=False, server_default="存续"),
    sa.Column("tax_location", sa.String(12), nullable=True),  # division code where taxes are paid
    sa.Column("established_on", sa.Date, nullable=True),
    sa.Column("source", sa.String(32), nullable=False, server_default="import"),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
)

"""The governance library (治理库): people, houses, enterprises, places and things, the relations
between them, and the data-governance tables around them (versions, import runs, fixes,
quarantine, verification tasks, report templates).

`people` and `enterprises` are also written by the demo generator: columns added to them after
the base revision are nullable or have a server default.
"""

from __future__ import annotations

import sqlalchemy as sa

from gridbrain.core.db import JSONType, UtcDateTime, metadata

BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")

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
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("verified_at", UtcDateTime, nullable=True),
    # --- added by the registry capability (nullable: the demo generator does not write them)
    sa.Column("residence_address", sa.String(200), nullable=True),  # 实际居住地址, normalised text
    sa.Column("address_match", sa.String(12), nullable=True),  # matched | unmatched
    # the finest area known when the address matched no grid (the importer's area)
    sa.Column("area_code", sa.String(15), nullable=True, index=True),
    sa.Column("field_sources", JSONType, nullable=True),  # {field: source} for precedence
    sa.Column("updated_by", sa.String(64), nullable=True),
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
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("verified_at", UtcDateTime, nullable=True),
    # --- added by the registry capability
    sa.Column("operating_address", sa.String(200), nullable=True),  # 经营地址, normalised text
    sa.Column("address_match", sa.String(12), nullable=True),
    sa.Column("area_code", sa.String(15), nullable=True, index=True),
    sa.Column("field_sources", JSONType, nullable=True),
    sa.Column("updated_by", sa.String(64), nullable=True),
)

# 房: one row per standard address that is a dwelling or premises; the address code is the key.
houses = sa.Table(
    "houses",
    metadata,
    sa.Column("address_code", sa.String(24), primary_key=True),
    sa.Column("address", sa.String(200), nullable=True),
    sa.Column("use", sa.String(16), nullable=True),  # 住宅 | 商铺 | 办公 | 厂房 | 其他
    sa.Column("occupancy", sa.String(8), nullable=True),  # 自住 | 出租 | 空置
    sa.Column("owner_id_number", sa.String(18), nullable=True, index=True),
    sa.Column("residents", sa.Integer, nullable=True),
    sa.Column("grid_code", sa.String(15), nullable=True, index=True),
    sa.Column("area_code", sa.String(15), nullable=True, index=True),
    sa.Column("address_match", sa.String(12), nullable=True),
    sa.Column("source", sa.String(32), nullable=False, server_default="import"),
    sa.Column("field_sources", JSONType, nullable=True),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=True),
    sa.Column("verified_at", UtcDateTime, nullable=True),
)

# 物: places and things on the map, one layer each (出租房, 消防单位, 建筑工地 ...: registry/data/layers.yaml)
places = sa.Table(
    "places",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),  # the source's id, or a generated one
    sa.Column("layer", sa.String(32), nullable=False, index=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("address", sa.String(200), nullable=True),
    sa.Column("address_code", sa.String(24), nullable=True, index=True),
    sa.Column("uscc", sa.String(18), nullable=True, index=True),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("lng", sa.Float, nullable=True),
    sa.Column("attributes", JSONType, nullable=True),
    sa.Column("grid_code", sa.String(15), nullable=True, index=True),
    sa.Column("area_code", sa.String(15), nullable=True, index=True),
    sa.Column("address_match", sa.String(12), nullable=True),
    sa.Column("source", sa.String(32), nullable=False, server_default="import"),
    sa.Column("field_sources", JSONType, nullable=True),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=True),
    sa.Column("verified_at", UtcDateTime, nullable=True),
)

# lives_in (person → house), works_at (person → enterprise), operates_at (enterprise → house/place),
# owns (person/enterprise → house/place)
relations = sa.Table(
    "registry_relations",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("subject_kind", sa.String(16), nullable=False),
    sa.Column("subject_key", sa.String(40), nullable=False),
    sa.Column("object_kind", sa.String(16), nullable=False),
    sa.Column("object_key", sa.String(40), nullable=False, index=True),
    sa.Column("since", sa.Date, nullable=True),
    sa.Column("until", sa.Date, nullable=True),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("kind", "subject_key", "object_key", name="uq_registry_relations_kind_subject_object"),
    sa.Index("ix_registry_relations_subject", "subject_kind", "subject_key"),
)

# Superseded versions: written only when a record actually changes. A row holds the values that
# were current in [valid_from, valid_to), with who wrote them and from which source.
record_versions = sa.Table(
    "registry_versions",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),  # person | enterprise | house | place
    sa.Column("record_key", sa.String(40), nullable=False),
    sa.Column("valid_from", UtcDateTime, nullable=False),
    sa.Column("valid_to", UtcDateTime, nullable=False),
    sa.Column("data", JSONType, nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("written_by", sa.String(64), nullable=True),
    sa.Column("replaced_by_source", sa.String(32), nullable=False),
    sa.Column("replaced_by", sa.String(64), nullable=True),
    sa.Column("changed_fields", JSONType, nullable=False),
    sa.Index("ix_registry_versions_record", "kind", "record_key", "valid_to"),
)

import_runs = sa.Table(
    "registry_import_runs",
    metadata,
    sa.Column("id", sa.String(26), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("filename", sa.String(200), nullable=False),
    sa.Column("format", sa.String(8), nullable=False),  # csv | xlsx | jsonl
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("area_code", sa.String(15), nullable=True, index=True),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.Column("status", sa.String(12), nullable=False),  # running | done | failed
    sa.Column("read", sa.Integer, nullable=False, server_default="0"),
    sa.Column("accepted", sa.Integer, nullable=False, server_default="0"),
    sa.Column("fixed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("quarantined", sa.Integer, nullable=False, server_default="0"),
    sa.Column("changed", sa.Integer, nullable=False, server_default="0"),  # existing records overwritten
    sa.Column("fix_counts", JSONType, nullable=True),  # {"phone:format": 123, ...}
)

# The automatic corrections applied to one record of an import, each listed.
record_fixes = sa.Table(
    "registry_fixes",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(26), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("record_key", sa.String(40), nullable=False, index=True),
    sa.Column("row_number", sa.Integer, nullable=False),
    sa.Column("fixes", JSONType, nullable=False),  # [{"field", "rule", "before", "after"}]
)

# 待人工处理: records that could not be fixed automatically, with every reason.
quarantine = sa.Table(
    "registry_quarantine",
    metadata,
    sa.Column("id", sa.String(26), primary_key=True),
    sa.Column("run_id", sa.String(26), nullable=True, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("row_number", sa.Integer, nullable=True),
    sa.Column("record_key", sa.String(40), nullable=True, index=True),
    sa.Column("raw", JSONType, nullable=False),
    sa.Column("reasons", JSONType, nullable=False),  # [{"field", "rule"}]
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("status", sa.String(12), nullable=False, index=True),  # open | fixed | accepted | rejected
    sa.Column("area_code", sa.String(15), nullable=True, index=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("resolved_at", UtcDateTime, nullable=True),
    sa.Column("resolved_by", sa.String(64), nullable=True),
    sa.Column("resolution", sa.String(200), nullable=True),
)

# 以核代采: a grid worker confirms what is held, or changes only the fields that changed.
verification_tasks = sa.Table(
    "registry_verification_tasks",
    metadata,
    sa.Column("id", sa.String(26), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("record_key", sa.String(40), nullable=False, index=True),
    sa.Column("grid_code", sa.String(15), nullable=False, index=True),
    sa.Column("reason", sa.String(16), nullable=False),  # policy | signal
    sa.Column("detail", sa.String(200), nullable=True),
    sa.Column("status", sa.String(12), nullable=False, index=True),  # open | confirmed | changed
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("answered_at", UtcDateTime, nullable=True),
    sa.Column("answered_by", sa.String(64), nullable=True),
    sa.Column("changed_fields", JSONType, nullable=True),
)

# A department's standard workbook and the mapping from its cells to queries (智减负).
report_templates = sa.Table(
    "registry_report_templates",
    metadata,
    sa.Column("code", sa.String(48), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("department", sa.String(64), nullable=True),
    sa.Column("workbook", sa.LargeBinary, nullable=False),
    sa.Column("mapping", JSONType, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
)

"""Data rules of the governance library (治理库). Pure: no storage, no web, no files.

A record arriving from a file or a form is checked field by field against its kind's spec
(`checks`, `specs`):
- it meets the standard → **accepted** as is;
- it can be corrected mechanically (trim, full-width → half-width, date and phone formats, the
  case of an ID number's check character, a sex or birth date derived from the ID number) →
  **fixed**, every fix listed;
- otherwise → **quarantined** with every reason (field and rule), for a data steward.

A unique key decides whether a record is new or overwrites the current one (`merge`); when two
sources disagree, a source that owns a field (an authoritative department) beats any other for
that field, and otherwise the newest value wins (`SOURCE_OWNS`). Verification (以核代采) is in
`verification`.
"""

from gridbrain.registry.model.checks import (
    Checked,
    FieldSpec,
    Fix,
    Outcome,
    Problem,
    check_date,
    check_phone,
    halfwidth,
    plain,
)
from gridbrain.registry.model.commands import LinkRecords, RegisterTemplate
from gridbrain.registry.model.merge import KNOWN_SOURCES, SOURCE_OWNS, Merged, field_rank, merge, same_value
from gridbrain.registry.model.placing import AddressHit, Placement, place_point
from gridbrain.registry.model.records import Enterprise, House, Person, Place, Placed, Record, fields_of, record_of
from gridbrain.registry.model.specs import (
    ENTERPRISE,
    ENTERPRISE_STATUS,
    HOUSE,
    HOUSE_OCCUPANCY,
    HOUSE_USE,
    PERSON,
    PLACE,
    SPECS,
    Kind,
    RecordSpec,
    check_record,
    spec_for,
)
from gridbrain.registry.model.verification import (
    DEFAULT_VERIFY_EVERY_DAYS,
    TaskAction,
    TaskAlreadyAnswered,
    TaskReason,
    TaskStatus,
    VerificationTask,
    coverage,
    verification_due,
)

__all__ = [
    "DEFAULT_VERIFY_EVERY_DAYS",
    "ENTERPRISE",
    "ENTERPRISE_STATUS",
    "HOUSE",
    "HOUSE_OCCUPANCY",
    "HOUSE_USE",
    "KNOWN_SOURCES",
    "PERSON",
    "PLACE",
    "SOURCE_OWNS",
    "SPECS",
    "AddressHit",
    "Checked",
    "Enterprise",
    "FieldSpec",
    "Fix",
    "House",
    "Kind",
    "LinkRecords",
    "Merged",
    "Outcome",
    "Person",
    "Place",
    "Placed",
    "Placement",
    "Problem",
    "Record",
    "RecordSpec",
    "RegisterTemplate",
    "TaskAction",
    "TaskAlreadyAnswered",
    "TaskReason",
    "TaskStatus",
    "VerificationTask",
    "check_date",
    "check_phone",
    "check_record",
    "coverage",
    "field_rank",
    "fields_of",
    "halfwidth",
    "merge",
    "place_point",
    "plain",
    "record_of",
    "same_value",
    "spec_for",
    "verification_due",
]

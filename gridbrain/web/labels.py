"""Names the pages show for the event hub's codes (English message ids, translated on render)."""

from __future__ import annotations

import re

from gridbrain.web import i18n
from gridbrain.web.nav import N_

STATUS = {
    "reported": N_("Reported"),
    "triage": N_("In triage"),
    "dispatched": N_("Dispatched"),
    "accepted": N_("Accepted"),
    "returned": N_("Returned"),
    "in_progress": N_("In progress"),
    "handled": N_("Handled"),
    "verified": N_("Verified"),
    "closed": N_("Closed"),
    "cancelled": N_("Cancelled"),
}

ACTION = {
    "dispatch": N_("Dispatch"),
    "triage": N_("To triage"),
    "accept": N_("Accept"),
    "return": N_("Return"),
    "start": N_("Start work"),
    "handle": N_("Mark handled"),
    "verify": N_("Verify"),
    "reject": N_("Reject"),
    "close": N_("Close"),
    "reopen": N_("Reopen"),
    "cancel": N_("Cancel"),
    "reroute": N_("Re-route"),
    "escalate": N_("Escalate"),
}

LEVEL = {
    "grid": N_("Grid"),
    "community": N_("Community"),
    "street": N_("Street"),
    "district": N_("District"),
}

# the governance library's field names, as the verification and quarantine forms show them
FIELD = {
    "id_number": N_("ID number"),
    "name": N_("Name"),
    "sex": N_("Sex"),
    "birth_date": N_("Date of birth"),
    "phone": N_("Phone"),
    "registered_address": N_("Registered address"),
    "residence_address": N_("Residence address"),
    "residence_address_code": N_("Residence address code"),
    "tags": N_("Tags"),
    "grid_code": N_("Grid"),
    "area_code": N_("Area"),
    "address_match": N_("Address match"),
    "address": N_("Address"),
    "address_code": N_("Address code"),
    "uscc": N_("Unified social credit code"),
    "legal_person": N_("Legal representative"),
}

# the governance library's record kinds, as the steward's desk names them
KIND = {
    "person": N_("People"),
    "house": N_("Houses"),
    "enterprise": N_("Enterprises"),
    "place": N_("Places"),
}

# the library's field rules (registry.model.checks, core.codes) in words: a pattern of the English
# rule and the message id it is shown as, with the pattern's named parts put in
RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), m)
    for p, m in (
        (r"^date must read YYYY-MM-DD$", N_("a date must read YYYY-MM-DD")),
        (r"^not a real date$", N_("not a real date")),
        (r"^must be a 12-digit division code$", N_("must be a 12-digit division code")),
        (r"^must be a number$", N_("must be a number")),
        (r"^must be a whole number$", N_("must be a whole number")),
        (r"^must not be negative$", N_("must not be negative")),
        (r"^not a mobile .*landline.*number$", N_("not a mobile (11 digits from 1) or landline (0xxx-xxxxxxx) number")),
        (r"^required \(and no valid ID number", N_("required (no valid ID number to derive it from)")),
        (r"^does not match the ID number \((?P<v>.*)\)$", N_("does not match the ID number (%(v)s)")),
        (r"^must be 17 digits followed by a digit or X$", N_("must be 17 digits followed by a digit or X")),
        (r"^birth date \(digits 7-14\) is not a real date$", N_("its birth date (digits 7-14) is not a real date")),
        (r"^birth date \(digits 7-14\) is before 1880$", N_("its birth date (digits 7-14) is before 1880")),
        (r"^check character should be (?P<v>.+)$", N_("its check character is wrong")),
        (r"^must be 18 characters$", N_("must be 18 characters")),
        (r"^characters must be digits or upper", N_("only digits and upper-case letters other than I, O, Z, S, V")),
        (r"^must be one of (?P<v>.+)$", N_("must be one of %(v)s")),
        (r"^at most (?P<v>\d+) characters$", N_("at most %(v)s characters")),
        (r"^a house needs its standard address", N_("a house needs its standard address or address code")),
        (r"^not matched to a standard address", N_("not matched to a standard address")),
        (r"^the coordinates lie in no grid of the district$", N_("the coordinates lie in no grid of the district")),
        (r"^not a known map layer$", N_("not a known map layer")),
    )
)  # fmt: skip


def rule_text(rule: str) -> str:
    """A library rule in the page's language (the rule itself when it has no wording here)."""
    for pattern, message in RULES:
        m = pattern.match(rule)
        if m:
            text = i18n.gettext(message)
            return text % m.groupdict() if m.groupdict() else text
    return rule

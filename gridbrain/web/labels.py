"""Names the pages show for the event hub's codes (English message ids, translated on render)."""

from __future__ import annotations

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

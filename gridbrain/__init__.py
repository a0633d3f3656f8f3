"""gridbrain: an open grassroots smart-governance brain (基层智治大脑)."""

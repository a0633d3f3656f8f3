"""Supervision (督办): deadlines, red and yellow cards, escalation, supervision orders, whistle and
report-in, assessment and the case library."""

"""Assessment (督查考核) per department or per area over any period, its ranking and Excel export.

`model.py` holds the indicators and the score, `service.py` the counting, `excel.py` the workbook.
"""

NOTES = """Figures come from supervision's own tables (one clock per dispatch round, cards, summons) and
the events table (closing, satisfaction): four grouped queries over indexed time ranges.

Definitions (period = [since, until)):
- received: dispatch rounds started in the period (a re-dispatch to the same department counts again);
- accepted on time: response clocks met before their due time / response clocks met or red-carded;
- returned (退单率): rounds ended by a return / received;
- closed on time (按时办结率): disposal clocks met before their due time / disposal clocks met or red-carded;
- report-in rate (报到率): summons reported in by their deadline / summons in the period;
  no report-in (吹哨不到) and report-in without result (人到无效) are counted as of min(until, now);
- satisfaction: mean rating (1-5) of events closed in the period;
- reopen rate: rounds started by a reopening, counted against the department that had the event
  before / events closed in the period.
"""

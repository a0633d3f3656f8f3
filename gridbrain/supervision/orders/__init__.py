"""Supervision orders (督办单) and the whistle with report-in (网格吹哨、部门报到): `model.py` the
lifecycles, `service.py` the orders' use cases, `whistles.py` the whistles'."""

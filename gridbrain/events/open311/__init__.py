"""Open311 GeoReport v2 server of the event hub."""

"""Extension (延期) and suspension (挂起) requests: `model.py` the lifecycle, `service.py` the use cases."""

"""Alembic migrations, shipped inside the package so `gridbrain db upgrade` works from a wheel."""

"""One Alembic branch per capability (`migrations/new_revision.py` writes here)."""

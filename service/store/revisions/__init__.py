"""Versioned schema migrations (Alembic); see service/store/upgrade.py."""

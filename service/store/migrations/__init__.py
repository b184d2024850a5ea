"""Versioned schema migrations (Alembic); see service/store/migrate.py."""

"""Alembic migrations of the query log and staff accounts (run by `bot db upgrade`)."""

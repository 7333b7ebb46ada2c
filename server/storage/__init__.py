"""Storage: SQLAlchemy Core tables, one query module per area, engine set-up and migrations."""

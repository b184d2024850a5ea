"""The store's one SQLAlchemy MetaData: every table of the schema is on it."""

import sqlalchemy as sa

metadata = sa.MetaData()

"""CHECK constraints that hold a status column to its vocabulary (``pathways.vocabulary``).

The application never writes an unknown status; these make sure a raw UPDATE cannot either.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint

from pathways.vocabulary import values_of


def one_of(column: str, vocabulary: object, name: str) -> CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values_of(vocabulary))
    return CheckConstraint(f"{column} IN ({allowed})", name=name)

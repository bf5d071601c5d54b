"""Input building blocks shared by pathway definitions."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator


class StrictInput(BaseModel):
    """Every transition input refuses unknown fields, so a typo is an error, not lost data."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PersonDetails(StrictInput):
    """The minimum about a person. Stored only in the application database, never sent on."""

    full_name: str = Field(min_length=1, max_length=200)
    date_of_birth: date | None = None


class ConsentGiven(StrictInput):
    """Consent for one disclosure purpose, from one person (spec §0.4)."""

    purpose: str = Field(min_length=1, max_length=60)
    given: bool
    scope: str = Field(default="", max_length=500)


class Rationale(StrictInput):
    rationale: str = Field(min_length=1, max_length=4000)

    @field_validator("rationale")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a rationale must say why")
        return value

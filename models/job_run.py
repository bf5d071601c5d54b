"""When each scheduled job last finished: the operations page reads the last sweep and the last
delivery run from here, so it can show them while the Prefect server that ran them is down."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.types import JSONColumn, UTCDateTime


class JobRun(SQLModel, table=True):
    """One row per job, overwritten each time it finishes."""

    job: str = Field(primary_key=True, max_length=40, description="the flow's name")
    finished_at: datetime = Field(sa_type=UTCDateTime, description="wall-clock time it finished")
    as_of: datetime = Field(
        sa_type=UTCDateTime, description="the shared clock's time it ran as of (time travel)"
    )
    summary: dict[str, int] = Field(
        default_factory=dict, sa_type=JSONColumn, description="what it did, as counts only"
    )

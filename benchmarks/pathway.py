"""The pathway the event-latency benchmark records events on.

It is the example pathway with one change: recording a weekly review also queues a
``step_recorded`` message to both teams. In the example itself ``record_review`` queues
nothing, and the latency target is for an event whose transition is committed *with its
outbox rows written*; without this the benchmark would time a lighter transaction than the
one the target is about.
"""

from __future__ import annotations

from pathways.definitions import register
from pathways.engine.definition import NotificationSpec, PathwayDefinition, TransitionSpec
from tests.support.example_pathway import EXAMPLE

NAME = "example-notified"
REVIEW_NOTICE = NotificationSpec(template="step_recorded", to=("lha", "ics"))


def _notified(transition: TransitionSpec) -> TransitionSpec:
    if transition.name != "record_review":
        return transition
    return transition.model_copy(update={"notifications": (REVIEW_NOTICE,)})


def notified_example() -> PathwayDefinition:
    transitions = tuple(_notified(transition) for transition in EXAMPLE.transitions)
    return EXAMPLE.model_copy(update={"name": NAME, "transitions": transitions})


DEFINITION = register(notified_example())

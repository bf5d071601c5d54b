"""Which values of a step's stored input are personal data, read from its input model.

A person's details (``PersonDetails``: a name and a date of birth) are personal whole. Of the
rest, every string is, because a worker typed it: contact details (an e-mail address), free
text (a rationale, a reason, a plan) and references that lead back to the person (an ICS case
reference, a letter reference). Kept as they are: coded answers (choices, yes/no, numbers),
the days and times things happened, and the two kinds of text that name no one the case is
about: a ``StaffReference`` (a member of staff's username) and an ``AuthorityReference`` (an
authority's directory id).

A path is a tuple of keys into the stored payload; ``ANY_ITEM`` stands for every item of a
list.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Iterator
from functools import cache
from typing import Annotated, Any, Final, Literal, Union, get_args, get_origin

from pydantic import BaseModel, EmailStr
from pydantic.fields import FieldInfo

from pathways.commitments import commit, is_commitment
from pathways.engine.inputs import AuthorityReference, PersonDetails, StaffReference
from pathways.text import is_blank

ANY_ITEM: Final = "*"
Path = tuple[str, ...]


def _names_no_one(info: FieldInfo) -> bool:
    return any(isinstance(m, StaffReference | AuthorityReference) for m in info.metadata)


def _model_paths(model: type[BaseModel], prefix: Path, whole: bool) -> Iterator[Path]:
    whole = whole or issubclass(model, PersonDetails)
    for name, info in model.model_fields.items():
        if not _names_no_one(info):
            yield from _annotation_paths(info.annotation, (*prefix, name), whole)


def _annotation_paths(annotation: Any, path: Path, whole: bool) -> Iterator[Path]:
    origin = get_origin(annotation)
    if origin is Annotated:
        yield from _annotation_paths(get_args(annotation)[0], path, whole)
    elif origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            if arg is not type(None):
                yield from _annotation_paths(arg, path, whole)
    elif origin in (list, tuple, set, frozenset):
        for arg in get_args(annotation):
            if arg is not Ellipsis:
                yield from _annotation_paths(arg, (*path, ANY_ITEM), whole)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from _model_paths(annotation, path, whole)
    elif whole or (origin is not Literal and _is_text(annotation)):
        yield path


def _is_text(annotation: Any) -> bool:
    return annotation is EmailStr or (isinstance(annotation, type) and issubclass(annotation, str))


@cache
def personal_paths(model: type[BaseModel] | None) -> frozenset[Path]:
    """The paths in a stored input of ``model`` that hold personal data.

    Cached per model: every applied step asks it of its input model (``application.cases``),
    and the answer is fixed by the class."""
    return frozenset() if model is None else frozenset(_model_paths(model, (), False))


def anonymised(
    payload: dict[str, Any],
    paths: frozenset[Path],
    salt: str,
    commitment_key: bytes | None = None,
) -> tuple[dict[str, Any], int]:
    """A copy of ``payload`` with the string at each path replaced by its commitment (under
    ``commitment_key``, the key ``salt`` names), and how many were replaced. Blank strings,
    missing values and commitments are left as they are, so a second pass replaces nothing."""
    copied = copy.deepcopy(payload)
    replaced = sum(_replace(copied, path, salt, commitment_key) for path in paths)
    return copied, replaced


def personal_values(payload: dict[str, Any], paths: frozenset[Path]) -> frozenset[str]:
    """The personal strings a stored input holds (not blank, not yet replaced): what a fact
    copied from that input must not keep (``pathways.personal_facts``)."""
    return frozenset(
        value
        for path in paths
        for container, key in _slots(payload, path)
        if _is_removable(value := container[key])
    )


def _is_removable(value: Any) -> bool:
    return isinstance(value, str) and not is_blank(value) and not is_commitment(value)


def _slots(container: Any, path: Path) -> Iterator[tuple[Any, Any]]:
    """(container, key) of each value at ``path``."""
    head, rest = path[0], path[1:]
    items: list[tuple[Any, Any]]
    if head == ANY_ITEM:
        items = list(enumerate(container)) if isinstance(container, list) else []
    else:
        items = (
            [(head, container[head])] if isinstance(container, dict) and head in container else []
        )
    for key, value in items:
        if rest:
            yield from _slots(value, rest)
        else:
            yield container, key


def _replace(container: Any, path: Path, salt: str, commitment_key: bytes | None) -> int:
    replaced = 0
    for slot, key in list(_slots(container, path)):
        if _is_removable(slot[key]):
            slot[key] = commit(slot[key], salt, commitment_key)
            replaced += 1
    return replaced

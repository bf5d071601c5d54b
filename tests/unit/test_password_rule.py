"""The password rule: long enough, not absurdly long, and not the username; the message names
the field and the rule, never the password."""

from __future__ import annotations

import pytest

from pathways.password_rule import MAX_LENGTH, MIN_LENGTH, password_problem


@pytest.mark.parametrize(
    "password",
    ["correct horse battery", "x" * MIN_LENGTH, "ÄÖÜ-passphrase", "y" * MAX_LENGTH],
)
def test_a_long_enough_password_other_than_the_username_is_accepted(password: str) -> None:
    assert password_problem("ho.dartford", password) is None


@pytest.mark.parametrize("password", ["", "short", "x" * (MIN_LENGTH - 1)])
def test_a_short_password_is_refused_naming_the_rule(password: str) -> None:
    assert password_problem("ho.dartford", password) == "password: must be at least 12 characters"


def test_a_megabyte_is_not_a_password() -> None:
    assert password_problem("ho.dartford", "z" * (MAX_LENGTH + 1)) == (
        f"password: must be at most {MAX_LENGTH} characters"
    )


@pytest.mark.parametrize("password", ["demo.coordinator", "DEMO.Coordinator", " demo.coordinator "])
def test_the_username_is_not_a_password(password: str) -> None:
    assert password_problem("demo.coordinator", password) == "password: must not be the username"


def test_no_message_repeats_the_password() -> None:
    for password in ("tiny-secret", "q" * (MAX_LENGTH + 1), "demo.coordinator"):
        problem = password_problem("demo.coordinator", password)
        assert problem is not None and password not in problem

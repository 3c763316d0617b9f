"""The short, seeded version of each fuzz target that the suite runs (the long runs are
`python -m tests.fuzz.run TARGET --seconds 600`)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, seed, settings

from tests.fuzz.strategies import mutated
from tests.fuzz.targets import TARGETS, run_one, seeds


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_seeds_are_accepted(target) -> None:
    """The unmutated seeds parse: otherwise fuzzing would only ever test the first check."""
    for data in seeds(target):
        TARGETS[target](data)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_mutated_inputs_are_refused_or_read_never_crash(target) -> None:
    @seed(17)
    @settings(
        max_examples=60, deadline=None, database=None,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(data=mutated(target))
    def check(data: bytes) -> None:
        run_one(target, data)

    check()

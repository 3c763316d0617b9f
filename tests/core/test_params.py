"""ParamSpec and ParamSet: coercion, ranges, and the messages a person reads."""

from __future__ import annotations

import pytest

from nnstudio.core.errors import ParamError
from nnstudio.core.params import ParamSet, ParamSpec, merge, params

UNITS = ParamSpec("units", "int", 8, "How many.", minimum=1, maximum=100)
RATE = ParamSpec("rate", "float", 0.5, "How fast.", minimum=0.0, maximum=1.0)
FLAG = ParamSpec("flag", "bool", True, "On or off.")
MODE = ParamSpec("mode", "choice", "a", "Which.", choices=("a", "b"), choice_labels=("A", "Bee"))
NAME = ParamSpec("name", "str", "x", "What.")


def test_label_defaults_from_name() -> None:
    spec = ParamSpec("learning_rate", "float", 0.1, "h")
    assert spec.label == "Learning rate"
    assert ParamSpec("x", "float", 0.1, "h", label="Custom").label == "Custom"


def test_int_accepts_whole_floats_and_refuses_fractions() -> None:
    assert UNITS.coerce(16.0) == 16
    assert isinstance(UNITS.coerce(16.0), int)
    with pytest.raises(ParamError, match="whole number"):
        UNITS.coerce(2.5)


@pytest.mark.parametrize("bad", [True, "3", None, [1]])
def test_numbers_refuse_non_numbers(bad: object) -> None:
    with pytest.raises(ParamError, match="must be a number"):
        UNITS.coerce(bad)
    with pytest.raises(ParamError, match="must be a number"):
        RATE.coerce(bad)


def test_float_coerces_ints_and_refuses_non_finite() -> None:
    assert RATE.coerce(1) == 1.0
    assert isinstance(RATE.coerce(1), float)
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ParamError, match="finite"):
            RATE.coerce(bad)


def test_range_messages_name_the_limit() -> None:
    with pytest.raises(ParamError, match=r"Units must be at least 1; 0 is too small"):
        UNITS.coerce(0)
    with pytest.raises(ParamError, match=r"Units must be at most 100; 101 is too large"):
        UNITS.coerce(101)
    with pytest.raises(ParamError, match=r"at most 1\b"):
        RATE.coerce(1.5)
    assert UNITS.coerce(1) == 1 and UNITS.coerce(100) == 100


def test_bool_choice_and_str() -> None:
    assert FLAG.coerce(False) is False
    with pytest.raises(ParamError, match="true or false"):
        FLAG.coerce(1)
    assert MODE.coerce("b") == "b"
    with pytest.raises(ParamError, match="one of a, b"):
        MODE.coerce("c")
    assert NAME.coerce("y") == "y"
    with pytest.raises(ParamError, match="text"):
        NAME.coerce(3)


def test_display_choice_uses_labels() -> None:
    assert MODE.display_choice("b") == "Bee"
    assert MODE.display_choice("zzz") == "zzz"


def test_bad_declarations_fail_at_once() -> None:
    with pytest.raises(ParamError):
        ParamSpec("n", "int", 0, "h", minimum=1)
    with pytest.raises(ValueError, match="no choices"):
        ParamSpec("c", "choice", "a", "h")
    with pytest.raises(ValueError, match="duplicate"):
        params(UNITS, UNITS)


def test_paramset_resolve_fills_defaults_and_coerces() -> None:
    group = params(UNITS, RATE, FLAG)
    assert group.defaults() == {"units": 8, "rate": 0.5, "flag": True}
    assert group.resolve({"units": 4.0}, "Thing") == {"units": 4, "rate": 0.5, "flag": True}
    assert group.resolve(None, "Thing") == group.defaults()


def test_paramset_resolve_names_owner_and_refuses_unknown() -> None:
    group = params(UNITS, RATE)
    with pytest.raises(ParamError, match=r"Thing has no setting 'size' \(it has: units, rate\)"):
        group.resolve({"size": 3}, "Thing")
    with pytest.raises(ParamError, match=r"^Thing: Units must be at least 1"):
        group.resolve({"units": 0}, "Thing")


def test_paramset_lookup_and_merge() -> None:
    group = merge(params(UNITS), params(RATE, FLAG))
    assert isinstance(group, ParamSet)
    assert group.names() == ["units", "rate", "flag"]
    assert len(group) == 3
    assert group.get("rate") is RATE
    assert group.get("nope") is None
    assert list(group) == [UNITS, RATE, FLAG]

"""How state values are stored: a value column plus a type code that restores them.

SQLite (and PostgreSQL through a typed column set) keeps ints, floats and text, but
not ``bool`` (stored as 0/1) nor NaN (stored as NULL). The type code puts both back.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from thingmind.core import StateValue

VT_NULL: Final = 0
VT_BOOL: Final = 1
VT_INT: Final = 2
VT_FLOAT: Final = 3
VT_STR: Final = 4

TYPE_CODES: Final[dict[type, int]] = {
    type(None): VT_NULL,
    bool: VT_BOOL,
    int: VT_INT,
    float: VT_FLOAT,
    str: VT_STR,
}
"""Type code of each exact value type; the hot path of ``append`` looks here first."""

INT_MIN: Final = -(2**63)
INT_MAX: Final = 2**63 - 1


def encode_slow(key: str, value: object) -> tuple[int, StateValue]:
    """Return ``(type code, storable value)`` for a value not found in ``TYPE_CODES``.

    Handles subclasses (``StrEnum`` members become plain ``str``, ``IntEnum`` members
    plain ``int``) and checks that ints fit in 64 bits.

    Args:
        key: The state key, for the error message.
        value: The value.

    Returns:
        The type code and the value to bind.

    Raises:
        TypeError: When the value is not a ``StateValue``.
        ValueError: When an int does not fit in a signed 64-bit integer.
    """
    if isinstance(value, bool):
        return VT_BOOL, bool(value)
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            msg = f"state {key!r}: int {value} does not fit in 64 bits"
            raise ValueError(msg)
        return VT_INT, int(value)
    if isinstance(value, float):
        return VT_FLOAT, float(value)
    if isinstance(value, str):
        return VT_STR, str(value)
    msg = (
        f"state {key!r}: {type(value).__name__} is not a state value "
        "(bool, int, float, str or None)"
    )
    raise TypeError(msg)


def decode(value_type: int, value: float | str | None) -> StateValue:
    """Return the Python value of a stored ``(value_type, value)`` pair.

    Args:
        value_type: The stored type code.
        value: The stored value.

    Returns:
        The value, with its original type.

    Raises:
        ValueError: On an unknown type code, or a value its code forbids.
    """
    if value_type == VT_NULL:
        return None
    if value_type == VT_FLOAT:
        return math.nan if value is None else float(value)
    if value is not None:
        if value_type == VT_INT:
            return int(value)
        if value_type == VT_STR:
            return str(value)
        if value_type == VT_BOOL:
            return bool(value)
    msg = f"unknown stored value {value!r} of type code {value_type!r}"
    raise ValueError(msg)


def match_sql(value: StateValue) -> tuple[str, tuple[object, ...]]:
    """Return a SQL condition (and its parameters) for "the stored value equals ``value``".

    Numbers compare by value, so ``1`` matches ``1.0``, as in Python; ``True`` matches
    only booleans, and NaN matches NaN.

    Args:
        value: The value to look for.

    Returns:
        A condition on the ``value_type`` and ``value`` columns, and its parameters.
    """
    if value is None:
        return f"value_type = {VT_NULL}", ()
    if isinstance(value, bool):
        return f"value_type = {VT_BOOL} AND value = ?", (int(value),)
    if isinstance(value, float) and math.isnan(value):
        return f"value_type = {VT_FLOAT} AND value IS NULL", ()
    if isinstance(value, int | float):
        return f"value_type IN ({VT_INT}, {VT_FLOAT}) AND value = ?", (value,)
    return f"value_type = {VT_STR} AND value = ?", (str(value),)

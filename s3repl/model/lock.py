"""Object Lock: bucket default retention, and per-version retention and legal hold."""

from __future__ import annotations

import datetime as dt

import attrs

from s3repl.errors import InvalidArgument, MalformedXML
from s3repl.model import _checks
from s3repl.model.enums import ObjectLockMode

__all__ = ["DefaultRetention", "ObjectLockConfiguration", "Retention"]


@attrs.frozen(kw_only=True)
class DefaultRetention:
    """A bucket's default retention: a mode and exactly one of ``days`` or ``years``."""

    mode: ObjectLockMode = attrs.field(converter=ObjectLockMode)
    days: int | None = None
    years: int | None = None

    def __attrs_post_init__(self) -> None:
        """Require exactly one positive period."""
        if (self.days is None) == (self.years is None):
            msg = "DefaultRetention must specify exactly one of Days or Years"
            raise MalformedXML(msg, element="ObjectLockConfiguration/Rule/DefaultRetention")
        period = self.days if self.days is not None else self.years
        if not isinstance(period, int) or isinstance(period, bool) or period <= 0:
            msg = "Default retention period must be a positive integer value"
            raise InvalidArgument(msg)

    def retain_until(self, start: dt.datetime) -> dt.datetime:
        """Return the retain-until date for a version created at ``start``."""
        days = self.days if self.days is not None else 365 * (self.years or 0)
        return start + dt.timedelta(days=days)


@attrs.frozen(kw_only=True)
class ObjectLockConfiguration:
    """A bucket's Object Lock configuration (enabled, with an optional default rule)."""

    default_retention: DefaultRetention | None = attrs.field(
        default=None, validator=_checks.optional(_checks.instance_of(DefaultRetention))
    )


def _aware(_instance: object, attribute: attrs.Attribute[dt.datetime], value: dt.datetime) -> None:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        msg = f"{attribute.name} must be a timezone-aware datetime"
        raise InvalidArgument(msg)


@attrs.frozen(kw_only=True)
class Retention:
    """A version's retention: a mode and a retain-until date."""

    mode: ObjectLockMode = attrs.field(converter=ObjectLockMode)
    retain_until_date: dt.datetime = attrs.field(validator=_aware)

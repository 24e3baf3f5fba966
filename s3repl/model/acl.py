"""Access control lists: grants, grantees, permissions and canned ACLs."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from s3repl.errors import InvalidArgument
from s3repl.model import _checks
from s3repl.model.enums import S3Enum

__all__ = ["Acl", "CannedAcl", "Grant", "Grantee", "GranteeType", "Permission"]


class Permission(S3Enum):
    """ACL permissions."""

    FULL_CONTROL = "FULL_CONTROL"
    READ = "READ"
    WRITE = "WRITE"
    READ_ACP = "READ_ACP"
    WRITE_ACP = "WRITE_ACP"


class GranteeType(S3Enum):
    """Who a grant names: an account (canonical user), or a predefined group."""

    CANONICAL_USER = "CanonicalUser"
    GROUP = "Group"


#: Group URIs of S3's predefined groups.
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
_GROUPS = (ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY)


@attrs.frozen(kw_only=True)
class Grantee:
    """A grantee; s3repl names accounts by their 12-digit id instead of a canonical id."""

    type: GranteeType = attrs.field(converter=GranteeType)
    id: str = attrs.field(validator=_checks.non_empty_text)

    def __attrs_post_init__(self) -> None:
        """Check that a group grantee names one of S3's predefined groups."""
        if self.type is GranteeType.GROUP and self.id not in _GROUPS:
            msg = f"Unknown ACL group {self.id!r}"
            raise InvalidArgument(msg)

    @classmethod
    def account(cls, account_id: str) -> Grantee:
        """Return the grantee for an account."""
        return cls(type=GranteeType.CANONICAL_USER, id=account_id)


@attrs.frozen(kw_only=True)
class Grant:
    """One ACL grant."""

    grantee: Grantee = attrs.field(validator=_checks.instance_of(Grantee))
    permission: Permission = attrs.field(converter=Permission)


class CannedAcl(S3Enum):
    """Canned ACLs accepted by ``x-amz-acl``."""

    PRIVATE = "private"
    PUBLIC_READ = "public-read"
    PUBLIC_READ_WRITE = "public-read-write"
    AUTHENTICATED_READ = "authenticated-read"
    AWS_EXEC_READ = "aws-exec-read"
    BUCKET_OWNER_READ = "bucket-owner-read"
    BUCKET_OWNER_FULL_CONTROL = "bucket-owner-full-control"


def _grants(value: Iterable[Grant]) -> tuple[Grant, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Acl:
    """An object or bucket ACL: an owner and its grants."""

    owner: str = attrs.field(validator=_checks.non_empty_text)
    grants: tuple[Grant, ...] = attrs.field(
        default=(), converter=_grants, validator=_checks.items_of(Grant)
    )

    @classmethod
    def canned(cls, canned: CannedAcl | str, *, owner: str, bucket_owner: str) -> Acl:
        """Expand a canned ACL for an object owned by ``owner`` in ``bucket_owner``'s bucket."""
        canned = CannedAcl(canned)
        full = Grant(grantee=Grantee.account(owner), permission=Permission.FULL_CONTROL)
        grants = [full]
        group_read = {
            CannedAcl.PUBLIC_READ: (ALL_USERS,),
            CannedAcl.PUBLIC_READ_WRITE: (ALL_USERS,),
            CannedAcl.AUTHENTICATED_READ: (AUTHENTICATED_USERS,),
        }.get(canned, ())
        grants += [
            Grant(grantee=Grantee(type=GranteeType.GROUP, id=uri), permission=Permission.READ)
            for uri in group_read
        ]
        if canned is CannedAcl.PUBLIC_READ_WRITE:
            grants.append(
                Grant(
                    grantee=Grantee(type=GranteeType.GROUP, id=ALL_USERS),
                    permission=Permission.WRITE,
                )
            )
        if bucket_owner != owner:
            if canned is CannedAcl.BUCKET_OWNER_READ:
                grants.append(
                    Grant(grantee=Grantee.account(bucket_owner), permission=Permission.READ)
                )
            elif canned is CannedAcl.BUCKET_OWNER_FULL_CONTROL:
                grants.append(
                    Grant(grantee=Grantee.account(bucket_owner), permission=Permission.FULL_CONTROL)
                )
        return cls(owner=owner, grants=tuple(grants))

    @classmethod
    def private(cls, owner: str) -> Acl:
        """Return the default ACL: full control for the owner."""
        return cls.canned(CannedAcl.PRIVATE, owner=owner, bucket_owner=owner)

    def allows(self, account_id: str, permission: Permission) -> bool:
        """Whether ``account_id`` holds ``permission`` (directly or via FULL_CONTROL)."""
        if account_id == self.owner and permission in (Permission.READ_ACP, Permission.WRITE_ACP):
            return True
        for grant in self.grants:
            grantee = grant.grantee
            named = (grantee.type is GranteeType.CANONICAL_USER and grantee.id == account_id) or (
                grantee.type is GranteeType.GROUP and grantee.id in (ALL_USERS, AUTHENTICATED_USERS)
            )
            if named and grant.permission in (permission, Permission.FULL_CONTROL):
                return True
        return False

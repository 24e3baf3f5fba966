"""The frozen values of s3repl: names, buckets, objects, ACLs, lock and replication.

Nothing here knows a wire format or the engine; every value validates itself.
"""

from s3repl.model._frozenmap import FrozenMap
from s3repl.model.acl import Acl, CannedAcl, Grant, Grantee, GranteeType, Permission
from s3repl.model.bucket import Bucket, DefaultEncryption
from s3repl.model.enums import (
    FailureReason,
    ObjectLockLegalHoldStatus,
    ObjectLockMode,
    ObjectOwnership,
    ReplicationStatus,
    ServerSideEncryption,
    Status,
    StorageClass,
    VersioningStatus,
)
from s3repl.model.lock import DefaultRetention, ObjectLockConfiguration, Retention
from s3repl.model.names import DEFAULT_ACCOUNT, BucketArn, KmsKeyArn, Partition, RoleArn
from s3repl.model.objects import NULL_VERSION_ID, DeleteMarker, ObjectVersion, VersionStatuses
from s3repl.model.replication import (
    AccessControlTranslation,
    AndOperator,
    Destination,
    EncryptionConfiguration,
    Filter,
    Metrics,
    NotOperator,
    OrOperator,
    ReplicationConfiguration,
    ReplicationRule,
    ReplicationTime,
    SchemaVersion,
    SourceSelectionCriteria,
    Tag,
)
from s3repl.model.tasks import ReplicationTask, StepResult, TaskKind

__all__ = [
    "DEFAULT_ACCOUNT",
    "NULL_VERSION_ID",
    "AccessControlTranslation",
    "Acl",
    "AndOperator",
    "Bucket",
    "BucketArn",
    "CannedAcl",
    "DefaultEncryption",
    "DefaultRetention",
    "DeleteMarker",
    "Destination",
    "EncryptionConfiguration",
    "FailureReason",
    "Filter",
    "FrozenMap",
    "Grant",
    "Grantee",
    "GranteeType",
    "KmsKeyArn",
    "Metrics",
    "NotOperator",
    "ObjectLockConfiguration",
    "ObjectLockLegalHoldStatus",
    "ObjectLockMode",
    "ObjectOwnership",
    "ObjectVersion",
    "OrOperator",
    "Partition",
    "Permission",
    "ReplicationConfiguration",
    "ReplicationRule",
    "ReplicationStatus",
    "ReplicationTask",
    "ReplicationTime",
    "Retention",
    "RoleArn",
    "SchemaVersion",
    "ServerSideEncryption",
    "SourceSelectionCriteria",
    "Status",
    "StepResult",
    "StorageClass",
    "Tag",
    "TaskKind",
    "VersionStatuses",
    "VersioningStatus",
]

"""S3 Batch Operations jobs (Batch Replication): the S3 Control job API over the engine.

Theory of operation.  ``create_job`` reads the request (``model.jobrequest``), asks
policy whether the job can be prepared (its role, its manifest, its report bucket),
reads or generates the manifest, and then either waits in ``Suspended`` for a
confirmation or starts: each manifest entry is planned by policy (which destinations,
under which rules, or why it fails at once) and one ``BATCH`` task per destination
joins the replication queue.  From there a job's work is ordinary replication work:
``step()`` pops its tasks among live ones (so jobs interleave, fork, snapshot and
explore like everything else), ``policy.apply_batch`` decides each one and the
replicator's one writer (``_commit``) writes it.  When a job's last task is done it
passes ``Completing`` (its completion report is written into the report bucket) and
ends ``Complete``.

Statuses.  ``New`` and ``Preparing`` pass within ``create_job`` (the model reads the
manifest when the job is created); a started job is ``Ready`` until the first of its
tasks is applied and ``Active`` after; ``Suspended`` waits for
``update_job_status(requested_job_status="Ready")``; ``Cancelled`` drops its queued
tasks; ``Failed`` is a job that could not be prepared (``FailureReasons`` says why).
Pausing for a higher-priority job is not modelled: the queue's order decides how jobs
interleave, and ``Priority`` is recorded and reported.

Why job ids are hashes of (seed, count): they need no random generator whose state a
snapshot would have to carry, and a fork creates the same ids as its original.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import TYPE_CHECKING, Any

import attrs

from s3repl import policy
from s3repl.engine._core import OrderPolicy, _EngineCore
from s3repl.engine._jobfiles import completion_report, generated_manifest
from s3repl.engine._state import EngineState
from s3repl.engine._store import ObjectStore
from s3repl.errors import (
    AccessDenied,
    BadRequestException,
    IdempotencyException,
    JobStatusException,
    NotFoundException,
)
from s3repl.model import (
    DEFAULT_ACCOUNT,
    FailureReason,
    FrozenMap,
    ObjectVersion,
    ReplicationStatus,
    ReplicationTask,
    StepResult,
    TaskKind,
)
from s3repl.model._fastbuild import new_task
from s3repl.model.jobrequest import parse_create_job, parse_manifest_csv
from s3repl.model.jobs import Job, JobRequest, JobStatus, ManifestEntry, TaskOutcome
from s3repl.profile import Profile
from s3repl.world import Version, World

__all__: list[str] = []

_JOB_ID_RE = re.compile(r"[a-zA-Z0-9\-_]{5,36}")
_PRIORITY_MAX = 2_147_483_647
_DEFAULT_REGION = "us-east-1"
_PENDING = ReplicationStatus.PENDING
_BATCH = TaskKind.BATCH
_LIVE_WRITES = frozenset({TaskKind.OBJECT, TaskKind.DELETE_MARKER})
_LIST_MAX = 1000


def _owner(account_id: str | None, account: str | None) -> str:
    """The job's account: ``AccountId``, else the caller's, else the default account.

    Raises:
        AccessDenied: the caller names another account's jobs (S3 Control acts within
            the caller's own account).
    """
    if account_id is not None and account is not None and account_id != account:
        msg = "Access Denied: S3 Control acts on the caller's own account only"
        raise AccessDenied(msg)
    if account_id is not None:
        return account_id
    return account or DEFAULT_ACCOUNT


class _Jobs(_EngineCore):
    """``create_job``, ``describe_job``, ``list_jobs``, ``update_job_status``/``_priority``."""

    if TYPE_CHECKING:  # implemented by the object operations and the replicator

        def put_object(
            self,
            bucket: str,
            key: str,
            body: bytes = b"",
            *,
            content_type: str = ...,
            server_side_encryption: str | None = None,
        ) -> ObjectVersion: ...

        def _commit(
            self, task: ReplicationTask, applied: policy.Applied, version: Version | None
        ) -> StepResult: ...

    def __init__(
        self, *, seed: int = 0, profile: Profile | None = None, order: OrderPolicy = "fifo"
    ) -> None:
        """An engine with no jobs yet (arguments as :class:`~s3repl.engine.Engine`)."""
        super().__init__(seed=seed, profile=profile, order=order)
        self._jobs: dict[str, Job] = {}
        # Queued batch task sequence -> (job id, manifest entry index).
        self._job_tasks: dict[int, tuple[str, int]] = {}

    # --- snapshots carry the jobs ------------------------------------------------------

    def _engine_state(self) -> EngineState:
        """The core's engine state, with the jobs and their queued tasks."""
        state = super()._engine_state()
        return attrs.evolve(
            state, jobs=tuple(self._jobs.values()), job_tasks=FrozenMap(self._job_tasks)
        )

    @classmethod
    def _restore(cls, world: World, store: ObjectStore) -> Any:
        """The core's restore, with the jobs of the snapshot (none in a hand-built World)."""
        engine = super()._restore(world, store)
        state = world.engine_state
        if isinstance(state, EngineState):
            engine._jobs = {job.job_id: job for job in state.jobs}
            engine._job_tasks = state.job_tasks.to_dict()
        return engine

    # --- the API ---------------------------------------------------------------------

    def create_job(
        self,
        *,
        operation: Any,
        report: Any,
        client_request_token: Any,
        priority: Any,
        role_arn: Any,
        account_id: str | None = None,
        manifest: Any = None,
        manifest_generator: Any = None,
        confirmation_required: Any = None,
        description: Any = None,
        tags: Any = None,
        region: str | None = None,
        account: str | None = None,
    ) -> dict[str, str]:
        """Create a Batch Replication job (S3 Control ``CreateJob``; R-126, R-177).

        Parameters are boto3's ``s3control.create_job`` ones in snake_case, shaped as
        boto3 takes them (``operation={"S3ReplicateObject": {}}``, ``manifest`` or
        ``manifest_generator={"S3JobManifestGenerator": {...}}``, ``report``).

        Args:
            operation: ``Operation``; only ``S3ReplicateObject`` is modelled.
            report: ``Report``.
            client_request_token: ``ClientRequestToken``: the same token and request
                return the same job; the same token with another request is refused.
            priority: ``Priority``.
            role_arn: ``RoleArn``: the role S3 Batch Operations assumes.
            account_id: ``AccountId`` (default: ``account``, else the default account).
            manifest: ``Manifest``: a CSV manifest object the caller wrote.
            manifest_generator: ``ManifestGenerator``: S3 lists the versions.
            confirmation_required: ``ConfirmationRequired``: wait in ``Suspended``.
            description: ``Description``.
            tags: ``Tags``.
            region: the Region the job runs in (the S3 Control endpoint's); default
                the Region of the source bucket (or of the manifest's bucket).
            account: the calling account (the engine's usual name for it).

        Returns:
            ``{"JobId": ...}``.

        Raises:
            BadRequestException: a parameter is missing, unknown or invalid (nothing
                is created).
            InvalidRequest: an operation or manifest format s3repl does not model.
            IdempotencyException: the token was used for another request.
        """
        job_account: Any = _owner(account_id, account)
        request = parse_create_job(
            account=job_account,
            operation=operation,
            report=report,
            client_request_token=client_request_token,
            priority=priority,
            role_arn=role_arn,
            region=_DEFAULT_REGION if region is None else region,
            manifest=manifest,
            manifest_generator=manifest_generator,
            confirmation_required=confirmation_required,
            description=description,
            tags=tags,
        )
        if region is None:
            request = attrs.evolve(request, region=self._home_region(request))
        for job in self._jobs.values():
            same = (job.request.account, job.request.client_request_token)
            if same == (request.account, request.client_request_token):
                if job.request != request:
                    msg = "The ClientRequestToken was already used for a different request"
                    raise IdempotencyException(msg, element="ClientRequestToken")
                return {"JobId": job.job_id}
        self._tick()
        job_id = str(
            uuid.UUID(
                bytes=hashlib.sha256(f"{self.seed}:job:{len(self._jobs)}".encode()).digest()[:16],
                version=4,
            )
        )
        job = Job(
            job_id=job_id,
            request=request,
            status=JobStatus.NEW,
            priority=request.priority,
            creation_time=self.now,
        )
        self._jobs[job_id] = self._prepare(attrs.evolve(job, status=JobStatus.PREPARING))
        return {"JobId": job_id}

    def describe_job(
        self, job_id: str, *, account_id: str | None = None, account: str | None = None
    ) -> dict[str, Any]:
        """S3 Control ``DescribeJob``: ``{"Job": JobDescriptor}`` with its progress.

        Raises:
            BadRequestException: the job id is malformed.
            NotFoundException: the account has no such job.
        """
        return {"Job": self._job(job_id, _owner(account_id, account)).describe(self.now)}

    def list_jobs(
        self,
        *,
        account_id: str | None = None,
        job_statuses: Any = None,
        next_token: str | None = None,
        max_results: int | None = None,
        account: str | None = None,
    ) -> dict[str, Any]:
        """S3 Control ``ListJobs``: the account's jobs in creation order, paginated.

        Args:
            account_id: ``AccountId``.
            job_statuses: only jobs in one of these statuses (``JobStatuses``).
            next_token: where the previous page stopped.
            max_results: at most this many jobs (0..1000, default 1000).
            account: the calling account (the engine's usual name for it).

        Raises:
            BadRequestException: a status, token or page size is invalid.
        """
        owner = _owner(account_id, account)
        wanted: set[JobStatus] | None = None
        if job_statuses is not None:
            if isinstance(job_statuses, str) or not isinstance(job_statuses, (list, tuple)):
                msg = "JobStatuses must be a list"
                raise BadRequestException(msg, element="JobStatuses")
            wanted = set()
            for i, status in enumerate(job_statuses):
                try:
                    wanted.add(JobStatus(status))
                except ValueError:
                    msg = f"JobStatuses[{i}] is not a job status: {str(status)[:64]!r}"
                    raise BadRequestException(msg, element=f"JobStatuses[{i}]") from None
        size = _LIST_MAX if max_results is None else max_results
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= _LIST_MAX:
            msg = f"MaxResults must be an integer from 0 to {_LIST_MAX}"
            raise BadRequestException(msg, element="MaxResults")
        start = 0
        if next_token is not None:
            if not isinstance(next_token, str) or not next_token.isdigit():
                msg = "The NextToken is not valid"
                raise BadRequestException(msg, element="NextToken")
            start = int(next_token)
        jobs = [
            job
            for job in self._jobs.values()
            if job.request.account == owner and (wanted is None or job.status in wanted)
        ]
        page = jobs[start : start + size]
        out: dict[str, Any] = {"Jobs": [job.list_descriptor(self.now) for job in page]}
        if size and start + size < len(jobs):
            out["NextToken"] = str(start + size)
        return out

    def update_job_status(
        self,
        job_id: str,
        requested_job_status: str,
        *,
        status_update_reason: str | None = None,
        account_id: str | None = None,
        account: str | None = None,
    ) -> dict[str, str]:
        """S3 Control ``UpdateJobStatus``: confirm a ``Suspended`` job, or cancel a job.

        ``Ready`` starts a job waiting for confirmation; ``Cancelled`` drops the
        job's queued tasks and ends it (its report covers the tasks that ran).

        Returns:
            ``{"JobId", "Status", "StatusUpdateReason"?}``.

        Raises:
            BadRequestException: the status is neither ``Ready`` nor ``Cancelled``.
            NotFoundException: the account has no such job.
            JobStatusException: the job's status does not allow the change.
        """
        job = self._job(job_id, _owner(account_id, account))
        if requested_job_status not in ("Ready", "Cancelled"):
            shown = str(requested_job_status)[:64]
            msg = f"RequestedJobStatus must be Ready or Cancelled, got {shown!r}"
            raise BadRequestException(msg, element="RequestedJobStatus")
        if status_update_reason is not None and not (
            isinstance(status_update_reason, str) and 1 <= len(status_update_reason) <= 256
        ):
            msg = "StatusUpdateReason must be 1 to 256 characters"
            raise BadRequestException(msg, element="StatusUpdateReason")
        if requested_job_status == "Ready" and job.status is not JobStatus.SUSPENDED:
            msg = f"Only a Suspended job can be confirmed; job {job_id} is {job.status.value}"
            raise JobStatusException(msg, element="RequestedJobStatus")
        if requested_job_status == "Cancelled" and job.status.is_terminal:
            msg = f"Job {job_id} is {job.status.value} and can no longer be cancelled"
            raise JobStatusException(msg, element="RequestedJobStatus")
        self._tick()
        job = attrs.evolve(job, status_update_reason=status_update_reason)
        if requested_job_status == "Ready":
            job = self._start(attrs.evolve(job, status=JobStatus.READY))
        else:
            job = self._cancel(job)
        self._jobs[job_id] = job
        out = {"JobId": job_id, "Status": job.status.value}
        if status_update_reason is not None:
            out["StatusUpdateReason"] = status_update_reason
        return out

    def update_job_priority(
        self,
        job_id: str,
        priority: int,
        *,
        account_id: str | None = None,
        account: str | None = None,
    ) -> dict[str, Any]:
        """S3 Control ``UpdateJobPriority``.

        Raises:
            BadRequestException: the priority is not an integer from 0 to 2147483647.
            NotFoundException: the account has no such job.
        """
        job = self._job(job_id, _owner(account_id, account))
        if isinstance(priority, bool) or not isinstance(priority, int):
            msg = f"Priority must be an integer, got {type(priority).__name__}"
            raise BadRequestException(msg, element="Priority")
        if not 0 <= priority <= _PRIORITY_MAX:
            msg = f"Priority must be between 0 and {_PRIORITY_MAX}"
            raise BadRequestException(msg, element="Priority")
        self._tick()
        self._jobs[job_id] = attrs.evolve(job, priority=priority)
        return {"JobId": job_id, "Priority": priority}

    # --- preparing and starting ----------------------------------------------------------

    def _job(self, job_id: str, account: str | None) -> Job:
        if not isinstance(job_id, str) or not _JOB_ID_RE.fullmatch(job_id):
            msg = "The JobId is not valid"
            raise BadRequestException(msg, element="JobId")
        job = self._jobs.get(job_id)
        if job is None or job.request.account != (account or DEFAULT_ACCOUNT):
            msg = f"No such job: {job_id}"
            raise NotFoundException(msg, element="JobId")
        return job

    def _home_region(self, request: JobRequest) -> str:
        """The Region a job runs in by default: its source's, else its manifest's bucket's."""
        name = request.source_bucket or (request.manifest.bucket if request.manifest else None)
        bucket = self._buckets.get(name) if name else None
        return bucket.region if bucket is not None else _DEFAULT_REGION

    def _fail(self, job: Job, code: str, reason: str) -> Job:
        return attrs.evolve(
            job,
            status=JobStatus.FAILED,
            failure_reasons=(*job.failure_reasons, (code, reason[:256])),
            termination_date=self.now,
        )

    def _prepare(self, job: Job) -> Job:
        """Read or generate the manifest; then suspend, start, or fail the job."""
        request = job.request
        world = self._world()
        location = request.manifest
        manifest_version = None
        if location is not None:
            manifest_version = (
                self._store.head(location.bucket, location.key)
                if location.version_id is None
                else self._store.find(location.bucket, location.key, location.version_id)
            )
        failure = policy.preparation_failure(world, request, manifest_version)
        if failure is not None:
            return self._fail(job, *failure)
        if location is not None:
            assert isinstance(manifest_version, ObjectVersion)  # policy checked it
            try:
                entries = parse_manifest_csv(manifest_version.body, location.fields)
            except (ValueError, UnicodeDecodeError) as error:
                return self._fail(
                    job, "InvalidManifestContent", f"The manifest is not valid: {error}"
                )
        else:
            entries = self._generate(request)
        job = attrs.evolve(job, entries=entries)
        generator = request.generator
        if generator is not None and generator.enable_manifest_output:
            assert generator.output_bucket is not None  # the request demands it
            assert generator.output_bucket_arn is not None
            files = generated_manifest(
                job_id=job.job_id,
                source_bucket=generator.source_bucket,
                output_bucket_arn=generator.output_bucket_arn,
                prefix=generator.output_prefix,
                entries=entries,
                now=self.now,
            )
            etag = self._write_files(generator.output_bucket, files)
            job = attrs.evolve(job, generated_manifest=(files[-1][0], etag))
        if request.confirmation_required:
            return attrs.evolve(job, status=JobStatus.SUSPENDED, suspended_date=self.now)
        return self._start(attrs.evolve(job, status=JobStatus.READY))

    def _generate(self, request: JobRequest) -> tuple[ManifestEntry, ...]:
        """The versions a manifest generator lists: keys ascending, newest version first."""
        generator = request.generator
        assert generator is not None  # asked only for a generated manifest
        world, name, flt = self._world(), generator.source_bucket, generator.filter
        return tuple(
            ManifestEntry(bucket=name, key=key, version_id=version.version_id)
            for key in self._store.keys(name)
            for version in self._store.versions(name, key)
            if policy.manifest_selects(flt, world, name, version)
        )

    def _write_files(self, bucket: str, files: list[tuple[str, bytes, str]]) -> str:
        """Write a job's objects (SSE-S3, as AWS writes reports); the last one's ETag."""
        etag = ""
        for key, body, content_type in files:
            written = self.put_object(
                bucket, key, body, content_type=content_type, server_side_encryption="AES256"
            )
            etag = written.etag
        return etag

    def _start(self, job: Job) -> Job:
        """Plan every entry (policy) and queue one batch task per destination (R-177)."""
        world = self._world()
        outcomes = list(job.outcomes)
        entries = list(job.entries)
        open_entries: dict[int, tuple[int, FailureReason | None]] = {}
        for index, entry in enumerate(job.entries):
            plan = policy.plan_entry(world, entry)
            if plan.version_id != entry.version_id:
                entries[index] = entry = attrs.evolve(entry, version_id=plan.version_id)
            if plan.failure is not None:
                outcomes.append(TaskOutcome(entry=entry, reason=plan.failure))
                continue
            assert plan.version_id is not None  # a routed entry names its version
            for route in plan.routes:
                self._sequence = sequence = self._sequence + 1
                task = new_task(
                    entry.bucket,
                    route.destination_bucket,
                    entry.key,
                    plan.version_id,
                    route.rule_id,
                    _BATCH,
                    self._clock_us,
                    sequence,
                    False,  # noqa: FBT003 - positional, as new_task takes every field
                )
                self._queue.push(task)
                self._job_tasks[sequence] = (job.job_id, index)
            open_entries[index] = (len(plan.routes), None)
        job = attrs.evolve(
            job,
            entries=tuple(entries),
            outcomes=tuple(outcomes),
            open_entries=FrozenMap(open_entries),
        )
        if outcomes:
            job = attrs.evolve(job, status=JobStatus.ACTIVE, active_since=self.now)
        return job if open_entries else self._finish(job)

    # --- running ---------------------------------------------------------------------------

    def _apply_job_task(self, task: ReplicationTask, unavailable: frozenset[str]) -> StepResult:
        """Apply one batch task: ``policy.apply_batch`` decides, the one writer writes."""
        job_id, index = self._job_tasks[task.sequence]
        job = self._jobs[job_id]
        version = self._store.find(task.source_bucket, task.key, task.version_id)
        supersedes = policy.supersedes_live(version, task.destination_bucket)
        applied = policy.apply_batch(
            self._view or self._world(),
            task,
            version,
            role_arn=job.request.role_arn,
            region=job.request.region,
            clock=self._read_clock,
            now_us=self._clock_us,
            unavailable=unavailable,
            answers=self._caches,
        )
        result = self._commit(task, applied, version)
        if supersedes and result.status is not _PENDING:
            self._withdraw_live(task)
        if job.status is JobStatus.READY:
            job = attrs.evolve(job, status=JobStatus.ACTIVE, active_since=self.now)
        if result.status is not _PENDING:
            del self._job_tasks[task.sequence]
            job = self._record(job, index, result.failure_reason)
        self._jobs[job_id] = job
        return result

    def _withdraw_live(self, task: ReplicationTask) -> None:
        """Take out the live task the job's task did the work of (policy.supersedes_live)."""
        for queued in self._queue.pending():
            if (
                queued.kind in _LIVE_WRITES
                and queued.version_id == task.version_id
                and queued.key == task.key
                and queued.source_bucket == task.source_bucket
                and queued.destination_bucket == task.destination_bucket
            ):
                self._queue.take(queued)

    def _record(self, job: Job, index: int, reason: FailureReason | None) -> Job:
        """One task of an entry is done; the entry ends when its last task does."""
        left, first = job.open_entries[index]
        first = first or reason
        still = job.open_entries.to_dict()
        if left > 1:
            still[index] = (left - 1, first)
            return attrs.evolve(job, open_entries=FrozenMap(still))
        del still[index]
        outcome = TaskOutcome(entry=job.entries[index], reason=first)
        job = attrs.evolve(job, open_entries=FrozenMap(still), outcomes=(*job.outcomes, outcome))
        return job if still else self._finish(job)

    def _finish(self, job: Job) -> Job:
        """``Completing``: write the completion report; then ``Complete``."""
        job = attrs.evolve(job, status=JobStatus.COMPLETING)
        job = self._report(job)
        if job.status is JobStatus.FAILED:
            return job
        return attrs.evolve(job, status=JobStatus.COMPLETE, termination_date=self.now)

    def _report(self, job: Job) -> Job:
        """Write the completion report, if one is asked for and a task ran."""
        report = job.request.report
        if not report.enabled or report.bucket is None or not job.outcomes:
            return job
        if report.bucket not in self._buckets:
            return self._fail(job, "NoSuchBucket", f"The report bucket {report.bucket} is gone")
        files = completion_report(
            job_id=job.job_id,
            bucket=report.bucket,
            prefix=report.prefix,
            failed_only=report.scope == "FailedTasksOnly",
            outcomes=job.outcomes,
            now=self.now,
        )
        self._write_files(report.bucket, files)
        return job

    def _cancel(self, job: Job) -> Job:
        """Drop the job's queued tasks; ``Cancelled``, with a report of what ran."""
        mine = {seq for seq, (owner, _) in self._job_tasks.items() if owner == job.job_id}
        for task in self._queue.pending():
            if task.sequence in mine:
                self._queue.take(task)
                del self._job_tasks[task.sequence]
        job = attrs.evolve(job, status=JobStatus.CANCELLING, open_entries=FrozenMap())
        job = self._report(job)
        return attrs.evolve(job, status=JobStatus.CANCELLED, termination_date=self.now)

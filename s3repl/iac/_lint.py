"""Policy statements as the file writes them: what reaches the world, and what is wrong.

A statement in a template or plan goes through :func:`settle_document` before the
world sees it, because two things about it belong to the file, not to the world:

- a ``Resource`` that is not an ARN (nor ``*``): ``!Sub '${Bucket}/*'`` is the bucket's
  *name* followed by ``/*``.  IAM refuses such a document (``MalformedPolicyDocument``)
  and, read as a pattern, it matches no object, so what the statement grants is granted
  nowhere.  The resource is left out (the world's IAM would refuse the whole document)
  and a :class:`~s3repl.iac._draft.TemplateFinding` names the statement, the text, the
  permissions it was meant to give and the failure reason their absence causes (R-155);
- a part the file does not give (an :class:`~s3repl.iac._intrinsics.Unresolved`
  value): an unresolved ``Resource`` is assumed to be ``*`` (the statement is taken to
  cover what it was written for), any other unresolved part leaves the statement out;
  either way an :class:`~s3repl.iac._draft.Assumption` says so;
- a condition operator s3repl does not evaluate: the world's IAM refuses rather than
  ignore a condition, so the statement is left out, and an assumption says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from s3repl import iam
from s3repl.errors import S3ReplError, UnsupportedConditionError
from s3repl.iac._draft import Draft, Location, TemplateFinding
from s3repl.iac._intrinsics import Unresolved, first_unresolved
from s3repl.policy import PERMISSION_NEEDS

__all__ = ["settle_document"]


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _label(statement: Mapping[str, Any], index: int) -> str:
    sid = statement.get("Sid")
    return f"statement {sid!r}" if isinstance(sid, str) and sid else f"statement {index + 1}"


def _what_it_grants(actions: list[Any]) -> tuple[str, str]:
    """The replication permissions among ``actions`` and the failure their absence causes."""
    needs = [
        need
        for need in PERMISSION_NEEDS
        if any(isinstance(a, str) and iam.action_matches(a, need.action) for a in actions)
    ]
    if not needs:
        return "", "MalformedPolicyDocument"
    names = ", ".join(dict.fromkeys(need.action for need in needs))
    return f" the statement grants {names} on nothing, and", needs[0].reason.value


def _not_an_arn(text: str) -> str:
    if text.endswith("/*") and ":" not in text:
        return (
            f"{text!r} is a bucket's name followed by /*, not an ARN (write "
            f"!Sub 'arn:${{AWS::Partition}}:s3:::{text}' or !Sub '${{Bucket.Arn}}/*')"
        )
    return f"{text!r} is not an ARN"


def _settle_statement(
    statement: Mapping[str, Any], label: str, owner: str, location: Location, draft: Draft
) -> dict[str, Any] | None:
    settled = dict(statement)
    for element in ("Resource", "NotResource"):
        if element not in settled:
            continue
        kept: list[Any] = []
        for item in _as_list(settled[element]):
            if isinstance(item, Unresolved):
                draft.assume(
                    location,
                    f"{element} of {label} of {owner} is not given ({item.reason})",
                    "'*', so that the statement covers what it was written for",
                )
                kept.append("*")
            elif isinstance(item, str) and item != "*" and not item.startswith("arn:"):
                granted, reason = _what_it_grants(_as_list(settled.get("Action", [])))
                draft.template_findings.append(
                    TemplateFinding(
                        location=location,
                        requirement="R-155",
                        code=reason,
                        message=(
                            f"{element} of {label} of {owner}: {_not_an_arn(item)}. It matches "
                            f"no object:{granted} objects fail with {reason}. IAM itself "
                            "refuses such a resource (MalformedPolicyDocument: must be in ARN "
                            'format or "*").'
                        ),
                    )
                )
            else:
                kept.append(item)
        if not kept:
            return None
        settled[element] = kept
    missing = first_unresolved(settled)
    if missing is not None:
        draft.assume(
            location,
            f"{label} of {owner} is not fully given ({missing.reason})",
            "the statement is left out",
        )
        return None
    try:
        iam.parse_policy({"Version": "2012-10-17", "Statement": [settled]})
    except UnsupportedConditionError as err:
        draft.assume(
            location,
            f"{label} of {owner} has a condition s3repl cannot evaluate ({err})",
            "the statement is left out",
        )
        return None
    except (S3ReplError, ValueError, TypeError):
        pass  # IAM's own refusal: the world loader names the resource and its line
    return settled


def settle_document(
    document: object,
    *,
    owner: str,
    location: Location,
    draft: Draft,
    statement_location: Callable[[int], Location] | None = None,
) -> dict[str, Any] | None:
    """The policy document as the world should see it (see the module docstring).

    Args:
        document: the resolved document from the file (may hold unresolved parts).
        owner: who the document belongs to, for messages (``policy 'x' of role y``).
        location: where the file declares it.
        draft: where findings and assumptions are recorded.
        statement_location: where the file has statement ``i`` (default: ``location``).

    Returns:
        the document with every statement settled, or ``None`` when no statement is
        left (or the document is not a mapping: the caller decides what that means).
    """
    if isinstance(document, Unresolved):
        draft.assume(location, f"{owner} is not given ({document.reason})", "it is left out")
        return None
    if not isinstance(document, Mapping):
        return None
    statements: list[dict[str, Any]] = []
    for index, statement in enumerate(_as_list(document.get("Statement", []))):
        if not isinstance(statement, Mapping):
            continue
        here = statement_location(index) if statement_location is not None else location
        settled = _settle_statement(statement, _label(statement, index), owner, here, draft)
        if settled is not None:
            statements.append(settled)
    if not statements:
        return None
    version = document.get("Version", "2012-10-17")
    return {
        "Version": version if isinstance(version, str) else "2012-10-17",
        "Statement": statements,
    }

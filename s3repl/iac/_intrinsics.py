"""The CloudFormation intrinsic-function resolver: templates' values, as far as they are known.

Theory of operation.  :meth:`Resolver.resolve` walks a template value and replaces
every intrinsic function (``Ref``, ``Fn::Sub``, ``Fn::GetAtt``, ``Fn::Join``,
``Fn::Select``, ``Fn::Split``, ``Fn::If``, ``Fn::FindInMap``, ``Fn::Base64``, and the
condition functions ``Fn::Equals``/``And``/``Or``/``Not``) by its value.  What the
template alone cannot tell (a parameter without ``Default`` and no ``--parameter``,
``Fn::ImportValue`` from another stack, a function this resolver does not implement)
becomes an :class:`Unresolved` value that says why, in place: the resolver never
guesses and never fails on it; the caller decides what to assume, and says so.
``Ref: AWS::NoValue`` removes the enclosing key or list item, as in CloudFormation.

Resources are the caller's: ``Ref`` and ``Fn::GetAtt`` of a logical id are answered by
a :class:`ResourceValues` (physical names, ARNs), so this module knows no resource type.
Every value visited counts against :data:`~s3repl.iac._limits.VALUES_MAX`, which bounds
the expansion of YAML aliases.
"""

from __future__ import annotations

import base64
import enum
import re
from collections.abc import Mapping
from typing import Any, Protocol

import attrs

from s3repl.iac._limits import VALUES_MAX, InfrastructureError

__all__ = [
    "NO_VALUE",
    "PSEUDO_PARAMETERS",
    "Resolver",
    "ResourceValues",
    "StackContext",
    "Unresolved",
    "first_unresolved",
]


@attrs.frozen(kw_only=True)
class Unresolved:
    """A value the file does not give.

    Attributes:
        reason: why, in words, naming the function, parameter or resource concerned.
    """

    reason: str

    def __str__(self) -> str:
        return f"<unresolved: {self.reason}>"


class _NoValue(enum.Enum):
    NO_VALUE = "AWS::NoValue"


#: The value of ``Ref: AWS::NoValue``: the enclosing key or item is dropped.
NO_VALUE = _NoValue.NO_VALUE

#: The pseudo parameters the resolver answers (others are unresolved).
PSEUDO_PARAMETERS = (
    "AWS::AccountId",
    "AWS::Region",
    "AWS::Partition",
    "AWS::StackName",
    "AWS::StackId",
    "AWS::URLSuffix",
    "AWS::NoValue",
    "AWS::NotificationARNs",
)

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


@attrs.frozen(kw_only=True)
class StackContext:
    """Where the stack is deployed: what the pseudo parameters are.

    Attributes:
        account: ``AWS::AccountId``.
        region: ``AWS::Region``.
        partition: ``AWS::Partition``.
        stack_name: ``AWS::StackName``.
        url_suffix: ``AWS::URLSuffix``.
    """

    account: str
    region: str
    partition: str
    stack_name: str
    url_suffix: str = "amazonaws.com"


class ResourceValues(Protocol):
    """What ``Ref`` and ``Fn::GetAtt`` of a resource of the template return."""

    def has(self, logical_id: str) -> bool:
        """Whether the template declares ``logical_id`` as a resource."""
        ...  # pragma: no cover

    def ref(self, logical_id: str) -> object:
        """``Ref`` of the resource (its physical id), or :class:`Unresolved`."""
        ...  # pragma: no cover

    def attribute(self, logical_id: str, name: str) -> object:
        """``Fn::GetAtt`` of the resource, or :class:`Unresolved`."""
        ...  # pragma: no cover


def first_unresolved(value: object) -> Unresolved | None:
    """The first :class:`Unresolved` inside ``value`` (depth first), or ``None``."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Unresolved):
            return item
        if isinstance(item, Mapping):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return None


def _text(value: object) -> str | Unresolved:
    """A resolved scalar as CloudFormation turns it into a string."""
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return Unresolved(reason=f"expected a string, got {type(value).__name__}")


class Resolver:
    """Resolve intrinsic functions against parameters, mappings, conditions and resources.

    Args:
        template: the whole template (its ``Parameters``, ``Mappings``, ``Conditions``).
        context: the pseudo parameters.
        parameters: values given on the command line (``--parameter KEY=VALUE``).
        resources: the answer to ``Ref`` / ``Fn::GetAtt`` of a logical id.
    """

    def __init__(
        self,
        *,
        template: Mapping[str, Any],
        context: StackContext,
        parameters: Mapping[str, str],
        resources: ResourceValues,
    ) -> None:
        self._template = template
        self._context = context
        self._given = dict(parameters)
        self._resources = resources
        self._conditions: dict[str, bool | Unresolved] = {}
        self._evaluating: list[str] = []
        self._visits = 0
        #: Pseudo parameters the template used, in order of first use.
        self.pseudo_used: dict[str, str] = {}

    # --- public -------------------------------------------------------------------------

    def resolve(self, value: object) -> Any:
        """Resolve every intrinsic function in ``value`` (see the module docstring).

        Args:
            value: a template value (mapping, list or scalar).

        Returns:
            the value with functions replaced by their results, :class:`Unresolved`
            where the template does not say, and ``AWS::NoValue`` entries dropped
            (a value that is itself ``AWS::NoValue`` comes back as :data:`NO_VALUE`).

        Raises:
            InfrastructureError: more than :data:`VALUES_MAX` values were visited.
        """
        self._visits += 1
        if self._visits > VALUES_MAX:
            msg = f"more than {VALUES_MAX} values to resolve (YAML aliases expanded)"
            raise InfrastructureError(msg)
        if isinstance(value, Mapping):
            if len(value) == 1:
                ((key, argument),) = value.items()
                if key == "Ref":
                    return self._ref(argument)
                if isinstance(key, str) and key.startswith("Fn::"):
                    return self._function(key.removeprefix("Fn::"), argument)
            resolved: dict[str, Any] = {}
            for key, item in value.items():
                result = self.resolve(item)
                if result is not NO_VALUE:
                    resolved[str(key)] = result
            return resolved
        if isinstance(value, list):
            items = (self.resolve(item) for item in value)
            return [item for item in items if item is not NO_VALUE]
        return value

    def condition(self, name: str) -> bool | Unresolved:
        """The value of the template's condition ``name`` (memoised; cycles unresolved)."""
        if name in self._conditions:
            return self._conditions[name]
        conditions = self._template.get("Conditions")
        if not isinstance(conditions, Mapping) or name not in conditions:
            return Unresolved(reason=f"condition {name} is not in Conditions")
        if name in self._evaluating:
            return Unresolved(reason=f"condition {name} depends on itself")
        self._evaluating.append(name)
        try:
            result = self._truth(conditions[name])
        finally:
            self._evaluating.pop()
        self._conditions[name] = result
        return result

    # --- Ref ----------------------------------------------------------------------------

    def _pseudo(self, name: str) -> object:
        ctx = self._context
        values: dict[str, object] = {
            "AWS::AccountId": ctx.account,
            "AWS::Region": ctx.region,
            "AWS::Partition": ctx.partition,
            "AWS::StackName": ctx.stack_name,
            "AWS::StackId": (
                f"arn:{ctx.partition}:cloudformation:{ctx.region}:{ctx.account}:stack/"
                f"{ctx.stack_name}/00000000-0000-0000-0000-000000000000"
            ),
            "AWS::URLSuffix": ctx.url_suffix,
            "AWS::NotificationARNs": [],
        }
        if name == "AWS::NoValue":
            return NO_VALUE
        if name not in values:
            return Unresolved(reason=f"pseudo parameter {name} is not supported")
        value = values[name]
        if isinstance(value, str):
            self.pseudo_used.setdefault(name, value)
        return value

    def _parameter(self, name: str, declaration: object) -> object:
        declared = declaration if isinstance(declaration, Mapping) else {}
        kind = str(declared.get("Type", "String"))
        if name in self._given:
            raw: object = self._given[name]
        elif "Default" in declared:
            raw = declared["Default"]
        else:
            return Unresolved(
                reason=f"parameter {name} has no Default and no --parameter {name}=VALUE"
            )
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            if isinstance(raw, list):
                return [str(item) for item in raw]
            return [part.strip() for part in str(raw).split(",")]
        return _text(raw)

    def _ref(self, argument: object) -> object:
        name = self.resolve(argument) if isinstance(argument, Mapping) else argument
        if not isinstance(name, str):
            return Unresolved(reason=f"Ref needs a name, got {name!r}")
        if name.startswith("AWS::"):
            return self._pseudo(name)
        parameters = self._template.get("Parameters")
        if isinstance(parameters, Mapping) and name in parameters:
            return self._parameter(name, parameters[name])
        if self._resources.has(name):
            return self._resources.ref(name)
        return Unresolved(reason=f"Ref {name}: no parameter or resource of that name")

    # --- functions ----------------------------------------------------------------------

    def _function(self, name: str, argument: object) -> object:
        handlers = {
            "Sub": self._sub,
            "GetAtt": self._get_att,
            "Join": self._join,
            "Select": self._select,
            "Split": self._split,
            "If": self._if,
            "FindInMap": self._find_in_map,
            "Base64": self._base64,
            "Equals": self._truth_of("Equals"),
            "And": self._truth_of("And"),
            "Or": self._truth_of("Or"),
            "Not": self._truth_of("Not"),
        }
        if name == "ImportValue":
            export = _text(self.resolve(argument))
            shown = export.reason if isinstance(export, Unresolved) else export
            return Unresolved(reason=f"Fn::ImportValue {shown}: a value another stack exports")
        handler = handlers.get(name)
        if handler is None:
            return Unresolved(reason=f"Fn::{name} is not supported by s3repl's resolver")
        return handler(argument)

    def _truth_of(self, name: str) -> Any:
        return lambda argument: self._truth({f"Fn::{name}": argument})

    def _sub(self, argument: object) -> object:
        variables: Mapping[str, Any] = {}
        if isinstance(argument, list) and len(argument) == 2:
            template, raw = argument
            if isinstance(raw, Mapping):
                variables = raw
        else:
            template = argument
        if not isinstance(template, str):
            return Unresolved(reason="Fn::Sub needs a string")
        pieces: list[str] = []
        position = 0
        for match in _SUB_VARIABLE.finditer(template):
            pieces.append(template[position : match.start()])
            position = match.end()
            inner = match.group(1)
            if inner.startswith("!"):
                pieces.append("${" + inner[1:] + "}")
                continue
            if inner in variables:
                value = self.resolve(variables[inner])
            elif "." in inner and not inner.startswith("AWS::"):
                resource, _, attribute = inner.partition(".")
                value = self._get_att([resource, attribute])
            else:
                value = self._ref(inner)
            text = _text(value)
            if isinstance(text, Unresolved):
                return text
            pieces.append(text)
        pieces.append(template[position:])
        return "".join(pieces)

    def _get_att(self, argument: object) -> object:
        if isinstance(argument, str):
            argument = list(argument.partition(".")[::2])
        if not isinstance(argument, list) or len(argument) != 2:
            return Unresolved(reason="Fn::GetAtt needs [LogicalId, Attribute]")
        resource, attribute = (self.resolve(part) for part in argument)
        if not isinstance(resource, str) or not isinstance(attribute, str):
            return Unresolved(reason="Fn::GetAtt needs a resource and an attribute name")
        if not self._resources.has(resource):
            return Unresolved(reason=f"Fn::GetAtt {resource}.{attribute}: no such resource")
        return self._resources.attribute(resource, attribute)

    def _join(self, argument: object) -> object:
        if not isinstance(argument, list) or len(argument) != 2:
            return Unresolved(reason="Fn::Join needs [delimiter, list]")
        delimiter, items = (self.resolve(part) for part in argument)
        if isinstance(items, Unresolved):
            return items
        if not isinstance(delimiter, str) or not isinstance(items, list):
            return Unresolved(reason="Fn::Join needs a string delimiter and a list")
        texts = [_text(item) for item in items]
        for text in texts:
            if isinstance(text, Unresolved):
                return text
        return delimiter.join(str(text) for text in texts)

    def _select(self, argument: object) -> object:
        if not isinstance(argument, list) or len(argument) != 2:
            return Unresolved(reason="Fn::Select needs [index, list]")
        index, items = (self.resolve(part) for part in argument)
        for value in (index, items):
            if isinstance(value, Unresolved):
                return value
        try:
            position = int(str(index))
        except ValueError:
            return Unresolved(reason=f"Fn::Select index {index!r} is not a number")
        if not isinstance(items, list) or not 0 <= position < len(items):
            return Unresolved(reason=f"Fn::Select index {position} is out of range")
        return items[position]

    def _split(self, argument: object) -> object:
        if not isinstance(argument, list) or len(argument) != 2:
            return Unresolved(reason="Fn::Split needs [delimiter, string]")
        delimiter, text = (self.resolve(part) for part in argument)
        if isinstance(text, Unresolved):
            return text
        if not isinstance(delimiter, str) or not delimiter or not isinstance(text, str):
            return Unresolved(reason="Fn::Split needs a delimiter and a string")
        return text.split(delimiter)

    def _if(self, argument: object) -> object:
        if not isinstance(argument, list) or len(argument) != 3:
            return Unresolved(reason="Fn::If needs [condition, value if true, value if false]")
        name, when_true, when_false = argument
        if not isinstance(name, str):
            return Unresolved(reason="Fn::If needs a condition name")
        truth = self.condition(name)
        if isinstance(truth, Unresolved):
            return Unresolved(reason=f"Fn::If {name}: {truth.reason}")
        return self.resolve(when_true if truth else when_false)

    def _find_in_map(self, argument: object) -> object:
        if not isinstance(argument, list) or len(argument) < 3:
            return Unresolved(reason="Fn::FindInMap needs [map, top-level key, second key]")
        keys = [self.resolve(part) for part in argument[:3]]
        for key in keys:
            if isinstance(key, Unresolved):
                return key
        mapping: object = self._template.get("Mappings", {})
        for key in keys:
            if not isinstance(mapping, Mapping) or str(key) not in mapping:
                path = ".".join(str(part) for part in keys)
                return Unresolved(reason=f"Fn::FindInMap {path}: not in Mappings")
            mapping = mapping[str(key)]
        return self.resolve(mapping)

    def _base64(self, argument: object) -> object:
        text = _text(self.resolve(argument))
        if isinstance(text, Unresolved):
            return text
        return base64.b64encode(text.encode("utf-8")).decode("ascii")

    # --- conditions ---------------------------------------------------------------------

    def _truth(self, expression: object) -> bool | Unresolved:
        if isinstance(expression, bool):
            return expression
        if not isinstance(expression, Mapping) or len(expression) != 1:
            return Unresolved(reason="a condition must be one condition function")
        ((key, argument),) = expression.items()
        if key == "Condition" and isinstance(argument, str):
            return self.condition(argument)
        if key == "Fn::Equals":
            if not isinstance(argument, list) or len(argument) != 2:
                return Unresolved(reason="Fn::Equals needs two values")
            left, right = (_text(self.resolve(part)) for part in argument)
            for side in (left, right):
                if isinstance(side, Unresolved):
                    return side
            return left == right
        if key in ("Fn::Not", "Fn::And", "Fn::Or"):
            parts = argument if isinstance(argument, list) else [argument]
            values = [self._truth(part) for part in parts]
            if key == "Fn::Not":
                if len(values) != 1:
                    return Unresolved(reason="Fn::Not needs one condition")
                only = values[0]
                return only if isinstance(only, Unresolved) else not only
            decisive = bool(key == "Fn::Or")  # Or: any True decides; And: any False decides
            if any(value is decisive for value in values):
                return decisive
            for value in values:
                if isinstance(value, Unresolved):
                    return value
            return not decisive
        if key == "Ref" or (isinstance(key, str) and key.startswith("Fn::")):
            text = _text(self.resolve(expression))
            if isinstance(text, Unresolved):
                return text
            return text == "true"
        return Unresolved(reason=f"{key} is not a condition function")

"""Compile a handler signature once, at registration: where each argument comes from, its type,
constraints and default. The result feeds the manifest and the Rust extractors."""

from __future__ import annotations

import datetime
import inspect
import typing
from dataclasses import dataclass, field
from typing import Any

import msgspec
import msgspec.inspect as msgspec_inspect

from ._types import SCALARS, SEQUENCES, describe, is_type_form, optional_inner, strip_annotated
from .params import MISSING, Depends, Param
from .request import REQUEST_TYPES
from .uploads import UploadFile

REQUEST_NAMES = ("request", "req")
PARAM_KINDS = set(SCALARS.values()) - {"bytes"}
CONSTRAINT_KEYS = ("gt", "ge", "lt", "le", "min_length", "max_length", "pattern")


class RouteDefinitionError(TypeError):
    """A handler that cannot be routed; the message names the handler."""


@dataclass
class ParamInfo:
    name: str
    alias: str
    source: str
    type: dict[str, Any]
    required: bool
    default: Any = None
    constraints: dict[str, Any] = field(default_factory=dict)
    annotation: Any = None
    file_limits: dict[str, Any] | None = None  # `File()` checks (file parameters)

    def manifest(self) -> dict[str, Any]:
        entry = {"name": self.name, "alias": self.alias, "source": self.source, "type": self.type,
                 "required": self.required, "constraints": self.constraints}
        if self.file_limits is not None:
            entry["file"] = self.file_limits
        if not self.required and self.source != "request":
            entry["default"] = _json_default(self.default)
        return entry


def _json_default(value: Any) -> Any:
    """The default as the manifest shows it, identical from run to run: sets sorted, and None
    for values without a stable rendering (objects, dates such as `datetime.now()`)."""
    if isinstance(value, (datetime.date, datetime.time)):
        return None
    try:
        return msgspec.to_builtins(value, order="sorted")
    except (TypeError, msgspec.EncodeError):
        return None


def _is_request_annotation(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, REQUEST_TYPES)


def _is_simple(annotation: Any) -> bool:
    annotation = optional_inner(annotation) or annotation
    if annotation in SCALARS:
        return True
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    return (annotation in SEQUENCES) or (origin in SEQUENCES and len(args) >= 1 and args[0] in SCALARS)


def _constraints(marker: Param | None, metadata: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for meta in metadata:
        if isinstance(meta, msgspec.Meta):
            for key in CONSTRAINT_KEYS:
                if getattr(meta, key, None) is not None:
                    found[key] = getattr(meta, key)
    if marker is not None:
        for key in CONSTRAINT_KEYS:
            if getattr(marker, key) is not None:
                found[key] = getattr(marker, key)
    return found


def handler_label(fn: Any) -> str:
    return f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', repr(fn))}"


@dataclass
class SignatureParam:
    """One parameter of a handler or dependency as declared: its type (Annotated stripped),
    metadata, marker, default (MISSING when required) and `Depends`, if any."""

    name: str
    annotation: Any
    metadata: list[Any]
    marker: Param | None
    default: Any
    depends: Depends | None


def signature_params(fn: Any, label: str) -> list[SignatureParam]:
    if isinstance(fn, type):
        hint_source = fn.__init__
    elif inspect.isfunction(fn) or inspect.ismethod(fn):
        hint_source = fn
    else:  # a callable instance
        hint_source = type(fn).__call__
    try:
        hints = typing.get_type_hints(hint_source, include_extras=True)
    except Exception as exc:  # unresolved forward references and the like
        raise RouteDefinitionError(f"{label}: cannot resolve type hints of {handler_label(fn)}: {exc}") from exc
    found: list[SignatureParam] = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise RouteDefinitionError(f"{label}: *args/**kwargs are not supported ({p.name})")
        annotation, metadata = strip_annotated(hints.get(p.name, str))
        marker = next((m for m in metadata if isinstance(m, Param)), None)
        depends = p.default if isinstance(p.default, Depends) else next(
            (m for m in metadata if isinstance(m, Depends)), None)
        if isinstance(p.default, Param):
            marker = p.default
        elif marker is not None and marker.has_default:
            raise RouteDefinitionError(f"{label}: put the default of {p.name!r} after '=', not in Annotated")
        if isinstance(p.default, Param):
            default = p.default.default
        elif isinstance(p.default, Depends) or p.default is inspect.Parameter.empty:
            default = MISSING
        else:
            default = p.default
        found.append(SignatureParam(p.name, annotation, metadata, marker, default, depends))
    return found


def compile_signature(fn: Any, method: str, path: str, path_names: list[str]) -> list[ParamInfo]:
    """The wire parameters of a handler without dependencies or models (see `_composition`
    for the others)."""
    label = handler_label(fn)
    params = [classify(label, sp, path_names) for sp in signature_params(fn, label)]
    requests = [p.name for p in params if p.source == "request"]
    if len(requests) > 1:
        raise RouteDefinitionError(f"{label}: only one request parameter is allowed, got {', '.join(requests)}")
    return params


def classify(handler: str, sp: SignatureParam, path_names: list[str], what: str | None = None) -> ParamInfo:
    name, annotation, metadata, marker, default = sp.name, sp.annotation, sp.metadata, sp.marker, sp.default
    if marker is not None:
        source = marker.source
    elif name in path_names:
        source = "path"
    elif name in REQUEST_NAMES or _is_request_annotation(annotation):
        source = "request"
    elif _is_simple(annotation):
        source = "query"
    else:
        source = "body"
    required = default is MISSING
    what = what or f"parameter {name!r}"
    if source == "request":
        return ParamInfo(name, name, "request", {"kind": "any"}, True)
    upload = _upload_kind(annotation)
    if upload is not None and source in ("form", "file", "query", "body"):
        source = "file"
    if source == "file":
        return _file_param(handler, name, what, annotation, upload, marker, default)
    if source == "body":
        # `Annotated[T, msgspec.Meta(...)]` on the body itself keeps its constraints.
        metas = tuple(m for m in metadata if isinstance(m, msgspec.Meta))
        if metas:
            annotation = typing.Annotated[(annotation, *metas)]
        return ParamInfo(name, name, "body", describe(annotation), required,
                         None if required else default, annotation=annotation)
    alias = (marker.alias if marker else None) or name
    if source == "header":
        alias = alias.lower().replace("_", "-")
    type_desc = describe(annotation)
    if not _param_type_ok(type_desc):
        raise RouteDefinitionError(
            f"{handler}: {what} has unsupported type {annotation!r} for {source} "
            f"(use int, float, bool, str, UUID, date, datetime, time, Decimal, Optional or list of them)")
    if type_desc["kind"] == "optional" and required:
        required, default = False, None
    constraints = _constraints(marker, metadata)
    _check_constraints(handler, name, type_desc, constraints)
    return ParamInfo(name, alias, source, type_desc, required, None if required else default, constraints, annotation)


def _upload_kind(annotation: Any) -> str | None:
    """"one" for `UploadFile` (or Optional), "many" for `list[UploadFile]`, else None."""
    annotation = optional_inner(annotation) or annotation
    if annotation is UploadFile:
        return "one"
    if typing.get_origin(annotation) in (list, tuple) and typing.get_args(annotation)[:1] == (UploadFile,):
        return "many"
    return None


def _file_param(handler: str, name: str, what: str, annotation: Any, upload: str | None, marker: Param | None,
                default: Any) -> ParamInfo:
    if upload is None:
        raise RouteDefinitionError(f"{handler}: {what} is a File() and must be UploadFile or list[UploadFile], "
                                   f"not {annotation!r}")
    alias = (marker.alias if marker else None) or name
    required = default is MISSING and optional_inner(annotation) is None
    limits = {}
    if marker is not None:
        for key in ("max_size", "min_size", "max_files"):
            if getattr(marker, key) is not None:
                limits[key] = int(getattr(marker, key))
        if marker.allowed_types is not None:
            limits["allowed_types"] = list(marker.allowed_types)
    type_desc = {"kind": "list", "item": {"kind": "any"}} if upload == "many" else {"kind": "any"}
    if not required and default is MISSING:
        default = [] if upload == "many" else None
    return ParamInfo(name, alias, "file", type_desc, required, None if required else default,
                     annotation=annotation, file_limits=limits)


NUMERIC_CONSTRAINTS = ("gt", "ge", "lt", "le")
STRING_CONSTRAINTS = ("min_length", "max_length", "pattern")


def _check_constraints(handler: str, name: str, type_desc: dict[str, Any], constraints: dict[str, Any]) -> None:
    """Constraints apply to the scalar (each item of a list); refuse those that cannot apply, as
    msgspec refuses them in a type definition."""
    scalar = type_desc
    while scalar["kind"] in ("optional", "list"):
        scalar = scalar.get("inner") or scalar["item"]
    kind = scalar["kind"]
    for key, value in constraints.items():
        if key in NUMERIC_CONSTRAINTS and kind not in ("int", "float"):
            raise RouteDefinitionError(f"{handler}: parameter {name!r}: {key}= applies to int and float, not {kind}")
        if key in STRING_CONSTRAINTS and kind != "str":
            raise RouteDefinitionError(f"{handler}: parameter {name!r}: {key}= applies to str, not {kind}")
        if key in NUMERIC_CONSTRAINTS and kind == "int" and not -(2**63) <= value < 2**63:
            raise RouteDefinitionError(f"{handler}: parameter {name!r}: {key}={value} does not fit in int64")


def _param_type_ok(desc: dict[str, Any]) -> bool:
    kind = desc["kind"]
    if kind == "optional":
        return desc["inner"]["kind"] != "optional" and _param_type_ok(desc["inner"])
    if kind == "list":
        return desc["item"]["kind"] in PARAM_KINDS
    return kind in PARAM_KINDS


def check_return_annotation(handler: str, declared: Any) -> None:
    """A return annotation must be a type (made of classes and typing forms): `-> 5` is refused
    when the route is registered. What msgspec makes of it is decided by `response_encode_type`
    when the app is built, once every class a forward reference names exists."""
    if not is_type_form(declared):
        raise RouteDefinitionError(f"{handler}: return type {declared!r} is not a type")


# msgspec can encode these members but cannot convert to (or decode) their Enum types.
_UNCONVERTIBLE_ENUM = ("Integer values > (2**63 - 1) are not currently supported",
                       "Enums must contain either all str or all int values")


def response_encode_type(handler: str, declared: Any) -> Any:
    """The type a route's return values are converted to before encoding: the declared one, or
    `Any` (values encoded as they are, by the generic encoder) when the only thing msgspec
    cannot handle in it is an Enum it can encode but not convert to (a member above 2**63, an
    Enum of floats). Any other type msgspec refuses is an error naming the handler."""
    try:
        msgspec_inspect.type_info(declared)
        return declared
    except (TypeError, ValueError, NotImplementedError, NameError) as exc:
        if any(reason in str(exc) for reason in _UNCONVERTIBLE_ENUM):
            return Any
        raise RouteDefinitionError(f"{handler}: return type {declared!r} cannot be encoded: {exc}") from None


def check_body_decodable(handler: str, name: str, annotation: Any) -> None:
    """A body type msgspec cannot decode is refused when the app is built, naming the handler
    and the parameter, rather than failing every request."""
    try:
        msgspec.json.Decoder(annotation)
    except (TypeError, ValueError, NotImplementedError, NameError) as exc:
        raise RouteDefinitionError(
            f"{handler}: body parameter {name!r} has type {annotation!r}, which msgspec cannot decode: {exc}"
        ) from None

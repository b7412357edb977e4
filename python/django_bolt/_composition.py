"""Handlers whose arguments are not one wire value each: dependencies (`Depends`), parameter
models (`Annotated[Filters, Query()]`), embedded bodies (`Body(embed=True)`, several body
parameters) and path placeholders the handler does not name.

Their wire values are flattened into the route's manifest parameters, so Rust extracts,
coerces and validates them like any other (in both tables, every error with its own `loc`);
a `CallPlan` then builds the handler's arguments from those values. A route whose
arguments are all plain wire values has no plan and calls its handler directly."""

from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass, field
from typing import Any

import msgspec
import msgspec.structs
from asgiref.sync import sync_to_async

from ._issues import validation_issue
from ._signature import (
    ParamInfo,
    RouteDefinitionError,
    SignatureParam,
    classify,
    handler_label,
    signature_params,
)
from ._types import is_struct_like, strip_annotated
from .exceptions import RequestValidationError
from .params import MISSING, Depends, Param
from .serializers.errors import SerializerValidationError

BODYLESS_METHODS = ("GET", "HEAD", "DELETE", "OPTIONS")
MODEL_SOURCES = ("query", "header", "cookie", "form")
_OMITTED: Any = object()  # a model field the request left out: the model's own default applies


class WireParams:
    """The route's manifest parameters, collected from the handler and its dependencies.
    The same (source, name) asked for twice is one parameter when both agree on it."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.params: list[ParamInfo] = []
        self._index: dict[tuple[str, str], int] = {}

    def add(self, param: ParamInfo, owner: str) -> int:
        key = ("request", "") if param.source == "request" else (param.source, param.alias)
        if param.source == "body":
            key = ("body", "")
        found = self._index.get(key)
        if found is not None:
            other = self.params[found]
            same = (other.type == param.type and other.constraints == param.constraints
                    and other.required == param.required and other.annotation == param.annotation)
            if param.source == "request" or same:
                return found
            what = "the body" if param.source == "body" else f"{param.source} parameter {param.alias!r}"
            raise RouteDefinitionError(
                f"{self.label}: {owner} declares {what} differently from another dependency or the handler")
        name = param.name
        taken = {p.name for p in self.params}
        counter = 2
        while name in taken:
            name, counter = f"{param.name}_{counter}", counter + 1
        param.name = name
        self._index[key] = len(self.params)
        self.params.append(param)
        return len(self.params) - 1


# How one argument of a handler or dependency is made from the wire values.
@dataclass
class WireArg:
    index: int


@dataclass
class ModelArg:
    model: type
    source: str
    fields: list[tuple[str, int]]  # (attribute, wire index)


@dataclass
class DependencyArg:
    node: DependencyNode


@dataclass
class DependencyNode:
    fn: Any
    use_cache: bool
    is_async: bool
    args: list[tuple[str | None, Any]] = field(default_factory=list)  # (parameter name, *Arg)


@dataclass
class EmbeddedArg:
    index: int  # the wire body
    attribute: str


@dataclass
class RouteCall:
    params: list[ParamInfo]
    invoker: Any  # the callable the runtime calls with the wire values, or None: the handler
    is_async: bool


def compile_route(fn: Any, method: str, path: str, path_names: list[str],
                  dependencies: list[Depends] | tuple[Depends, ...] = ()) -> RouteCall:
    """The route's wire parameters and call plan. `dependencies` (the route's and its
    routers' `dependencies=`) run before the handler, for their effects; their results are
    dropped."""
    label = handler_label(fn)
    wire = WireParams(label)
    context = _Context(label, method, path_names, wire)
    handler = DependencyNode(fn, False, inspect.iscoroutinefunction(fn))
    handler.args = context.bind(fn, owner="the handler", stack=())
    for depends in dependencies:
        if not isinstance(depends, Depends):
            raise RouteDefinitionError(f"{label}: dependencies= takes Depends(...) items, got {depends!r}")
        handler.args.append((None, DependencyArg(context.dependency(
            SignatureParam("dependencies", None, [], None, MISSING, depends), depends, (fn,)))))
    requests = [name for name, a in handler.args if isinstance(a, WireArg) and wire.params[a.index].source == "request"]
    if len(requests) > 1:
        raise RouteDefinitionError(f"{label}: only one request parameter is allowed, got {', '.join(requests)}")
    context.place_bodies()
    bound = {p.alias for p in wire.params if p.source == "path"}
    for name in path_names:  # placeholders no one names: their values are in request.params
        if name not in bound:
            wire.add(ParamInfo(name, name, "path", {"kind": "str"}, True, annotation=str), "the path")
    params = wire.params
    direct = all(isinstance(a, WireArg) and a.index == i for i, (_, a) in enumerate(handler.args))
    if direct and len(handler.args) == len(params):
        return RouteCall(params, None, handler.is_async)
    plan = CallPlan(handler, len(params))
    is_async = plan.any_async
    return RouteCall(params, plan.async_call if is_async else plan.sync_call, is_async)


class _Context:
    def __init__(self, label: str, method: str, path_names: list[str], wire: WireParams) -> None:
        self.label, self.method, self.path_names, self.wire = label, method, path_names, wire
        self.bodies: list[tuple[list[tuple[str, Any]], int, SignatureParam, ParamInfo, str]] = []

    def bind(self, fn: Any, owner: str, stack: tuple[Any, ...]) -> list[tuple[str, Any]]:
        args: list[tuple[str, Any]] = []
        for sp in signature_params(fn, self.label):
            depends = sp.depends
            if depends is not None:
                args.append((sp.name, DependencyArg(self.dependency(sp, depends, stack + (fn,)))))
                continue
            model = self.model(sp, owner)
            if model is not None:
                args.append((sp.name, model))
                continue
            param = classify(self.label, sp, self.path_names)
            if param.source in ("body", "form", "file") and self.method in BODYLESS_METHODS:
                raise RouteDefinitionError(
                    f"{self.label}: {self.method} handlers cannot take a request body ({sp.name})")
            if param.source == "body":  # placed by place_bodies, once every body is known
                self.bodies.append((args, len(args), sp, param, owner))
                args.append((sp.name, None))
                continue
            args.append((sp.name, WireArg(self.wire.add(param, owner))))
        return args

    def dependency(self, sp: SignatureParam, depends: Depends, stack: tuple[Any, ...]) -> DependencyNode:
        target = depends.dependency
        if target is None:  # `x: Annotated[Thing, Depends()]`: the annotation is the dependency
            target = sp.annotation
        if not callable(target):
            raise RouteDefinitionError(f"{self.label}: Depends for {sp.name!r} needs a callable, got {target!r}")
        if target in stack:
            names = " -> ".join(getattr(f, "__qualname__", repr(f)) for f in (*stack, target))
            raise RouteDefinitionError(f"{self.label}: dependency cycle {names}")
        is_async = inspect.iscoroutinefunction(target) or (
            not isinstance(target, type) and inspect.iscoroutinefunction(type(target).__call__))
        node = DependencyNode(target, depends.use_cache, is_async)
        owner = f"dependency {getattr(target, '__qualname__', repr(target))}"
        node.args = self.bind(target, owner, stack)
        return node

    def model(self, sp: SignatureParam, owner: str) -> ModelArg | None:
        marker = sp.marker
        if marker is None or marker.source not in MODEL_SOURCES or not is_struct_like(sp.annotation):
            return None
        model = sp.annotation
        if not (isinstance(model, type) and issubclass(model, msgspec.Struct)):
            raise RouteDefinitionError(f"{self.label}: {marker.source} model {sp.name!r} must be a msgspec Struct "
                                       f"or Serializer, not a dataclass")
        hints = typing.get_type_hints(model, include_extras=True)
        fields: list[tuple[str, int]] = []
        for info in msgspec.structs.fields(model):
            annotation, metadata = strip_annotated(hints.get(info.name, info.type))
            has_default = info.default is not msgspec.NODEFAULT or info.default_factory is not msgspec.NODEFAULT
            field_marker = Param(marker.source, alias=info.encode_name if info.encode_name != info.name else None)
            fsp = SignatureParam(info.name, annotation, metadata, field_marker, _OMITTED if has_default else MISSING,
                                 None)
            param = classify(self.label, fsp, [], what=f"field {info.name!r} of {marker.source} model {sp.name!r}")
            fields.append((info.name, self.wire.add(param, owner)))
        return ModelArg(model, marker.source, fields)

    def place_bodies(self) -> None:
        """One body parameter is the whole JSON body. `Body(embed=True)`, or several body
        parameters (a dependency's included), make one JSON object whose keys are the
        parameters (their aliases), decoded as a Struct made for the route."""
        if not self.bodies:
            return
        if len(self.bodies) == 1 and not (self.bodies[0][2].marker is not None and self.bodies[0][2].marker.embed):
            args, position, sp, param, owner = self.bodies[0]
            args[position] = (sp.name, WireArg(self.wire.add(param, owner)))
            return
        struct_fields, attributes = [], {}
        for _, _, sp, _, _ in self.bodies:
            key = (sp.marker.alias if sp.marker is not None else None) or sp.name
            if key in attributes:
                continue  # a dependency and the handler both read this key
            attributes[key] = f"f{len(attributes)}"
            annotation = sp.annotation
            metas = tuple(m for m in sp.metadata if isinstance(m, msgspec.Meta))
            if metas:
                annotation = typing.Annotated[(annotation, *metas)]
            default = msgspec.field(name=key) if sp.default is MISSING else msgspec.field(default=sp.default, name=key)
            struct_fields.append((attributes[key], annotation, default))
        module, _, qualname = self.label.partition(":")
        name = "".join(c if c.isalnum() else "_" for c in qualname) + "_Body"
        body = msgspec.defstruct(name, struct_fields, module=module)
        index = self.wire.add(ParamInfo("body", "body", "body", {"kind": "any"}, True, annotation=body), "the handler")
        for args, position, sp, _, _ in self.bodies:
            key = (sp.marker.alias if sp.marker is not None else None) or sp.name
            args[position] = (sp.name, EmbeddedArg(index, attributes[key]))


class CallPlan:
    """Builds the handler's arguments (dependencies first, each at most once per request when
    cached) from the wire values, then calls it."""

    def __init__(self, handler: DependencyNode, wire_count: int) -> None:
        self.handler = handler
        self.wire_count = wire_count
        self.any_async = _any_async(handler)

    def sync_call(self, *wire: Any) -> Any:
        return self._call_sync(self.handler, wire, {})

    def _call_sync(self, node: DependencyNode, wire: tuple[Any, ...], cache: dict[Any, Any]) -> Any:
        kwargs = {}
        for name, arg in node.args:
            if isinstance(arg, DependencyArg):
                dep = arg.node
                if dep.use_cache and dep.fn in cache:
                    value = cache[dep.fn]
                else:
                    value = self._call_sync(dep, wire, cache)
                    if dep.use_cache:
                        cache[dep.fn] = value
            else:
                value = _plain_value(arg, wire)
            if name is not None:  # None: a `dependencies=` entry, run for its effect
                kwargs[name] = value
        return node.fn(**kwargs)

    async def async_call(self, *wire: Any) -> Any:
        return await self._call_async(self.handler, wire, {}, top=True)

    async def _call_async(self, node: DependencyNode, wire: tuple[Any, ...], cache: dict[Any, Any],
                          top: bool = False) -> Any:
        kwargs = {}
        for name, arg in node.args:
            if isinstance(arg, DependencyArg):
                dep = arg.node
                if dep.use_cache and dep.fn in cache:
                    value = cache[dep.fn]
                else:
                    value = await self._call_async(dep, wire, cache)
                    if dep.use_cache:
                        cache[dep.fn] = value
            else:
                value = _plain_value(arg, wire)
            if name is not None:  # None: a `dependencies=` entry, run for its effect
                kwargs[name] = value
        if node.is_async:
            return await node.fn(**kwargs)
        # A sync dependency (or handler) of an async route may use the ORM: it runs in Django's
        # thread-sensitive executor, as `sync_to_async` runs it for an async view.
        return await sync_to_async(node.fn, thread_sensitive=True)(**kwargs)


def _any_async(node: DependencyNode) -> bool:
    return node.is_async or any(isinstance(a, DependencyArg) and _any_async(a.node) for _, a in node.args)


def _plain_value(arg: Any, wire: tuple[Any, ...]) -> Any:
    if isinstance(arg, WireArg):
        return wire[arg.index]
    if isinstance(arg, EmbeddedArg):
        return getattr(wire[arg.index], arg.attribute)
    return _build_model(arg, wire)


def _build_model(arg: ModelArg, wire: tuple[Any, ...]) -> Any:
    values = {name: wire[index] for name, index in arg.fields if wire[index] is not _OMITTED}
    try:
        return msgspec.convert(values, arg.model, strict=False, from_attributes=True)
    except msgspec.ValidationError as exc:
        issue = validation_issue(str(exc))
        issue["loc"] = [arg.source, *issue["loc"][1:]]
        raise RequestValidationError([issue]) from None
    except SerializerValidationError as exc:
        raise RequestValidationError([{**e, "loc": [arg.source, *e["loc"]]} for e in exc.errors]) from None

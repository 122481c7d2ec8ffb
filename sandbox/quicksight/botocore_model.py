"""Facts about the QuickSight API read from botocore's service model, not copied by hand."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape, StructureShape


@cache
def service_model(service: str = "quicksight") -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


def operation(name: str) -> OperationModel:
    return service_model().operation_model(name)


def input_shape(operation_name: str) -> StructureShape:
    shape = operation(operation_name).input_shape
    assert shape is not None, f"{operation_name} has no input"  # every QuickSight operation has
    return shape


def input_member(operation_name: str, member: str) -> Shape:
    return input_shape(operation_name).members[member]


@cache
def capability_names() -> frozenset[str]:
    """Every capability a CustomPermissions profile can name."""
    shape = service_model().shape_for("Capabilities")
    assert isinstance(shape, StructureShape)
    return frozenset(shape.members)


@cache
def error_status(code: str) -> int | None:
    """HTTP status AWS gives a modelled QuickSight error, e.g. 401 for AccessDeniedException."""
    for shape in service_model().error_shapes:
        if shape.name == code:
            status: int = shape.metadata["error"]["httpStatusCode"]
            return status
    return None


def limits(operation_name: str, member: str) -> tuple[int, int]:
    meta = input_member(operation_name, member).metadata
    return int(meta["min"]), int(meta["max"])


@cache
def _asset_id_pattern() -> re.Pattern[str]:
    meta = input_member("DescribeDashboard", "DashboardId").metadata
    return re.compile(meta["pattern"])


def is_console_entry_point(value: str) -> bool:
    """An entry point GetSessionEmbedUrl documents: /start..., /dashboards/<id>, /analyses/<id>."""
    if value in ("/start", "/start/analyses", "/start/dashboards", "/start/favorites"):
        return True
    kind, _, asset_id = value.removeprefix("/").partition("/")
    return kind in ("dashboards", "analyses") and bool(_asset_id_pattern().fullmatch(asset_id))


def check_member(operation_name: str, member: str, value: Any) -> str | None:
    """What is wrong with one top-level input value, per the model's type, length, range, enum
    and pattern; None when it is fine. Java-style patterns must match the whole value."""
    shape = input_member(operation_name, member)
    meta = shape.metadata
    if shape.type_name == "string":
        if not isinstance(value, str):
            return f"{member} must be a string"
        if "min" in meta and len(value) < meta["min"]:
            return f"{member} must be at least {meta['min']} characters"
        if "max" in meta and len(value) > meta["max"]:
            return f"{member} must be at most {meta['max']} characters"
        if "enum" in meta and value not in meta["enum"]:
            return f"{member} must be one of {', '.join(meta['enum'])}"
        if "pattern" in meta and not re.fullmatch(meta["pattern"].strip("^$"), value):
            return f"{member} must match {meta['pattern']}"
    elif shape.type_name in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{member} must be an integer"
        if ("min" in meta and value < meta["min"]) or ("max" in meta and value > meta["max"]):
            return f"{member} must be between {meta.get('min')} and {meta.get('max')}"
    elif shape.type_name == "boolean" and not isinstance(value, bool):
        return f"{member} must be a boolean"
    elif shape.type_name == "structure" and not isinstance(value, dict):
        return f"{member} must be an object"
    elif shape.type_name == "list":
        if not isinstance(value, list):
            return f"{member} must be a list"
        if "max" in meta and len(value) > meta["max"]:
            return f"{member} must have at most {meta['max']} items"
    return None


@cache
def path_prefixes() -> tuple[str, ...]:
    """The first segment of every QuickSight API path (`/accounts/`, `/v1/`, `/resources/`):
    a request under one of them is QuickSight's."""
    model = service_model()
    uris = (model.operation_model(name).http["requestUri"] for name in model.operation_names)
    return tuple(sorted({"/" + uri.split("/")[1] + "/" for uri in uris}))

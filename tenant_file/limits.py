"""Limits, patterns and names read from botocore's service models, never hand-copied.

botocore ships the same JSON models AWS publishes for its SDKs, so the capability names,
lifetime range and name patterns here follow AWS as botocore is upgraded.

The models are read with botocore's loader directly, not through a botocore session: a session
reads the app's AWS profile first, and a missing profile (`AWS_PROFILE=nope`) must not stop a
tenant file from being checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from botocore.loaders import Loader, create_loader
from botocore.model import OperationModel, ServiceModel, StringShape, StructureShape


@dataclass(frozen=True)
class StringLimit:
    """Length bounds and regex of one string shape of a service model."""

    shape: str
    min_length: int | None
    max_length: int | None
    pattern: str | None

    @cached_property
    def _compiled(self) -> re.Pattern[str] | None:
        # AWS's patterns are Java regexes, where `\w` is [a-zA-Z_0-9] (ASCII): Python's `\w`
        # on str would admit a Cyrillic letter that AWS refuses (java.util.regex.Pattern, "\w").
        # Compiled on first use, then kept: a session tag's value is checked on every
        # anonymous mint (and a pattern Python cannot compile fails only its own check).
        return None if self.pattern is None else re.compile(self.pattern, re.ASCII)

    def check(self, value: str) -> str | None:
        """Say what is wrong with `value`, or None when it fits the shape."""
        if self.min_length is not None and len(value) < self.min_length:
            return f"is shorter than {self.min_length} characters"
        if self.max_length is not None and len(value) > self.max_length:
            return f"is longer than {self.max_length} characters"
        if self._compiled is not None and self._compiled.fullmatch(value) is None:
            return f"does not match the pattern {self.pattern}"
        return None

    def validated(self, value: str) -> str:
        """`value` when it fits the shape, else ValueError saying what is wrong (a validator)."""
        problem = self.check(value)
        if problem is not None:
            raise ValueError(f"{problem} (AWS {self.shape})")
        return value


@dataclass(frozen=True)
class ServiceLimits:
    """What the tenant file is checked against, from the QuickSight, IAM and STS models."""

    capability_names: frozenset[str]
    session_lifetime_min: int
    session_lifetime_max: int
    entry_point: StringLimit
    custom_permissions_name: StringLimit
    namespace: StringLimit
    account_id: StringLimit
    quicksight_user_name: StringLimit
    role_session_name: StringLimit
    external_id: StringLimit
    resource_id: StringLimit
    user_roles: tuple[str, ...]
    topic_id: StringLimit
    session_tag_key: StringLimit
    session_tag_value: StringLimit
    session_tags_max: int


def _string_limit(shape: Any) -> StringLimit:
    meta = shape.metadata
    return StringLimit(
        shape=shape.name,
        min_length=meta.get("min"),
        max_length=meta.get("max"),
        pattern=meta.get("pattern"),
    )


def _input_members(operation: OperationModel) -> dict[str, Any]:
    shape = operation.input_shape
    assert shape is not None, operation.name
    return dict(shape.members)


@cache
def model_loader() -> Loader:
    """botocore's loader of its bundled data (service models, endpoints), with no profile."""
    return create_loader()


def service_model(name: str) -> ServiceModel:
    """The latest bundled model of AWS service `name`."""
    return ServiceModel(model_loader().load_service_model(name, "service-2"), service_name=name)


@cache
def region_partitions() -> dict[str, str]:
    """Every region botocore's endpoint data (`endpoints.json`) lists, and its partition
    (`us-east-1`: `aws`, `us-gov-west-1`: `aws-us-gov`). A region AWS opens after the installed
    botocore was released is missing until botocore is upgraded."""
    data = model_loader().load_data("endpoints")
    return {
        region: str(partition["partition"])
        for partition in data["partitions"]
        for region in partition["regions"]
    }


@cache
def service_limits() -> ServiceLimits:
    """Load the limits once per process (the QuickSight model is large)."""
    quicksight = service_model("quicksight")
    sts = service_model("sts")
    lifetime = quicksight.shape_for("SessionLifetimeInMinutes").metadata
    register_user = _input_members(quicksight.operation_model("RegisterUser"))
    assume_role = _input_members(sts.operation_model("AssumeRole"))
    capabilities = quicksight.shape_for("Capabilities")
    user_role = quicksight.shape_for("UserRole")
    assert isinstance(capabilities, StructureShape)
    assert isinstance(user_role, StringShape)
    return ServiceLimits(
        capability_names=frozenset(capabilities.members),
        session_lifetime_min=int(lifetime["min"]),
        session_lifetime_max=int(lifetime["max"]),
        entry_point=_string_limit(quicksight.shape_for("EntryPoint")),
        custom_permissions_name=_string_limit(register_user["CustomPermissionsName"]),
        namespace=_string_limit(quicksight.shape_for("Namespace")),
        account_id=_string_limit(quicksight.shape_for("AwsAccountId")),
        quicksight_user_name=_string_limit(register_user["UserName"]),
        role_session_name=_string_limit(assume_role["RoleSessionName"]),
        external_id=_string_limit(assume_role["ExternalId"]),
        resource_id=_string_limit(quicksight.shape_for("ShortRestrictiveResourceId")),
        user_roles=tuple(user_role.enum),
        topic_id=_string_limit(quicksight.shape_for("RestrictiveResourceId")),
        session_tag_key=_string_limit(quicksight.shape_for("SessionTagKey")),
        session_tag_value=_string_limit(quicksight.shape_for("SessionTagValue")),
        session_tags_max=int(quicksight.shape_for("SessionTagList").metadata["max"]),
    )


CAPABILITY_DENY = "DENY"
"""The only state a CustomPermissions capability can have (botocore's CapabilityState)."""


def capability_key(name: str) -> str:
    """One key for a capability however it is spelled: botocore's `CreateSPICEDataset`, the
    provider's `create_spice_dataset` and its wire name `createSpiceDataset` meet here."""
    return name.replace("_", "").lower()

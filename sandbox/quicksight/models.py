"""The QuickSight service's state (moto's ``models`` layer): QuickSight's directory as AWS
keeps it, namespaces, users per namespace and CustomPermissions profiles.

moto's own user store writes ``user/default/`` into every ARN and names IAM role-session users
``None``; this backend replaces its users and adds namespaces and CustomPermissions, keeping
moto's groups, dashboards and data sources.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from moto.core.base_backend import BackendDict
from moto.iam.exceptions import NoSuchEntity, NotFoundException
from moto.iam.models import IAMBackend, iam_backends
from moto.quicksight.models import QuickSightBackend

from sandbox import quotas
from sandbox.quicksight.authorization import IAM_IDENTITY_ARN, iam_identity_user_name
from sandbox.quicksight.botocore_model import capability_names
from sandbox.quicksight.exceptions import QuickSightError, exists, invalid, not_found

DEFAULT_NAMESPACE = "default"
# Console embedding needs the author or admin cohort (GetSessionEmbedUrl's documentation).
CONSOLE_ROLES = frozenset({"AUTHOR", "ADMIN", "AUTHOR_PRO", "ADMIN_PRO"})


@dataclass
class Namespace:
    name: str
    arn: str
    capacity_region: str
    creation_status: str = "CREATED"
    """CREATED, or what a namespace can show instead (botocore's NamespaceStatus: CREATING,
    RETRYABLE_FAILURE, NON_RETRYABLE_FAILURE, DELETING); set by tests through the control API."""

    def to_api(self) -> dict[str, Any]:
        return {
            "Name": self.name,
            "Arn": self.arn,
            "CapacityRegion": self.capacity_region,
            "CreationStatus": self.creation_status,
            "IdentityStore": "QUICKSIGHT",
        }


@dataclass
class Profile:
    name: str
    arn: str
    capabilities: dict[str, str]

    def to_api(self) -> dict[str, Any]:
        return {
            "Arn": self.arn,
            "CustomPermissionsName": self.name,
            "Capabilities": dict(self.capabilities),
        }


@dataclass
class User:
    arn: str
    user_name: str
    namespace: str
    email: str
    role: str
    identity_type: str
    principal_id: str
    custom_permissions_name: str | None = None
    iam_arn: str | None = None  # IAM identity: the IAM user or role it signs in as
    session_name: str | None = None
    active: bool = True
    """DescribeUser's Active: "When you create an Amazon QuickSight user that's not an IAM user
    or an Active Directory user, that user is inactive until they sign in and provide a
    password" (API reference, User). Set by tests through the control API."""

    def to_api(self) -> dict[str, Any]:
        api = {
            "Arn": self.arn,
            "UserName": self.user_name,
            "Email": self.email,
            "Role": self.role,
            "IdentityType": self.identity_type,
            "Active": self.active,
            "PrincipalId": self.principal_id,
        }
        if self.custom_permissions_name:
            api["CustomPermissionsName"] = self.custom_permissions_name
        return api


def check_capabilities(capabilities: Any) -> dict[str, str]:
    """CustomPermissions can only deny, and only capabilities botocore's model names."""
    if not isinstance(capabilities, dict):
        raise invalid("Capabilities must be an object of capability name to DENY")
    unknown = sorted(set(capabilities) - capability_names())
    if unknown:
        raise invalid(f"Capabilities has unknown capability names: {', '.join(unknown)}")
    not_deny = sorted(name for name, state in capabilities.items() if state != "DENY")
    if not_deny:
        raise invalid(f"Capabilities can only be DENY; not so for: {', '.join(not_deny)}")
    return dict(capabilities)


class SandboxQuickSightBackend(QuickSightBackend):
    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.namespaces: dict[str, Namespace] = {}
        self.profiles: dict[str, Profile] = {}
        self.directory: dict[tuple[str, str], User] = {}
        self.topics: dict[str, str] = {}
        """Q topics by id (moto has none): their ARNs; an embedded topic must exist."""
        self.create_namespace(DEFAULT_NAMESPACE)
        # Embedding needs Enterprise edition; moto's account defaults to Standard.
        self.account_settings.edition = "ENTERPRISE"

    def arn(self, resource: str) -> str:
        return f"arn:{self.partition}:quicksight:{self.region_name}:{self.account_id}:{resource}"

    @property
    def iam(self) -> IAMBackend:
        return iam_backends[self.account_id][self.partition]

    # -- namespaces -------------------------------------------------------------------------

    def create_namespace(self, name: str) -> Namespace:
        if name in self.namespaces:
            raise exists(f"Namespace {name} already exists")
        quotas.check_namespace_quota(self.namespaces, DEFAULT_NAMESPACE)
        namespace = Namespace(name, self.arn(f"namespace/{name}"), self.region_name)
        self.namespaces[name] = namespace
        return namespace

    def get_namespace(self, name: str) -> Namespace:
        if name not in self.namespaces:
            raise not_found(f"Namespace {name} not found in account {self.account_id}")
        return self.namespaces[name]

    def delete_namespace(self, name: str) -> None:
        self.get_namespace(name)
        if name == DEFAULT_NAMESPACE:
            raise invalid("The default namespace cannot be deleted")
        # As in AWS, the namespace's users and groups go with it.
        for key in [key for key in self.directory if key[0] == name]:
            self.delete_user(self.account_id, *key)
        prefix = f"{self.account_id}:{name}:"
        for group_id in [group_id for group_id in self.groups if group_id.startswith(prefix)]:
            del self.groups[group_id]
        del self.namespaces[name]

    # -- custom permissions profiles --------------------------------------------------------

    def create_profile(self, name: str, capabilities: Any) -> Profile:
        if name in self.profiles:
            raise exists(f"CustomPermissions {name} already exists")
        profile = Profile(
            name, self.arn(f"custompermissions/{name}"), check_capabilities(capabilities or {})
        )
        self.profiles[name] = profile
        return profile

    def get_profile(self, name: str) -> Profile:
        if name not in self.profiles:
            raise not_found(f"CustomPermissions {name} not found")
        return self.profiles[name]

    def update_profile(self, name: str, capabilities: Any) -> Profile:
        profile = self.get_profile(name)
        profile.capabilities = check_capabilities(capabilities or {})
        return profile

    def delete_profile(self, name: str) -> Profile:
        profile = self.get_profile(name)
        for user in self.directory.values():
            if user.custom_permissions_name == name:
                user.custom_permissions_name = None
        del self.profiles[name]
        return profile

    # -- users ------------------------------------------------------------------------------

    def register_user(  # type: ignore[override]
        self,
        *,
        namespace: str,
        identity_type: str,
        email: str,
        role: str,
        user_name: str | None,
        iam_arn: str | None = None,
        session_name: str | None = None,
        custom_permissions_name: str | None = None,
    ) -> User:
        self.get_namespace(namespace)
        if custom_permissions_name is not None:
            self.get_profile(custom_permissions_name)
        if identity_type == "IAM":
            if iam_arn is None:
                raise invalid("IamArn is required for IdentityType IAM")
            user_name, principal_id = self._iam_identity(iam_arn, session_name)
            taken = self.user_for_iam_identity(iam_arn, session_name)
            if taken is not None:
                raise exists(f"The IAM identity is already registered as {taken.arn}")
        elif identity_type == "QUICKSIGHT":
            if not user_name:
                raise invalid("UserName is required for IdentityType QUICKSIGHT")
            if iam_arn is not None or session_name is not None:
                raise invalid("IamArn and SessionName are only for IdentityType IAM")
            principal_id = f"user/{namespace}/{secrets.token_hex(12)}"
        else:
            raise invalid(f"IdentityType {identity_type} is not supported by the emulator")
        key = (namespace, user_name)
        if key in self.directory:
            raise exists(f"User {user_name} already exists in namespace {namespace}")
        user = User(
            arn=self.arn(f"user/{namespace}/{user_name}"),
            user_name=user_name,
            namespace=namespace,
            email=email,
            role=role,
            identity_type=identity_type,
            principal_id=principal_id,
            custom_permissions_name=custom_permissions_name,
            iam_arn=iam_arn,
            session_name=session_name,
        )
        self.directory[key] = user
        return user

    def _iam_identity(self, iam_arn: str, session_name: str | None) -> tuple[str, str]:
        """User name and principal id of an IAM user, or of a role's session ``role/session``."""
        match = IAM_IDENTITY_ARN.fullmatch(iam_arn)
        if match is None or match["account"] != self.account_id:
            raise invalid(f"IamArn must be an IAM user or role ARN of account {self.account_id}")
        if match["kind"] == "role" and not session_name:
            raise invalid("SessionName is required to register a session of an IAM role")
        if match["kind"] == "user" and session_name is not None:
            raise invalid("SessionName is only for IAM roles, not IAM users")
        name = iam_identity_user_name(iam_arn, session_name)
        assert name is not None  # the ARN and session were just checked
        try:
            if match["kind"] == "role":
                role_id = self.iam.get_role_by_arn(iam_arn).id
                return name, f"federated/iam/{role_id}:{session_name}"
            return name, f"federated/iam/{self.iam.get_user(name).id}"
        except (NotFoundException, NoSuchEntity) as e:  # moto: roles, users
            raise invalid(f"IamArn {iam_arn} does not exist in IAM") from e

    def get_user(self, namespace: str, user_name: str) -> User:
        self.get_namespace(namespace)
        user = self.directory.get((namespace, user_name))
        if user is None:
            raise not_found(f"User {user_name} not found in namespace {namespace}")
        return user

    def user_for_iam_identity(self, iam_arn: str, session_name: str | None) -> User | None:
        for user in self.directory.values():
            if user.iam_arn == iam_arn and user.session_name == session_name:
                return user
        return None

    def update_user(  # type: ignore[override]
        self,
        *,
        namespace: str,
        user_name: str,
        email: str,
        role: str,
        custom_permissions_name: str | None = None,
        unapply_custom_permissions: bool = False,
    ) -> User:
        user = self.get_user(namespace, user_name)
        if custom_permissions_name is not None and unapply_custom_permissions:
            raise invalid("Give CustomPermissionsName or UnapplyCustomPermissions, not both")
        if custom_permissions_name is not None or unapply_custom_permissions:
            self.set_user_profile(namespace, user_name, custom_permissions_name)
        user.email = email
        user.role = role
        return user

    def set_user_profile(self, namespace: str, user_name: str, profile: str | None) -> User:
        user = self.get_user(namespace, user_name)
        if profile is not None:
            self.get_profile(profile)
        user.custom_permissions_name = profile
        return user

    def delete_user(self, aws_account_id: str, namespace: str, user_name: str) -> None:
        # Signature kept from moto (first argument unused) so its callers keep working.
        self.get_user(namespace, user_name)
        for group in self.groups.values():
            if group.namespace == namespace:
                group.delete_member(user_name)
        del self.directory[(namespace, user_name)]

    def users_in(self, namespace: str) -> list[User]:
        self.get_namespace(namespace)
        return [user for (ns, _), user in self.directory.items() if ns == namespace]


def require_console_role(user: User) -> None:
    if user.role not in CONSOLE_ROLES:
        raise QuickSightError(
            "UnsupportedUserEditionException",
            f"Console embedding needs an AUTHOR or ADMIN user (or their _PRO forms); "
            f"{user.user_name} is {user.role}",
        )


sandbox_quicksight_backends = BackendDict(SandboxQuickSightBackend, "quicksight")

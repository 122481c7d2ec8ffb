"""`TenantStack`: everything one tenant file provisions, as one Pulumi component.

Children: the embed role `qs-embed-<tenant>` with its trust policy and an inline permissions
policy, the QuickSight namespace (unless `default`), one CustomPermissions per profile, the
users and their profile attachments. Policy documents come from `policies.iam`.

Deletion is fail-safe. With `retain_users_on_delete` (the default) Pulumi forgets, but never
deletes, what would take a user's assets or restrictions with it: the namespace (deleting it
deletes its users), the users, their profiles and profile attachments (deleting those would
lift a retained user's restrictions). The role and its policy are deleted normally: losing them
only stops embedding. `protect` is not used: it would block every removal, including a planned
one, until someone unprotects state by hand, so the tenant file would stop being the one place
a tenant change is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from embedder.arns import partition_for_region
from embedder.config import TenantConfig, TenantUser
from infra.capabilities import capabilities_args
from policies.iam import (
    embed_role_permissions_policy,
    embed_role_trust_policy,
    policy_json,
    quicksight_user_name,
)
from policies.resources import DEFAULT_NAMESPACE, TENANT_STACK

EMBED_POLICY_NAME = "quicksight-embedding"
ROLE_MAX_SESSION_SECONDS = 3600
"""IAM's minimum: the app only needs the session to mint a URL; the embedder refreshes it."""


@dataclass(frozen=True)
class TenantStackArgs:
    """What a TenantStack is built from: one validated tenant file."""

    tenant: TenantConfig
    account_id: pulumi.Input[str] | None = None
    """Override of the account in ARNs; default: the file's `account_id`, else the caller's."""
    partition: str | None = None
    """Override of the ARN partition; default: the partition of the tenant's region."""


class TenantStack(pulumi.ComponentResource):
    """One tenant: embed role, namespace, permission profiles and users."""

    role: aws.iam.Role
    role_policy: aws.iam.RolePolicy
    namespace: pulumi.Output[str]
    profiles: dict[str, aws.quicksight.CustomPermissions]
    users: dict[str, aws.quicksight.User]

    def __init__(
        self, name: str, args: TenantStackArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TENANT_STACK, name, None, opts)
        tenant = args.tenant
        self._name = name
        self._tenant = tenant
        self._account = self._account_id(args)
        self._partition = args.partition or partition_for_region(tenant.region)
        self.role = self._embed_role()
        self.role_policy = self._embed_policy()
        self.namespace = self._namespace()
        self.profiles = {key: self._profile(key) for key in tenant.permission_profiles}
        self.users = {user.name: self._user(user) for user in tenant.users}
        for user in tenant.users:
            if user.profile is not None:
                self._attach_profile(user, user.profile)
        self.register_outputs(self.exports())

    def exports(self) -> dict[str, Any]:
        """The tenant's stack outputs (the program exports them under the tenant's name)."""
        return {
            "embedRoleArn": self.role.arn,
            "namespace": self.namespace,
            "userArns": {name: user.arn for name, user in self.users.items()},
            "profileNames": {
                key: profile.custom_permissions_name for key, profile in self.profiles.items()
            },
            # Policies cannot see retain_on_delete (only protect), so the stack declares it.
            "retainUsersOnDelete": self._tenant.retain_users_on_delete,
        }

    # -- children -------------------------------------------------------------------------

    def _opts(self, *, retain: bool = False, **kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(
            parent=self, retain_on_delete=retain and self._tenant.retain_users_on_delete, **kwargs
        )

    def _account_id(self, args: TenantStackArgs) -> pulumi.Output[str]:
        if args.account_id is not None:
            return pulumi.Output.from_input(args.account_id)
        if args.tenant.account_id is not None:
            return pulumi.Output.from_input(args.tenant.account_id)
        caller = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        account: pulumi.Output[str] = caller.account_id
        return account

    def _embed_role(self) -> aws.iam.Role:
        tenant = self._tenant
        trust: pulumi.Input[str] = policy_json(embed_role_trust_policy(tenant))
        if tenant.embedding.external_id is not None:
            # The trust policy carries the external id: keep it encrypted in the state.
            trust = pulumi.Output.secret(trust)
        return aws.iam.Role(
            f"{self._name}.role",
            name=tenant.role_name,
            description=f"Mints QuickSight console embed URLs for tenant {tenant.tenant}",
            assume_role_policy=trust,
            max_session_duration=ROLE_MAX_SESSION_SECONDS,
            opts=self._opts(),
        )

    def _embed_policy(self) -> aws.iam.RolePolicy:
        # Inline, not managed: the policy lives and dies with its role, it cannot be attached
        # to any other principal, and a role's inline quota (10,240) exceeds a managed one's.
        tenant, partition = self._tenant, self._partition
        document = pulumi.Output.all(account_id=self._account).apply(
            lambda resolved: policy_json(
                embed_role_permissions_policy(
                    tenant, partition=partition, account_id=resolved["account_id"]
                )
            )
        )
        return aws.iam.RolePolicy(
            f"{self._name}.role-policy",
            name=EMBED_POLICY_NAME,
            role=self.role.name,
            policy=document,
            opts=self._opts(),
        )

    def _namespace(self) -> pulumi.Output[str]:
        tenant = self._tenant
        if tenant.namespace == DEFAULT_NAMESPACE:
            return pulumi.Output.from_input(DEFAULT_NAMESPACE)
        namespace = aws.quicksight.Namespace(
            f"{self._name}.namespace",
            namespace=tenant.namespace,
            identity_store="QUICKSIGHT",
            aws_account_id=self._account,
            region=tenant.region,
            opts=self._opts(retain=True),
        )
        name: pulumi.Output[str] = namespace.namespace
        return name

    def _profile(self, key: str) -> aws.quicksight.CustomPermissions:
        tenant = self._tenant
        return aws.quicksight.CustomPermissions(
            f"{self._name}.profile.{key}",
            custom_permissions_name=tenant.profile_name(key),
            capabilities=capabilities_args(tenant.permission_profiles[key].deny),
            aws_account_id=self._account,
            region=tenant.region,
            opts=self._opts(retain=True),
        )

    def _user(self, user: TenantUser) -> aws.quicksight.User:
        tenant = self._tenant
        identity: dict[str, Any]
        if tenant.embedding.identity == "iam":
            # The user is a session of the embed role: <role name>/<session name>.
            identity = {"identity_type": "IAM", "iam_arn": self.role.arn, "session_name": user.name}
        else:
            identity = {"identity_type": "QUICKSIGHT", "user_name": user.name}
        return aws.quicksight.User(
            f"{self._name}.user.{user.name}",
            email=user.email,
            user_role=user.role,
            namespace=self.namespace,
            aws_account_id=self._account,
            region=tenant.region,
            opts=self._opts(retain=True),
            **identity,
        )

    def _attach_profile(self, user: TenantUser, profile: str) -> None:
        tenant = self._tenant
        aws.quicksight.UserCustomPermission(
            f"{self._name}.user-profile.{user.name}",
            user_name=quicksight_user_name(tenant, user.name),
            custom_permissions_name=self.profiles[profile].custom_permissions_name,
            namespace=self.namespace,
            aws_account_id=self._account,
            region=tenant.region,
            # Replacing: unapply the old profile before applying the new one, never after.
            opts=self._opts(
                retain=True, depends_on=[self.users[user.name]], delete_before_replace=True
            ),
        )

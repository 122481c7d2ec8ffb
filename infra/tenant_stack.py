"""`TenantStack`: everything one tenant file provisions, as one Pulumi component.

Children: the embed role `qs-embed-<tenant>` with its trust policy and an inline permissions
policy, the QuickSight namespace (unless `default`), one CustomPermissions per profile, and the
users (`infra.quicksight_user`, a dynamic resource: role, email and profile change in place;
the profile is a property of the user). Policy documents come from `policies.embed_role`.

The permissions policy depends on the users: the role is granted nothing on a user before the
stack has created or adopted it (a file naming an existing user it does not adopt is refused
before the policy is written).

Adoption is explicit: `users[].adopt`, `permission_profiles.<key>.adopt` and `adopt_namespace`
take over what already exists (users through the provider; the namespace and profiles through
Pulumi's `import` option, which fails unless the existing resource already equals the file).

Deletion is fail-safe. With `retain_users_on_delete` (the default) Pulumi forgets, but never
deletes, what would take a user's assets or restrictions with it: the namespace (deleting it
deletes its users), the users (with their profile attachment) and the profiles (deleting those
would lift a retained user's restrictions). The role and its policy are deleted normally: losing
them only stops embedding. `protect` is not used: it would block every removal, including a
planned one, until someone unprotects state by hand, so the tenant file would stop being the
one place a tenant change is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from infra.capabilities import capabilities_args
from infra.quicksight_user import QuickSightUser
from policies.embed_role import (
    embed_role_permissions_policy,
    embed_role_trust_policy,
    policy_json,
)
from policies.project import EMBED_POLICY_NAME, TENANT_STACK
from policies.resources import DEFAULT_NAMESPACE, EMBED_ROLE_SESSION_SECONDS
from tenant_file.config import TenantConfig, TenantUser
from tenant_file.names import partition_for_region

NAMESPACE_TIMEOUTS = aws.quicksight.NamespaceTimeoutsArgs(create="20m", delete="20m")
"""CreateNamespace answers CREATING; the provider waits for CREATED, by default for 2 minutes
(terraform-provider-aws internal/service/quicksight/namespace.go), which a new namespace can
take longer than; on timeout the state is not saved and the next run hits ResourceExists. A
Plugin Framework resource reads its timeouts from this `timeouts` input; the bridge ignores the
`custom_timeouts` resource option for it (pulumi-terraform-bridge issue 827)."""


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
    users: dict[str, QuickSightUser]

    def __init__(
        self, name: str, args: TenantStackArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TENANT_STACK, name, None, opts)
        tenant = args.tenant
        self._name = name
        self._tenant = tenant
        self._account = self._account_id(args)
        self._partition = args.partition or partition_for_region(tenant.region)
        self._import_account: str | None = (
            args.account_id if isinstance(args.account_id, str) else None
        )
        self.role = self._embed_role()
        self.namespace = self._namespace()
        self.profiles = {key: self._profile(key) for key in tenant.permission_profiles}
        self.users = {user.name: self._user(user) for user in tenant.users}
        self.role_policy = self._embed_policy()
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
            max_session_duration=EMBED_ROLE_SESSION_SECONDS,
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
            # Granted only once every user it grants on is the stack's (created or adopted).
            opts=self._opts(depends_on=list(self.users.values())),
        )

    def _import_id(self, *parts: str) -> str:
        """A pulumi-aws 7 import id `account,<parts>@<region>` (a plain string: `import_` takes
        no Output). Without the suffix pulumi-aws reads from the stack's aws:region, not the
        resource's (terraform-provider-aws internal/provider/framework/region.go; pulumi-aws
        issues 5523, 5697)."""
        account = self._import_account or self._tenant.account_id
        if account is None:
            caller = aws.get_caller_identity(opts=pulumi.InvokeOptions(parent=self))
            account = self._import_account = str(caller.account_id)
        return ",".join((account, *parts)) + f"@{self._tenant.region}"

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
            timeouts=NAMESPACE_TIMEOUTS,
            opts=self._opts(
                retain=True,
                import_=self._import_id(tenant.namespace) if tenant.adopt_namespace else None,
            ),
        )
        name: pulumi.Output[str] = namespace.namespace
        return name

    def _profile(self, key: str) -> aws.quicksight.CustomPermissions:
        tenant = self._tenant
        profile = tenant.permission_profiles[key]
        name = tenant.profile_name(key)
        return aws.quicksight.CustomPermissions(
            f"{self._name}.profile.{key}",
            custom_permissions_name=name,
            capabilities=capabilities_args(profile.deny),
            aws_account_id=self._account,
            region=tenant.region,
            opts=self._opts(retain=True, import_=self._import_id(name) if profile.adopt else None),
        )

    def _user(self, user: TenantUser) -> QuickSightUser:
        tenant = self._tenant
        props: dict[str, pulumi.Input[Any]] = {
            "awsAccountId": self._account,
            "region": tenant.region,
            "namespace": self.namespace,
            "userName": tenant.quicksight_user_name(user.name),
            "email": user.email,
            "userRole": user.role,
            # With just-in-time registration the app may register a user before the stack
            # does: that user is the stack's to adopt (one owner), pinned to this role and
            # session name.
            "adopt": user.adopt or self._tenant.registers_on_first_use,
        }
        if tenant.embedding.identity == "iam":
            # The user is a session of the embed role: <role name>/<session name>.
            props |= {"identityType": "IAM", "iamArn": self.role.arn, "sessionName": user.name}
        else:
            props["identityType"] = "QUICKSIGHT"
        if user.profile is not None:
            props["customPermissionsName"] = self.profiles[user.profile].custom_permissions_name
        return QuickSightUser(f"{self._name}.user.{user.name}", props, self._opts(retain=True))

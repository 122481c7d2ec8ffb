"""`qs-embed plan`: what the Pulumi program would create per tenant, offline.

The program runs in this process under Pulumi's mocks (no Pulumi CLI, no provider plugin, no
credentials); nothing is deployed. Bad tenant files raise `ConfigError`, which `qs-embed` turns
into exit code 2 with every problem listed.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from infra.offline import run_offline
from infra.offline_mocks import OfflineMocks
from infra.plan import build_plan, resource_count
from infra.program import declare_tenants, load_checked_tenants
from policies.deployer import ATTACHED_POLICIES_PER_ROLE, DeployerPolicyTooLarge, deployer_policies
from policies.embed_role import ACCOUNT_PLACEHOLDER, policy_size
from policies.iam_limits import MANAGED_POLICY_MAX_CHARS
from policies.project import QS_DYNAMIC_USER
from policies.resources import (
    QS_CUSTOM_PERMISSIONS,
    QS_NAMESPACE,
    QS_USER,
    QS_USER_CUSTOM_PERMISSION,
    ROLE,
    ROLE_POLICY,
)
from qs_embed.exit_codes import ExitCode
from qs_embed.shards import shard_from_args
from tenant_file.errors import ConfigError, Problem
from tenant_file.wording import plural

PROGRESS_AFTER_SECONDS = 2.0

USER_PROPERTIES = ("identityType", "userName", "sessionName", "iamArn", "email", "userRole")
# The properties worth a reviewer's eye, per type (policies are printed in full below them).
KEY_PROPERTIES = {
    ROLE: ("name", "maxSessionDuration"),
    ROLE_POLICY: ("name", "role"),
    QS_NAMESPACE: ("namespace", "identityStore", "region"),
    QS_CUSTOM_PERMISSIONS: ("customPermissionsName", "deny"),
    QS_USER: (*USER_PROPERTIES, "namespace"),
    QS_USER_CUSTOM_PERMISSION: ("userName", "customPermissionsName"),
    # The users' dynamic provider also carries the profile and the adopt flag.
    QS_DYNAMIC_USER: (*USER_PROPERTIES, "namespace", "customPermissionsName", "adopt"),
}


def cmd_plan(args: argparse.Namespace) -> int:
    loaded = load_checked_tenants(args.tenants, shard_from_args(args))
    tenants = [tenant for _, tenant in loaded]
    if getattr(args, "deployer_policy", False):
        try:
            documents = deployer_policies(tenants)
        except DeployerPolicyTooLarge as e:
            raise ConfigError([Problem(str(args.tenants), "", str(e))]) from e
        # One managed policy each (IAM's 6,144-character quota); a JSON list, however many.
        print(json.dumps(documents, indent=2))
        sizes = " + ".join(f"{policy_size(d):,}" for d in documents)
        print(
            f"{plural(len(documents), 'managed policy', 'managed policies')} to attach to the "
            f"deploying role ({sizes} characters; IAM allows {MANAGED_POLICY_MAX_CHARS:,} each "
            f"and {ATTACHED_POLICIES_PER_ROLE} per role)",
            file=sys.stderr,
        )
        return ExitCode.OK
    with _progress(f"planning {plural(len(tenants), 'tenant')} offline ..."):
        run = run_offline(lambda: declare_tenants(tenants), OfflineMocks(tenants), stack="plan")
    plan = build_plan(tenants, run)
    print(json.dumps(plan, indent=2) if args.json else render_plan(plan))
    return ExitCode.OK


def render_plan(plan: dict[str, Any]) -> str:
    """The plan for people: resources with their key properties, then the IAM documents."""
    summary = plan["summary"]
    counted = resource_count(summary["resources"], summary["components"])
    lines = [
        f"Plan (offline, nothing deployed): {plural(summary['tenants'], 'tenant')}, "
        f"{counted} to create."
    ]
    if any(t["account"] == ACCOUNT_PLACEHOLDER for t in plan["tenants"]):
        lines.append(
            f"{ACCOUNT_PLACEHOLDER} = the account of the deploying credentials "
            "(the tenant file names none)."
        )
    for tenant in plan["tenants"]:
        lines += ["", *_render_tenant(tenant)]
    return "\n".join(lines)


def _render_tenant(tenant: dict[str, Any]) -> list[str]:
    lines = [
        f"tenant {tenant['tenant']}: {tenant['identity']} identity, namespace "
        f"{tenant['namespace']}, account {tenant['account']}, region {tenant['region']}",
        f"  + {tenant['component']['type']}  {tenant['component']['name']}",
    ]
    for resource in tenant["resources"]:
        retain = "  [retain on delete]" if resource["retainOnDelete"] else ""
        lines.append(f"    + {resource['type']}  {resource['name']}{retain}")
        props = resource["properties"]
        shown = [k for k in KEY_PROPERTIES.get(resource["type"], ()) if props.get(k) is not None]
        for key in shown:
            value = props[key]
            text = ", ".join(value) if isinstance(value, list) else value
            lines.append(f"        {key}: {text}")
        for key in resource.get("secretInState", ()):
            lines.append(f"        {key}: stored as a secret in the Pulumi state")
    for title, key in (("trust policy", "trust"), ("permissions policy", "permissions")):
        lines.append(f"  {title} of {tenant['embedRole']}:")
        document = json.dumps(tenant["policies"][key], indent=2)
        lines += [f"    {line}" for line in document.splitlines()]
    lines.append("  outputs:")
    lines += [f"    {line}" for line in json.dumps(tenant["outputs"], indent=2).splitlines()]
    return lines


@contextmanager
def _progress(message: str) -> Iterator[None]:
    """Say what is happening only if it takes long enough for someone to wonder."""
    timer = threading.Timer(PROGRESS_AFTER_SECONDS, lambda: print(message, file=sys.stderr))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()

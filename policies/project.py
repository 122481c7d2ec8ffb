"""The names this project shares through strings: one home for each, which import-linter
cannot check and this module makes explicit.

The Pulumi project name is the first part of every config key (`quicksight-embedding:shard`)
and the second of every URN; the policy pack reads the program's config by these keys, the
program declares its component by the type token, the pack matches resources by it. Renaming
one without the others makes the pack check every tenant instead of its shard, or no
resource at all. `tests/policies/test_project.py` holds these equal to `Pulumi.yaml` and
`policies/PulumiPolicy.yaml`. The lowest layer of the Pulumi side that needs them (the policy
pack) owns them; `infra`, the engine, the review and the CLI import them from here.
"""

from __future__ import annotations

PROJECT = "quicksight-embedding"
"""The Pulumi project's name (Pulumi.yaml `name`): the config namespace, part of every URN."""
PACK_NAME = PROJECT
"""The policy pack's name (`pulumi up --policy-pack policies` reports violations under it)."""

DEFAULT_TENANTS_DIR = "tenants"
"""Where the tenant files are, relative to the project (Pulumi.yaml's `tenantsDir` default,
and the default of every `qs-embed --tenants`)."""

CONFIG_TENANTS_DIR = "tenantsDir"
CONFIG_SHARD_COUNT = "shardCount"
CONFIG_SHARD = "shard"
"""The program's config keys, as `pulumi.Config()` (the project's namespace) reads them."""
CONFIG_KEYS = (CONFIG_TENANTS_DIR, CONFIG_SHARD_COUNT, CONFIG_SHARD)


def config_key(key: str) -> str:
    """A config key as the engine hands it to policy packs: `quicksight-embedding:shard`."""
    return f"{PROJECT}:{key}"


SHARD_NOT_SET = "-1"
"""Pulumi.yaml's default for `shard`: a key declared with a type but no default is required
of every stack, unsharded ones too, so "not set" is spelled -1 there."""

TENANT_STACK = f"{PROJECT}:index:TenantStack"
"""The type token of `infra.tenant_stack.TenantStack`, the component holding one tenant."""

USERS_MODULE, USERS_NAME = "quicksight", "User"
"""The module and name `infra.quicksight_user.QuickSightUser` registers its dynamic type as."""
QS_DYNAMIC_USER = f"pulumi-python:dynamic/{USERS_MODULE}:{USERS_NAME}"
"""The type token of the users' dynamic resource (Pulumi's `pulumi-python:dynamic/<module>:
<name>`, pulumi/sdk/python/lib/pulumi/dynamic/dynamic.py)."""

EMBED_POLICY_NAME = PROJECT
"""The name of each embed role's inline policy (`infra.tenant_stack`)."""

"""The Pulumi program (`pulumi up`): the tenant files of `tenantsDir`, one TenantStack each.

Config (project namespace): `tenantsDir` (default `tenants`); `shardCount` (default 1) and
`shard` (0-based, required when `shardCount` > 1): a sharded stack declares only its shard's
tenants. The steps live in `infra.program` so `qs-embed plan` and the tests run this same
program offline, under Pulumi's mocks.
"""

import pulumi

from infra.program import run_configured_program

run_configured_program(pulumi.Config())

"""The Pulumi program (`pulumi up`): every file in `tenantsDir` becomes one TenantStack.

Config `quicksight-embedding:tenantsDir` (default `tenants`). The steps live in `infra.program`
so `qs-embed plan` and the tests run this same program offline, under Pulumi's mocks.
"""

import pulumi

from infra.program import CONFIG_TENANTS_DIR, DEFAULT_TENANTS_DIR, run_program

run_program(pulumi.Config().get(CONFIG_TENANTS_DIR) or DEFAULT_TENANTS_DIR)

"""Entry point of the CrossGuard pack, run by the Pulumi engine (`--policy-pack policies`).

The engine runs this directory as a script (`runpy.run_path`), which puts `policies/` itself
first on `sys.path`; its modules (`iam`, `check`, `resources`, ...) would then shadow
same-named top-level modules. The repository root goes there instead, so `policies` is this
package even where it is not installed.
"""

import sys
from pathlib import Path

PACK_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACK_DIR.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != PACK_DIR]
sys.path.insert(0, str(REPO_ROOT))

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policies.pack import build_policies, pack_index  # noqa: E402
from policies.project import PACK_NAME  # noqa: E402

PolicyPack(
    name=PACK_NAME,
    policies=build_policies(pack_index(PACK_DIR)),
    enforcement_level=EnforcementLevel.MANDATORY,
)

"""The tenant file's limits, read from botocore's QuickSight model."""

from __future__ import annotations

import botocore.session
from botocore.model import StructureShape

from tenant_file.config import console_user_roles
from tenant_file.limits import service_limits


def test_limits_come_from_botocore_models() -> None:
    model = botocore.session.get_session().get_service_model("quicksight")
    limits = service_limits()
    capabilities = model.shape_for("Capabilities")
    assert isinstance(capabilities, StructureShape)
    assert limits.capability_names == set(capabilities.members)
    assert (limits.session_lifetime_min, limits.session_lifetime_max) == (15, 600)
    assert limits.entry_point.max_length == 1000
    assert limits.custom_permissions_name.pattern == "^[a-zA-Z0-9+=,.@_-]+$"
    assert console_user_roles() == ("ADMIN", "AUTHOR", "ADMIN_PRO", "AUTHOR_PRO")

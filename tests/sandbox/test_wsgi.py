"""The emulator's WSGI application (``sandbox.wsgi``): moto's admin API is not routed."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox import Emulator

from .conftest import ACCOUNT, post_fault


def test_moto_admin_api_is_not_reachable(emu: Emulator, acme_qs: Any) -> None:
    """moto's /moto-api/reset-auth could otherwise switch IAM enforcement off."""
    assert post_fault(f"{emu.endpoint_url}/moto-api/reset-auth") == 404
    assert post_fault(f"{emu.endpoint_url}/moto-api/reset") == 404
    with pytest.raises(acme_qs.exceptions.AccessDeniedException):
        acme_qs.list_namespaces(AwsAccountId=ACCOUNT)

"""The one hook into moto (``sandbox.moto_hooks``): an injected fault answers as the service
does, and the hook replaces moto's authorization step only when installed."""

from __future__ import annotations

import json

import pytest
from moto.core.authorization import ActionAuthenticatorMixin

from sandbox import moto_hooks
from sandbox.faults import FaultKind, InjectedFault


def test_a_quicksight_fault_answers_with_its_modelled_status_and_json_body() -> None:
    answer = moto_hooks._FaultAnswer(InjectedFault("quicksight", FaultKind.THROTTLE))
    assert answer.code == 429
    assert json.loads(answer.description or "")["__type"] == "ThrottlingException"


def test_an_sts_fault_answers_in_the_query_protocol() -> None:
    answer = moto_hooks._FaultAnswer(InjectedFault("sts", FaultKind.INTERNAL))
    assert answer.code == 500
    assert "<Code>InternalFailure</Code>" in (answer.description or "")


def test_install_replaces_motos_authorization_step(monkeypatch: pytest.MonkeyPatch) -> None:
    step = "_authenticate_and_authorize_normal_action"
    monkeypatch.setattr(ActionAuthenticatorMixin, step, getattr(ActionAuthenticatorMixin, step))
    assert getattr(ActionAuthenticatorMixin, step) is not moto_hooks._authorize_with_faults
    moto_hooks.install()
    assert getattr(ActionAuthenticatorMixin, step) is moto_hooks._authorize_with_faults

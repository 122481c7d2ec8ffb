"""The local engine's preview (`local_engine.preview`): how an adoption reads what it adopts.

The preview's refusals on an emulator (a state applied for another target, names that exist)
are in test_refresh.py and test_engine.py, beside the emulator they start."""

from __future__ import annotations

from typing import Any

from local_engine.preview import import_read


class _Recorder:
    def __init__(self) -> None:
        self.asked: list[tuple[str, dict[str, Any]]] = []

    def read(self, id_: str, inputs: dict[str, Any]) -> dict[str, Any] | None:
        self.asked.append((id_, dict(inputs)))
        return None


def test_the_import_read_uses_the_id_s_region_not_the_inputs() -> None:
    handler = _Recorder()
    import_read(handler, "111122223333,acme@eu-west-1")  # type: ignore[arg-type]
    import_read(handler, "111122223333,acme")  # type: ignore[arg-type]
    # With no suffix, the provider's region (aws:region), as pulumi-aws does.
    assert handler.asked == [
        ("111122223333,acme", {"region": "eu-west-1"}),
        ("111122223333,acme", {}),
    ]

"""An image removed by another process while verify runs gives a clear error."""

from __future__ import annotations

import docker.errors
import pytest

from nodeship.errors import NodeshipError
from nodeship.verify.verify import _Emitter, _report_engine_loss


def test_removed_image_is_reported() -> None:
    emit = _Emitter(None)
    emit.phase("running nodeship-verify/orders-api:3.22-v24.11.1-1.4.2")
    with (
        pytest.raises(NodeshipError) as raised,
        _report_engine_loss(emit, None, "nodeship-verify/orders-api:1"),
    ):
        raise docker.errors.ImageNotFound(
            "404 Client Error", explanation="No such image: sha256:8958f52dc9fc"
        )
    assert "while running nodeship-verify/orders-api" in raised.value.message
    assert "No such image: sha256:8958f52dc9fc" in raised.value.message
    assert raised.value.hint is not None
    assert "run verify again" in raised.value.hint

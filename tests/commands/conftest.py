from __future__ import annotations

import pytest

from tests.factories import BoatFactory


@pytest.fixture
def boats(tenant, other_tenant):
    return {
        "queen": BoatFactory(tenant=tenant, name="Queen of San Diego", capacity=12),
        "little": BoatFactory(tenant=tenant, name="Little Queen", capacity=6),
        "chaser": BoatFactory(tenant=other_tenant, name="Sunset Chaser", capacity=20),
    }

"""The releases service exposes exactly the RPC methods its exported contracts describe."""

from presscenter.releases.service import ReleasesService
from presscenter.shared.testing.rpc_contracts import assert_implements_rpc_contracts


def test_releases_implements_its_rpc_contracts() -> None:
    assert_implements_rpc_contracts(ReleasesService)

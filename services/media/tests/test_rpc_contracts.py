"""The media service exposes exactly the RPC methods its exported contracts describe."""

from presscenter.media.service import MediaService
from presscenter.shared.rpc import media
from presscenter.shared.testing.rpc_contracts import assert_implements_rpc_contracts


def test_media_implements_its_rpc_contracts() -> None:
    assert_implements_rpc_contracts(MediaService)


def test_every_declared_method_takes_its_request_model() -> None:
    for name, request, _response, _summary in media.METHODS:
        assert getattr(MediaService, name).request_model is request, name

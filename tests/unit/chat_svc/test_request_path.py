"""chat_svc's request path: the layers in their order, a fast path left out when its
setting is off."""

from __future__ import annotations

from chat_svc.app import create_app
from chat_svc.settings import ChatSettings


def _layer_names(settings: ChatSettings) -> list[str]:
    app = create_app(settings)
    return [type(layer).__name__ for layer in app.layers]


def test_the_request_meets_admission_then_the_fast_paths_then_live_delivery() -> None:
    assert _layer_names(ChatSettings()) == [
        "AdmissionLimit",
        "MessagePostFastPath",
        "RoomPageFastPath",
        "Mount",
    ]


def test_a_fast_path_turned_off_is_not_in_the_path() -> None:
    settings = ChatSettings(post_fast_path=False, page_fast_path=False)
    assert _layer_names(settings) == ["AdmissionLimit", "Mount"]

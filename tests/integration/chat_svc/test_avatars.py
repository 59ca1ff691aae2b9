"""Avatars (issue 35): an uploaded picture shows on messages (old ones too), who is here
and the account menu; it is served to signed-in people only, under a URL that changes
with the picture; SVG and over-large images are refused; "remove" brings initials back."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from chat_svc.avatars.avatar_versions import replace_versions
from chat_svc.models.memberships import Membership
from chat_svc.models.messages import author_tag
from chat_svc.models.users import ChatUser
from chat_svc.web.avatars import avatar_colour
from service_kit.lifecycle import infrastructure_of
from tests.integration.chat_svc.avatar_pictures import SVG, huge_png_header
from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.file_posts import multipart, photo_with_gps
from tests.integration.chat_svc.people import Person, person_handle, sign_in
from tests.support.database_commands import database_commands


@pytest.fixture(autouse=True)
def files_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "files"
    monkeypatch.setenv("CHAT_FILES_DIR", str(directory))
    return directory


async def _upload(person: Person, picture: bytes, **fields: str) -> tuple[int, str]:
    form = {"csrf_token": await person.csrf(), "display_name": "Ada", "time_zone": ""} | fields
    data, content_type = multipart(form, [("me.jpg", picture)] if picture else [], "avatar")
    response = await person.client.post(
        "/settings/profile", data=data, headers={"Content-Type": content_type}
    )
    return response.status_code, await response.get_data(as_text=True)


def _stored_avatars(files_dir: Path) -> list[Path]:
    return list(files_dir.rglob("*.webp"))


def _blue_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (90, 200), (20, 40, 200)).save(out, "PNG")
    return out.getvalue()


def _picture_urls(html: str, user_id: str) -> set[str]:
    return set(re.findall(rf'src="(/avatars/{user_id}/[0-9a-f]{{16}}/64\.webp)"', html))


async def test_an_uploaded_avatar_shows_everywhere_to_signed_in_people_only(
    make_chat_app: AppFactory, fake_auth: FakeAuth, files_dir: Path
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        await ada.say("general", "before my picture")
        assert not _picture_urls((await bob.get("/rooms/general"))[1], ada.user_id)

        assert (await _upload(ada, photo_with_gps(width=300, height=120)))[0] == 303
        _, bobs_page = await bob.get("/rooms/general")
        [url] = _picture_urls(bobs_page, ada.user_id)
        message = re.search(rf'data-author="{author_tag(ada.user_id)}".*?</li>', bobs_page, re.S)
        assert message and url in message.group(0)  # the old message, rendered again
        _, adas_page = await ada.get("/rooms/general")
        here = re.search(r'<ul class="here-list">.*?</ul>', adas_page, re.S)
        menu = re.search(r'<details class="menu account-menu">.*?</summary>', adas_page, re.S)
        assert here and url in here.group(0) and menu and url in menu.group(0)
        handle = person_handle((await bob.get("/people"))[1], "Ada")
        assert url in (await bob.get(f"/people/{handle}"))[1]

        response = await bob.client.get(url)
        assert response.status_code == 200 and response.content_type == "image/webp"
        assert "immutable" in response.headers["Cache-Control"]
        picture = await response.get_data(as_text=False)
        with Image.open(io.BytesIO(picture)) as image:
            assert image.size == (64, 64) and not image.getexif()
        assert b"GPS" not in picture
        assert (await test_app.test_client().get(url)).status_code == 401  # not signed in

        # A new picture gets a new URL and the old one is gone; "remove" brings initials.
        assert (await _upload(ada, _blue_png()))[0] == 303
        [new_url] = _picture_urls((await bob.get("/rooms/general"))[1], ada.user_id)
        assert new_url != url and (await bob.client.get(url)).status_code == 404
        assert (await _upload(ada, b"", remove_avatar="y"))[0] == 303
        assert not _picture_urls((await bob.get("/rooms/general"))[1], ada.user_id)
        assert (await bob.client.get(new_url)).status_code == 404
        assert not _stored_avatars(files_dir)


async def test_svg_and_over_large_pictures_are_refused_cleanly(
    make_chat_app: AppFactory, fake_auth: FakeAuth, files_dir: Path
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        for picture, reason in ((SVG, "Choose a PNG"), (huge_png_header(), "too many pixels")):
            status, page = await _upload(ada, picture)
            assert status == 422 and reason in page
        assert not _stored_avatars(files_dir)
        assert not _picture_urls((await ada.get("/rooms/general"))[1], ada.user_id)


async def test_an_administrator_gives_a_bot_a_picture_shown_on_its_messages(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        await ada.csrf()  # chat knows Ada now
        await ChatUser.find_one(ChatUser.user_id == ada.user_id).set({"role": "admin"})
        status, created, _ = await ada.post("/admin/bots", name="CI", rooms="general")
        assert status == 200, created
        [bot_id] = re.findall(r'action="/admin/bots/(bot-[0-9a-f]+)/avatar"', created)
        hook = re.search(r'class="hook-url" data-room="general">[^<]*?(/hooks/[^<]+)<', created)
        assert hook

        form = {"csrf_token": await ada.csrf()}
        data, content_type = multipart(form, [("ci.png", _blue_png())], "avatar")
        headers = {"Content-Type": content_type}
        saved = await ada.client.post(f"/admin/bots/{bot_id}/avatar", data=data, headers=headers)
        assert saved.status_code == 303
        posted = await ada.client.post(hook.group(1), data="build 42 passed")
        assert posted.status_code == 201
        assert _picture_urls((await ada.get("/rooms/general"))[1], bot_id)


def _sidebar_entry(html: str, slug: str) -> str:
    entry = re.search(rf'<li class="sidebar-entry[^"]*" data-room="{slug}".*?</li>', html, re.S)
    assert entry, slug
    return entry.group(0)


async def test_a_direct_room_in_the_sidebar_shows_the_other_persons_avatar(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        dm = await bob.open_dm(ada)
        initials = '<span class="avatar avatar-{} avatar-small" aria-hidden="true">{}</span>'
        colour = avatar_colour(author_tag(ada.user_id))
        assert initials.format(colour, "A") in _sidebar_entry((await bob.get("/rooms"))[1], dm)
        adas_side = _sidebar_entry((await ada.get(f"/rooms/{dm}"))[1], dm)
        assert ">B</span>" in adas_side and ">A</span>" not in adas_side  # never one's own

        assert (await _upload(ada, _blue_png()))[0] == 303
        for page in ("/rooms", "/rooms/general", f"/rooms/{dm}"):  # the room page's fast path too
            entry = _sidebar_entry((await bob.get(page))[1], dm)
            assert len(_picture_urls(entry, ada.user_id)) == 1, page
            assert 'alt=""' in entry and 'loading="lazy"' in entry, page


async def test_what_an_app_learned_of_direct_rooms_ends_with_it(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    """A direct room's pair is kept by the app, not by the process: a restarted app (a
    test's fresh database) reads it again."""
    async with make_chat_app().test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        dm = await bob.open_dm(ada)
        ada_colour = avatar_colour(author_tag(ada.user_id))
        assert f"avatar-{ada_colour} " in _sidebar_entry((await bob.get("/rooms"))[1], dm)
        # The same room now holds Bob and someone of another colour than Ada's.
        other = next(
            candidate
            for candidate in (f"user-other{n}" for n in range(64))
            if avatar_colour(author_tag(candidate)) != ada_colour
        )
        await Membership.get_pymongo_collection().update_one(
            {"room": dm, "user_id": ada.user_id}, {"$set": {"user_id": other}}
        )
    async with make_chat_app().test_app() as restarted:
        client = restarted.test_client()
        client.set_cookie("localhost", "chat_session", bob.session.token)
        entry = _sidebar_entry((await Person(bob.session, client).get("/rooms"))[1], dm)
        assert f"avatar-{avatar_colour(author_tag(other))} " in entry


async def test_a_replica_starts_with_names_and_pictures_from_the_cards(
    make_chat_app: AppFactory, fake_auth: FakeAuth, files_dir: Path
) -> None:
    """Issue 28: a replica's start-up reads everyone's name and picture from the people
    directory's cards (the avatar written through), never every stored user or profile."""
    with database_commands() as counter:
        async with make_chat_app().test_app() as test_app:
            ada = sign_in(test_app, fake_auth, "Ada")
            await ada.say("general", "hello")
            await ada.get("/people")  # the directory is complete
            assert (await _upload(ada, _blue_png()))[0] == 303
            [url] = _picture_urls((await ada.get("/rooms/general"))[1], ada.user_id)
        replace_versions({})  # kept per process: the next replica must load them itself
        counter.armed = True
        app = make_chat_app()
        async with app.test_app() as test_app:
            store = infrastructure_of(app).store
            assert store is not None
            await store.wait_ready(30)  # start-up's reads are done
            counter.armed = False
            _, page = await sign_in(test_app, fake_auth, "Bob").get("/rooms/general")
    assert url in page and "Ada" in page
    assert not {("find", "users"), ("find", "profiles")} & set(counter.sent), counter.sent

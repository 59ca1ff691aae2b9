"""``GET /search?q=…``: the results page (a plain form; search-as-you-type.js adds live
results). Only rooms the viewer is a member of now are searched, read from their rooms
(reads/person_rooms.py) at every request. Answers 200 with a note for any input, however
odd: nothing typed reaches an engine parser (query_syntax.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup
from quart import Blueprint, request
from quart.typing import ResponseReturnValue
from quart_rate_limiter import rate_limit

from chat_svc.auth.viewers import signed_in, signed_in_viewer
from chat_svc.reads.sidebar import RoomPlace
from chat_svc.search.query_syntax import SearchQuery, parse_query
from chat_svc.search.running_search import search_of
from chat_svc.search.search_index import Criteria, Found, has_terms
from chat_svc.search.snippets import highlighted
from chat_svc.services import services_of
from chat_svc.settings import ChatSettings
from chat_svc.web.forms import SignOutForm
from chat_svc.web.rate_limits import viewer_key
from service_kit.serving.web import render_page

PAGE = "search/search.html"
PER_PAGE = 20
LAST_PAGE = 50  # past 1,000 results, narrow the search instead


@dataclass(frozen=True)
class ResultView:
    room_slug: str
    room_title: str
    message_id: int
    author_name: str
    posted_at: datetime
    snippet: Markup

    @property
    def href(self) -> str:
        return f"/rooms/{self.room_slug}?around={self.message_id}"


def search_blueprint(settings: ChatSettings) -> Blueprint:
    pages = Blueprint("search", __name__)

    @pages.get("/search")
    @rate_limit(
        settings.search_rate_count,
        timedelta(seconds=settings.search_rate_period_seconds),
        key_function=viewer_key,
    )
    @signed_in
    async def search() -> ResponseReturnValue:
        typed = request.args.get("q", "")
        best_match = request.args.get("sort") == "best"
        page = _page_number(request.args.get("page"))
        query = parse_query(typed)
        viewer = signed_in_viewer()
        places = (await services_of().reads.people.copy_of(viewer.user_id)).places
        rooms, notes = _rooms_to_search(query, places)
        results: list[ResultView] = []
        total = 0
        if query.is_empty:
            notes.append("Type a word to search the messages of your rooms.")
        elif query.has_file:
            notes.append("No files yet: messages cannot carry files, so none can be found.")
        elif query.has_text and not has_terms(query):
            notes.append("Nothing to search for: emoji and punctuation alone are not indexed.")
        else:
            found = await search_of().index.search(
                Criteria(
                    query,
                    rooms,
                    viewer.user_id,
                    best_match=best_match,
                    offset=(page - 1) * PER_PAGE,
                    limit=PER_PAGE,
                )
            )
            total = found.total
            results = [_view(item, places, query) for item in found.results]
        more = page < LAST_PAGE and page * PER_PAGE < total
        return await render_page(
            PAGE,
            # HTMX: the results region, or only the next page's items ("More results").
            block="items" if request.args.get("fragment") == "items" else "results",
            q=typed,
            sort="best" if best_match else "newest",
            page=page,
            results=results,
            total=total,
            more=more,
            notes=notes + query.problems,
            viewer=viewer,
            sign_out_form=SignOutForm(None),
        )

    return pages


def _page_number(raw: str | None) -> int:
    try:
        return min(max(int(raw or "1"), 1), LAST_PAGE)
    except ValueError:
        return 1


def _rooms_to_search(
    query: SearchQuery, places: dict[str, RoomPlace]
) -> tuple[list[str], list[str]]:
    """The viewer's rooms, narrowed to those named by ``in:`` (slug or title, any case)."""
    if not query.rooms:
        return sorted(places), []
    wanted = {name.casefold() for name in query.rooms}
    rooms = sorted(
        slug
        for slug, place in places.items()
        if slug.casefold() in wanted or place.title.casefold() in wanted
    )
    notes = [] if rooms else [f"You are in no room called “{', '.join(query.rooms)}”."]
    return rooms, notes


def _view(found: Found, places: dict[str, RoomPlace], query: SearchQuery) -> ResultView:
    place = places.get(found.room)
    return ResultView(
        room_slug=found.room,
        room_title=place.title if place else found.room,
        message_id=found.message_id,
        author_name=found.author_name,
        posted_at=found.posted_at,
        snippet=highlighted(found.body, query),
    )

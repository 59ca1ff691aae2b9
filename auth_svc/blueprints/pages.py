from quart import Blueprint
from quart.typing import ResponseReturnValue

from service_kit.web import render_page

pages = Blueprint("pages", __name__)


@pages.get("/")
async def home() -> ResponseReturnValue:
    return await render_page("home.html")

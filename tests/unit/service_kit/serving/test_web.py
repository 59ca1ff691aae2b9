"""The shared web layer: base layout, HTMX fragments, security headers, error pages."""

from pathlib import Path

import pytest
from quart import Quart
from quart.typing import ResponseReturnValue

from service_kit.serving.error_pages import install_error_pages
from service_kit.serving.request_safety import install_security_headers, safe_next_path
from service_kit.serving.web import create_base_app, render_page


@pytest.fixture
def app() -> Quart:
    app = create_base_app("sample_svc.app", Path(__file__).parent / "templates")
    install_security_headers(app, form_action_origins=["http://chat.example"])
    install_error_pages(app)

    @app.get("/")
    async def page() -> ResponseReturnValue:
        return await render_page("sample_page.html", block="greeting")

    @app.get("/product")
    async def product_page() -> ResponseReturnValue:
        return await render_page("sample_product_page.html")

    @app.get("/boom")
    async def boom() -> ResponseReturnValue:
        raise RuntimeError("internal detail 4711")

    return app


async def test_the_base_layout_renders_with_pinned_local_assets(app: Quart) -> None:
    response = await app.test_client().get("/")
    assert response.status_code == 200
    html = await response.get_data(as_text=True)
    assert "<title>Sample · Chat</title>" in html
    assert "Hello from the sample page" in html
    assert 'src="/static/vendor/htmx.min.js"' in html
    assert "//" not in html.split('src="')[1].split('"')[0]  # never a CDN


async def test_titles_name_the_page_once_and_the_product_once(app: Quart) -> None:
    product = await (await app.test_client().get("/product")).get_data(as_text=True)
    assert "<title>Chat</title>" in product  # not "Chat · Chat"
    error = await (await app.test_client().get("/nope")).get_data(as_text=True)
    assert "<title>Page not found · Chat</title>" in error


async def test_a_navigation_landmark_only_when_it_has_links(app: Quart) -> None:
    plain = await (await app.test_client().get("/")).get_data(as_text=True)
    assert "<nav" not in plain
    product = await (await app.test_client().get("/product")).get_data(as_text=True)
    assert '<nav aria-label="Main"><a href="/">Start</a></nav>' in product


async def test_every_page_links_a_favicon_from_our_static_files(app: Quart) -> None:
    client = app.test_client()
    html = await (await client.get("/")).get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    icon = await client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert b"<svg" in await icon.get_data()
    legacy = await client.get("/favicon.ico")  # asked for by tools that ignore <link>
    assert legacy.status_code == 301
    assert legacy.headers["Location"] == "/static/favicon.svg"


async def test_an_htmx_request_gets_only_the_named_block(app: Quart) -> None:
    response = await app.test_client().get("/", headers={"HX-Request": "true"})
    html = await response.get_data(as_text=True)
    assert html.strip() == "Hello from the sample page"
    assert "HX-Request" in response.headers["Vary"]


async def test_security_headers_forbid_inline_scripts_and_framing(app: Quart) -> None:
    response = await app.test_client().get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "form-action 'self' http://chat.example" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("path", "status", "title"),
    [("/nope", 404, "Page not found"), ("/boom", 500, "Something went wrong")],
)
async def test_http_errors_are_html_pages(app: Quart, path: str, status: int, title: str) -> None:
    response = await app.test_client().get(path)
    assert response.status_code == status
    assert response.content_type.startswith("text/html")
    html = await response.get_data(as_text=True)
    # One heading that says what happened, no status jargon ("Error 404", "Forbidden").
    assert html.count(title) == 2  # <title> and <h1>
    assert f"<h1>{title}</h1>" in html
    assert "<h2" not in html
    assert f"Error {status}" not in html


async def test_a_crash_is_a_500_page_without_a_traceback(app: Quart) -> None:
    response = await app.test_client().get("/boom")
    assert response.status_code == 500
    html = await response.get_data(as_text=True)
    assert "Something went wrong" in html
    assert "Traceback" not in html
    assert "4711" not in html


async def test_a_wrong_method_is_a_405_page_with_allow(app: Quart) -> None:
    response = await app.test_client().post("/")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


async def test_pinned_htmx_is_served_from_our_static_files(app: Quart) -> None:
    response = await app.test_client().get("/static/vendor/htmx.min.js")
    assert response.status_code == 200
    assert b"htmx" in await response.get_data()


async def test_form_fields_carry_only_meaningful_attributes(app: Quart) -> None:
    from quart import render_template
    from wtforms import Form, StringField
    from wtforms.validators import DataRequired

    class SampleForm(Form):
        name = StringField("Name", validators=[DataRequired(message="Say who you are.")])
        email = StringField("E-mail")

    form = SampleForm(data={"name": "", "email": "a@example.com"})
    form.validate()
    async with app.app_context():
        html = await render_template("sample_form.html", form=form)
    assert "None" not in html  # wtforms prints a None attribute value as text
    assert 'aria-invalid="true"' in html  # only the field in error
    assert html.count("aria-invalid") == 1
    assert 'aria-describedby="name-hint name-error"' in html
    assert 'autocomplete="nickname"' in html
    assert "Say who you are." in html


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("/messages?before=3", "/messages?before=3"),
        (None, "/"),
        ("/" + "x" * 600, "/"),
        ("//evil.test", "/"),
        ("/\\evil.test", "/"),
        ("https://evil.test", "/"),
        ("/ok\r\nSet-Cookie: x", "/"),
    ],
)
def test_only_paths_on_this_site_are_returned_to(candidate: str | None, expected: str) -> None:
    assert safe_next_path(candidate) == expected


ASCII_CONTROLS = [chr(code) for code in (*range(0x20), 0x7F)]


@pytest.mark.parametrize("control", ASCII_CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_no_ascii_control_character_gets_through(control: str) -> None:
    # Browsers strip TAB/CR/LF from URLs: "/\t/evil.example/" would become "//evil.example/".
    assert safe_next_path(f"/{control}/evil.example/") == "/"
    assert safe_next_path(f"/messages{control}") == "/"


@pytest.mark.parametrize(
    "candidate",
    [
        "\\evil.example",
        "/\\evil.example",
        "/\\/evil.example",
        "\\/evil.example",
        "%2F%2Fevil.example",
        "/%2F%2Fevil.example",
        "/%2f/evil.example",
        "/%5Cevil.example",
        "/%09/evil.example",
        "/\uff0f/evil.example",  # fullwidth solidus
        "/\u2215/evil.example",  # division slash
        "/\u2044/evil.example",  # fraction slash
        "/\uff3cevil.example",  # fullwidth reverse solidus
        "\uff0f\uff0fevil.example",
        "/\u0085/evil.example",  # a C1 control
        "javascript:alert(1)",
        "/ /evil.example",
    ],
)
def test_only_one_leading_slash_and_no_host_survive(candidate: str) -> None:
    assert safe_next_path(candidate) == "/"


async def test_rendering_needs_no_worker_thread_once_serving(app: Quart) -> None:
    from flask.templating import _default_template_ctx_processor as flask_sync_processor
    from quart import Blueprint

    pages = Blueprint("pages", __name__)  # blueprints bring Flask's sync processor along

    @pages.get("/from-a-blueprint")
    async def from_a_blueprint() -> ResponseReturnValue:
        return await render_page("sample_page.html")

    app.register_blueprint(pages)
    before = [p for ps in app.template_context_processors.values() for p in ps]
    assert flask_sync_processor in before
    async with app.test_app() as test_app:
        processors = [p for ps in app.template_context_processors.values() for p in ps]
        assert flask_sync_processor not in processors
        response = await test_app.test_client().get("/from-a-blueprint")
        assert "Hello from the sample page" in await response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "focused"),
    [
        ({"name": "Ada", "email": ""}, "email"),  # only the second field is in error
        ({"name": "", "email": ""}, "name"),  # the first of several in error
        ({"name": "Ada", "email": "a@example.com"}, "name"),  # no error: the page's choice
    ],
)
async def test_the_first_field_in_error_takes_the_focus(
    app: Quart, data: dict[str, str], focused: str
) -> None:
    import re

    from quart import render_template
    from wtforms import Form, StringField
    from wtforms.validators import DataRequired

    class SampleForm(Form):
        name = StringField("Name", validators=[DataRequired()])
        email = StringField("E-mail", validators=[DataRequired()])

    form = SampleForm(data=data)
    form.validate()
    async with app.app_context():
        html = await render_template("sample_focus_form.html", form=form)
    inputs = re.findall(r"<input[^>]*>", html)
    autofocused = [
        match.group(1)
        for tag in inputs
        if " autofocus" in tag and (match := re.search(r'\bid="(\w+)"', tag))
    ]
    assert autofocused == [focused]

from auth_svc.app import create_app
from auth_svc.settings import AuthSettings


async def test_the_base_layout_renders_with_pinned_local_assets() -> None:
    app = create_app(AuthSettings())
    response = await app.test_client().get("/")
    assert response.status_code == 200
    html = await response.get_data(as_text=True)
    assert "<title>Welcome · Chat</title>" in html
    assert 'src="/static/vendor/htmx.min.js"' in html
    assert "//" not in html.split('src="')[1].split('"')[0]  # never a CDN


async def test_security_headers_forbid_inline_scripts_and_framing() -> None:
    app = create_app(AuthSettings())
    response = await app.test_client().get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_unknown_pages_get_an_html_error_page() -> None:
    app = create_app(AuthSettings())
    response = await app.test_client().get("/no-such-page")
    assert response.status_code == 404
    assert response.content_type.startswith("text/html")
    assert "Page not found" in await response.get_data(as_text=True)


async def test_pinned_htmx_is_served_from_our_static_files() -> None:
    app = create_app(AuthSettings())
    response = await app.test_client().get("/static/vendor/htmx.min.js")
    assert response.status_code == 200
    assert b"htmx" in await response.get_data()

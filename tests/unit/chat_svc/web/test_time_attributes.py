"""Every <time datetime> a template writes is a valid HTML date: Python's isoformat() gives
microseconds when a timestamp has them, and HTML allows at most three fraction digits (the Nu
checker refused the tokens page for it)."""

import re
from pathlib import Path

TEMPLATE_FOLDERS = [Path(name) for name in ("chat_svc", "auth_svc", "mail_svc", "web_templates")]
BARE_ISOFORMAT_IN_DATETIME = re.compile(r'datetime="\{\{[^}]*\.isoformat\(\)')


def test_no_template_writes_a_timestamp_with_microseconds() -> None:
    root = Path(__file__).resolve().parents[4]
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for folder in TEMPLATE_FOLDERS
        for path in sorted((root / folder).rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if BARE_ISOFORMAT_IN_DATETIME.search(line)
    ]
    assert offenders == []

"""The Open in email link: subject and body percent-encoded for any mail client."""

from urllib.parse import parse_qs, urlsplit

from partners.views import mailto_link


def test_it_encodes_japanese_ampersands_hashes_and_new_lines():
    body = "こんにちは & ようこそ\n#1 https://portal.example/invite/abc/?x=1&y=2\n"
    link = mailto_link(to="a.b@example.test", subject="提携 #1 & 2", body=body)
    assert link.startswith("mailto:a.b@example.test?subject=")
    parts = urlsplit(link)
    assert parts.fragment == ""  # no raw '#'
    query = parse_qs(parts.query)
    assert query == {"subject": ["提携 #1 & 2"], "body": [body.replace("\n", "\r\n")]}
    assert "%0D%0A" in link and "%E3%81%93" in link


def test_it_keeps_windows_line_breaks_single():
    assert "%0D%0D" not in mailto_link(to="x@example.test", subject="s", body="a\r\nb")

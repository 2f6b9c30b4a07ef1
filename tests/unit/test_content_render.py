"""Markdown rendering and sanitising (cyberaware.content.render_markdown)."""

from __future__ import annotations

import pytest

from cyberaware.content import blank_placeholder, render_inline, render_markdown

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    '<img src="x" onerror="alert(1)">',
    "<img src=x onerror=alert(1)//>",
    "<svg onload=alert(1)><circle r=1 /></svg>",
    "<svg><script>alert(1)</script></svg>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "[x](vbscript:msgbox(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[x](data:text/html,<script>alert(1)</script>)",
    "<style>body{display:none}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="evil.swf"></object>',
    '<embed src="evil.swf">',
    '<form action="https://evil.example"><input name="password"></form>',
    '<div onclick="alert(1)" onmouseover="alert(1)">x</div>',
    '<body onload="alert(1)">',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    '<details open ontoggle="alert(1)">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "```\n</code></pre><script>alert(1)</script>\n```",
    "<!--><script>alert(1)</script>-->",
    '<a href="https://ok.example" target="_blank" onclick="x()">ok</a>',
]
FORBIDDEN = ["<script", "onerror", "onload", "onclick", "onmouseover", "ontoggle", "javascript:",
             "vbscript:", "data:", "<style", "style=", "<iframe", "<object", "<embed", "<form",
             "<input", "<svg", "<meta", "<base", "<link", "<body", "<math"]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_are_neutralised(payload):
    html = render_markdown(payload).lower()
    for needle in FORBIDDEN:
        assert needle not in html, (needle, html)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_are_neutralised_inline(payload):
    html = render_inline(payload).lower()
    for needle in FORBIDDEN:
        assert needle not in html, (needle, html)


def test_basic_markdown_renders():
    html = render_markdown("Du **gras**, de l'*italique* et du `code`.")
    assert html == "<p>Du <strong>gras</strong>, de l'<em>italique</em> et du <code>code</code>.</p>"


def test_external_links_get_rel_noopener():
    html = render_markdown("[ANSSI](https://cyber.gouv.fr)")
    assert 'href="https://cyber.gouv.fr"' in html
    assert 'rel="noopener noreferrer"' in html


def test_mailto_and_relative_links_survive():
    html = render_markdown("[mail](mailto:rssi@example.org) [page](../autre.html) [ancre](#intro)")
    assert 'href="mailto:rssi@example.org"' in html
    assert 'href="../autre.html"' in html
    assert 'href="#intro"' in html


def test_asset_images_are_rewritten():
    html = render_markdown("![Un faux courriel](assets/phishing.png)")
    assert '<img alt="Un faux courriel" src="/content/assets/phishing.png">' in html


def test_dot_slash_asset_images_are_rewritten():
    assert 'src="/content/assets/a.png"' in render_markdown("![a](./assets/a.png)")


def test_external_images_keep_their_url():
    assert 'src="https://example.org/a.png"' in render_markdown("![a](https://example.org/a.png)")


def test_tables_render_with_alignment_but_no_style():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |")
    assert "<table>" in html and '<td align="left">1</td>' in html and "style" not in html


def test_fenced_code_keeps_language_class():
    html = render_markdown("```python\nprint('<b>')\n```")
    assert '<code class="language-python">' in html
    assert "&lt;b&gt;" in html


def test_admonition_renders_with_its_classes():
    html = render_markdown('!!! warning "Attention"\n    Ne cliquez pas.')
    assert '<div class="admonition warning">' in html
    assert '<p class="admonition-title">Attention</p>' in html


def test_admonition_class_cannot_be_forged():
    html = render_markdown('<div class="admonition evil-overlay">x</div>')
    assert "evil-overlay" not in html


def test_headings_get_ids():
    assert render_markdown("## Les bons réflexes") == '<h2 id="les-bons-reflexes">Les bons réflexes</h2>'


def test_sane_lists():
    html = render_markdown("1. un\n2. deux\n\n* a\n* b")
    assert "<ol>" in html and "<ul>" in html


def test_blank_placeholder_survives_rendering():
    text = f"Le port est {blank_placeholder(0)} et {blank_placeholder(1)}, **vraiment**."
    html = render_markdown(text)
    assert blank_placeholder(0) in html and blank_placeholder(1) in html


def test_inline_strips_the_paragraph():
    assert render_inline("un **mot**") == "un <strong>mot</strong>"
    assert render_inline("plain text") == "plain text"


def test_plain_text_is_escaped():
    assert render_markdown("a < b > c") == "<p>a &lt; b &gt; c</p>"
    assert render_inline("R&D") == "R&amp;D"


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
    assert render_markdown("  \n\n ") == ""
    assert render_inline("") == ""


def test_raw_html_is_stripped_but_text_kept():
    assert render_markdown("<div>bonjour</div>") == "<div>bonjour</div>"
    assert render_markdown("<marquee>bonjour</marquee>") == "<p>bonjour</p>"

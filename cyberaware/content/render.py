"""Markdown to sanitised HTML.

Instructors are trusted to write course text, not HTML: whatever the
source holds, the output never contains scripts, event handlers,
``javascript:``/``data:`` URLs, ``style``, ``iframe``, ``object`` or
``form`` elements. Rendering uses python-markdown, sanitising uses nh3.
"""

from __future__ import annotations

import html
import re
import threading

import markdown
import nh3

EXTENSIONS = ("tables", "fenced_code", "admonition", "sane_lists")
EXTENSION_CONFIGS = {"tables": {"use_align_attribute": True}}
ASSETS_PREFIX = "assets/"
ASSETS_URL = "/content/assets/"
ADMONITION_CLASSES = frozenset(
    {"admonition", "admonition-title", "note", "tip", "warning", "danger", "example",
     "info", "important", "caution", "hint", "attention", "error"}
)

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
        "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
        "tr", "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
    "code": {"class"},
    "div": {"class"},
    "p": {"class"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
#: Elements removed together with their content (the rest keep their text).
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "form", "template", "noscript",
     "textarea", "select", "button", "svg", "math", "frame", "frameset", "applet"}
)
URL_SCHEMES = frozenset({"http", "https", "mailto"})

_CODE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")
_ALIGN_VALUES = frozenset({"left", "right", "center"})
_PLAIN_INLINE = re.compile(r"[^`*_\[\]<>&\\!|~\n\r\t]*")
_BLOCK_START = re.compile(r"[#>\-+=*0-9 ]|.*  $")
_SINGLE_PARAGRAPH = re.compile(r"<p>((?:(?!<p[ >]|</p>).)*)</p>", re.DOTALL)


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    """Keep only harmless values of the ``class`` and ``align`` attributes."""
    if attribute == "class":
        if element == "code":
            return value if _CODE_CLASS.fullmatch(value) else None
        kept = [name for name in value.split() if name in ADMONITION_CLASSES]
        return " ".join(kept) or None
    if attribute == "align":
        return value if value in _ALIGN_VALUES else None
    return value


def _rewrite_relative_url(url: str) -> str | None:
    """Point ``assets/x.png`` at the URL the app serves ``modules/assets/`` from."""
    if url.startswith("./"):
        url = url[2:]
    if url.startswith(ASSETS_PREFIX):
        return ASSETS_URL + url[len(ASSETS_PREFIX):]
    return url


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_filter_attribute,
    strip_comments=True,
    link_rel="noopener noreferrer",
    url_schemes=set(URL_SCHEMES),
    url_relative=_rewrite_relative_url,
)

_local = threading.local()


def _converter(heading_ids: bool) -> markdown.Markdown:
    """Return this thread's reusable Markdown converter (they are not thread-safe)."""
    name = "with_ids" if heading_ids else "plain"
    converter = getattr(_local, name, None)
    if converter is None:
        extensions = list(EXTENSIONS) + (["toc"] if heading_ids else [])
        converter = markdown.Markdown(extensions=extensions, extension_configs=EXTENSION_CONFIGS)
        setattr(_local, name, converter)
    return converter


def sanitize_html(fragment: str) -> str:
    """Sanitise an HTML fragment with the content allow-list."""
    return _CLEANER.clean(fragment)


def _is_plain(text: str) -> bool:
    """True when ``text`` is one line that Markdown would output escaped, untouched."""
    return bool(_PLAIN_INLINE.fullmatch(text)) and not _BLOCK_START.match(text)


def render_markdown(text: str, heading_ids: bool = True) -> str:
    """Render Markdown ``text`` to sanitised HTML.

    Raw HTML in the source is sanitised away, relative ``assets/`` image
    paths are rewritten to ``/content/assets/``, links get
    ``rel="noopener noreferrer"``, and only http, https, mailto and
    relative URLs survive. Headings get ``id`` attributes unless
    ``heading_ids`` is false. Never raises on ``str`` input.
    """
    text = text.strip("\n")
    if not text.strip():
        return ""
    if _is_plain(text):
        return f"<p>{html.escape(text, quote=False)}</p>"
    converter = _converter(heading_ids)
    try:
        converter.reset()
        rendered = converter.convert(text)
    except Exception:  # noqa: BLE001 - a content error must never crash a page
        converter.reset()
        rendered = f"<pre>{html.escape(text)}</pre>"
    return sanitize_html(rendered)


def render_inline(text: str) -> str:
    """Render one short piece of Markdown (an option, a prompt) without the wrapping ``<p>``."""
    text = text.strip()
    if not text:
        return ""
    if _is_plain(text):
        return html.escape(text, quote=False)
    rendered = render_markdown(text, heading_ids=False)
    match = _SINGLE_PARAGRAPH.fullmatch(rendered.strip())
    return match.group(1) if match else rendered

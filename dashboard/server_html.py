"""A Dash layout as plain HTML, for pages that must work without JavaScript.

Dash draws a page in the browser: the HTML the server sends holds only an empty entry point that
Dash's JavaScript fills. A page registered with ``server_rendered=True`` (``/services``: a member of
the public's search) also has its layout written into that entry point by
``ServiceStatDash.interpolate_index``, so a browser without JavaScript shows the same content;
with JavaScript, React replaces it when Dash starts (``createRoot`` clears its container).

Only the components such a page may use are rendered: Dash's ``html`` elements and the
``dash_bootstrap_components`` ``Input`` (a native ``<input>``). Anything else raises
``NotRenderable``, so a page cannot silently lose a part of itself.
"""

from __future__ import annotations

import html as html_lib
from typing import Any

from dash.development.base_component import Component

#: Elements with no closing tag.
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                  "track", "wbr"})
#: React property name -> HTML attribute, where lower-casing alone is not enough.
RENAMED = {"className": "class", "htmlFor": "for"}
#: Component properties that are Dash's bookkeeping, not attributes.
DASH_ONLY = frozenset({"children", "n_clicks", "n_clicks_timestamp", "disable_n_clicks", "loading_state",
                       "setProps", "key", "style", "debounce", "n_submit", "n_submit_timestamp", "n_blur",
                       "n_blur_timestamp", "persistence", "persisted_props", "persistence_type", "valid",
                       "invalid", "plaintext", "html_size", "size", "componentPath"})
#: Components from other libraries that are one native element: (namespace, type) -> tag.
NATIVE = {("dash_bootstrap_components", "Input"): "input"}


class NotRenderable(ValueError):
    """A component that has no plain-HTML rendering here."""


def _attributes(props: dict[str, Any]) -> str:
    """The attributes in name order (Dash keeps aria-* and data-* in no fixed order)."""
    out = []
    for name, value in sorted(props.items()):
        if name in DASH_ONLY or value is None or value is False:
            continue
        attr = RENAMED.get(name, name if name.startswith(("aria-", "data-")) else name.lower())
        if value is True:
            out.append(f" {attr}")
        else:
            out.append(f' {attr}="{html_lib.escape(str(value), quote=True)}"')
    return "".join(out)


def to_html(node: Any) -> str:
    """`node` (a component, a list of them, text or a number, or None) as escaped HTML."""
    if node is None:
        return ""
    if isinstance(node, (list, tuple)):
        return "".join(to_html(child) for child in node)
    if isinstance(node, (str, int, float)):
        return html_lib.escape(str(node), quote=False)
    if not isinstance(node, Component):
        raise NotRenderable(f"cannot write {type(node).__name__} as HTML")
    plotly = node.to_plotly_json()
    namespace, kind = plotly["namespace"], plotly["type"]
    if namespace == "dash_html_components":
        tag = "object" if kind == "ObjectEl" else "map" if kind == "MapEl" else kind.lower()
    elif (namespace, kind) in NATIVE:
        tag = NATIVE[(namespace, kind)]
    else:
        raise NotRenderable(f"{namespace}.{kind} has no plain-HTML rendering")
    props = plotly["props"]  # the properties set, aria-* and data-* included
    attrs = _attributes(props)
    if tag in VOID:
        return f"<{tag}{attrs}>"
    return f"<{tag}{attrs}>{to_html(props.get('children'))}</{tag}>"

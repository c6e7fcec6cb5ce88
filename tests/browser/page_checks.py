"""Checks the /benchmarks, /data and /methodology browser tests share: keyboard reach with visible
focus, opening every details toggle by keyboard, reading a usa-table, and the page-shell basics."""

from __future__ import annotations

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
#: The desktop window at 200 % zoom: half the CSS pixels each way.
ZOOM_200 = {"width": 640, "height": 450}

#: Everything in <main> a keyboard user must be able to reach.
CONTROLS = ("main a[href], main select, main button, main summary, main input, main textarea, "
            "main [tabindex]:not([tabindex='-1'])")

_MARK_CONTROLS = """(selector) => {
  // Rendered and not inside a closed <details> (checkVisibility sees content-visibility too).
  const els = [...document.querySelectorAll(selector)].filter(
    el => el.checkVisibility({checkVisibilityCSS: true, contentVisibilityAuto: true}));
  els.forEach((el, i) => el.setAttribute('data-kb-id', String(i)));
  return els.length;
}"""

_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  const text = (el.textContent || '').trim().slice(0, 60);
  return {id: el.getAttribute('data-kb-id'), tag: el.tagName, text,
          visible: Boolean(outline || shadow), inMain: Boolean(el.closest('main'))};
}"""


def check_shell(page, response, *, title: str, h1: str) -> None:
    """Status 200, the server-sent title, one h1 in <main>."""
    assert response is not None and response.status == 200
    assert f"<title>{title}</title>" in response.text()
    assert page.title() == title
    headings = page.locator("h1")
    assert headings.count() == 1, "exactly one h1 per page"
    assert headings.first.inner_text().strip() == h1
    assert page.locator("main#main-content h1").count() == 1


def tab_through_main(page, max_presses: int = 400) -> None:
    """Tab from the top of the page until focus leaves <main>: every control in <main> must have
    been focused, each with a visible focus indicator (outline or box-shadow)."""
    total = page.evaluate(_MARK_CONTROLS, CONTROLS)
    assert total > 0
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    seen: set[str] = set()
    invisible: list[str] = []
    entered = False
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        info = page.evaluate(_FOCUSED)
        if info is None:
            continue
        if info["inMain"]:
            entered = True
            if info["id"] is not None:
                seen.add(info["id"])
            if not info["visible"]:
                invisible.append(f"{info['tag']} {info['text']!r}")
        elif entered:
            break
    missing = page.evaluate(
        "(seen) => [...document.querySelectorAll('[data-kb-id]')]"
        ".filter(el => !seen.includes(el.getAttribute('data-kb-id')))"
        ".map(el => el.tagName + ' ' + (el.textContent || '').trim().slice(0, 60))",
        sorted(seen),
    )
    assert missing == [], f"controls Tab never reached: {missing}"
    assert invisible == [], f"focused without a visible focus indicator: {invisible}"


def open_details_with_keyboard(page, selector: str = "main details") -> int:
    """Focus each closed details toggle's summary and press Enter; assert it opened."""
    details = page.locator(selector)
    count = details.count()
    for i in range(count):
        item = details.nth(i)
        if item.evaluate("el => el.open"):
            continue
        item.locator("summary").first.focus()
        page.keyboard.press("Enter")
        assert item.evaluate("el => el.open"), f"details #{i} did not open with Enter"
    return count


def table_cells(page, table_selector: str) -> list[list[str]]:
    """The body rows of a table as lists of cell texts (row header included)."""
    return page.evaluate(
        "(sel) => [...document.querySelectorAll(sel + ' tbody tr')]"
        ".map(tr => [...tr.children].map(td => td.textContent.trim()))",
        table_selector,
    )


def table_headers(page, table_selector: str) -> list[str]:
    return page.evaluate(
        "(sel) => [...document.querySelectorAll(sel + ' thead th')].map(th => th.textContent.trim())",
        table_selector,
    )


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth + 1")

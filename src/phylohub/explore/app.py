"""The ``phylohub explore`` web app: Dash pages over :class:`~.data.Explorer`.

Routes (a model id always travels URL-encoded in the query string, so ``/``, ``%``,
``#``, ``?`` and unicode survive): ``/`` search, ``/model?id=ID[&offset=N]`` a model's
page, ``/family?id=ID`` its family drawn with dash-cytoscape, ``/ecosystem`` the
findings and the report's figures of the snapshot (served from ``/files/``).

Every text a page shows is a React text node (Dash never renders strings as HTML), so a
hostile id is shown, not run; cytoscape's node ids are ``n0``, ``n1``, ... and the model
id is only data, so no id reaches a cytoscape selector. Every script and style sheet is
served by this process from the installed packages (``serve_locally``): nothing is
fetched from outside.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from phylohub.explore.data import (
    CHILDREN_PAGE,
    COLOUR_TRAITS,
    MAX_DRAWN,
    TRAITS,
    Edge,
    Explorer,
    FamilyView,
    ModelPage,
    NotFoundError,
)
from phylohub.figures.style import RELATION_COLOURS

#: Node colours of a trait's most common values (Okabe-Ito, then Tol's muted).
PALETTE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
    "#332288", "#88CCEE", "#44AA99", "#117733", "#AA4499",
)  # fmt: skip
OTHER, NONE = "#BBBBBB", "#EEEEEE"
#: Pixels between two leaves of the drawn tree and between two generations.
SLOT_X, ROW_Y = 28, 90


#: Files of the snapshot the ecosystem view links (and ``/files/`` serves).
LINKED = ("findings.html", "report.html")


def model_href(model_id: str, offset: int = 0) -> str:
    """The page of a model (its id URL-encoded)."""
    tail = f"&offset={offset}" if offset else ""
    return f"/model?id={quote(model_id, safe='')}{tail}"


def url_offset(args: dict[str, list[str]]) -> int:
    """The children's offset a page's query asks for: ASCII digits, else 0.

    >>> [url_offset({"offset": [t]}) for t in ("50", "²", "-5", " 7", "")], url_offset({})
    ([50, 0, 0, 0, 0], 0)
    """
    text = args.get("offset", ["0"])[0]
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text) else 0


def family_href(model_id: str) -> str:
    """The family view of a model."""
    return f"/family?id={quote(model_id, safe='')}"


def create_app(explorer: Explorer) -> Any:
    """The Dash app over ``explorer`` (its Flask server is ``app.server``)."""
    import dash_cytoscape  # noqa: F401  (registers the component's scripts)
    from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

    app = Dash(
        __name__,
        title="phylohub explore",
        serve_locally=True,
        suppress_callback_exceptions=True,
        update_title="",
    )
    app.layout = html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            html.Header(
                [
                    dcc.Link("phylohub explore", href="/", className="brand"),
                    dcc.Link("ecosystem", href="/ecosystem"),
                    html.Span(f"snapshot {explorer.folder.name}", className="muted"),
                ],
                style={"display": "flex", "gap": "1.5em", "alignItems": "baseline"},
            ),
            dcc.Input(
                id="search",
                type="search",
                placeholder="search a model id (prefix or any part), Enter to open",
                debounce=False,
                autoComplete="off",
                style={"width": "40em", "fontSize": "1.1em", "margin": "0.5em 0"},
            ),
            html.Ul(
                id="suggestions",
                style={"maxHeight": "14em", "overflowY": "auto", "margin": "0 0 0.5em 0"},
            ),
            html.Div(id="page"),
        ],
        style={"fontFamily": "sans-serif", "margin": "1em 2em"},
    )

    @app.callback(Output("suggestions", "children"), Input("search", "value"), Input("url", "href"))
    def suggest(text: str | None, _: str | None) -> list[Any]:
        if ctx.triggered_id != "search":  # a page opened: the list closes
            return []
        return [html.Li(dcc.Link(i, href=model_href(i))) for i in explorer.search(text or "")]

    @app.callback(
        Output("url", "href", allow_duplicate=True),
        Input("search", "n_submit"),
        State("search", "value"),
        prevent_initial_call=True,
    )
    def submit(_: int | None, text: str | None) -> Any:
        return model_href(text.strip()) if text and text.strip() else no_update

    @app.callback(Output("page", "children"), Input("url", "pathname"), Input("url", "search"))
    def route(path: str | None, query: str | None) -> Any:
        args = parse_qs((query or "").lstrip("?"))
        model_id = args.get("id", [""])[0]
        try:
            if path == "/model" and model_id:
                return model_view(explorer.page(model_id, url_offset(args)))
            if path == "/family" and model_id:
                return family_layout(explorer.family_view(model_id))
        except NotFoundError as err:
            return not_found(err)
        if path == "/ecosystem":
            return ecosystem_view(explorer.folder)
        return home_view(explorer)

    @app.callback(
        Output("family-graph", "stylesheet"),
        Output("legend", "children"),
        Output("hovered", "children"),
        Input("trait", "value"),
        Input("family-graph", "mouseoverNodeData"),
        State("family-graph", "elements"),
    )
    def colour(
        trait: str, hovered: dict[str, Any] | None, elements: list[dict[str, Any]]
    ) -> tuple[Any, Any, Any]:
        node = hovered.get("id") if hovered else None
        text = f"under the pointer: {hovered['model']}" if hovered else ""
        return stylesheet(trait, node), legend(trait, elements), text

    @app.callback(
        Output("url", "href", allow_duplicate=True),
        Input("family-graph", "tapNodeData"),
        prevent_initial_call=True,
    )
    def open_node(data: dict[str, Any] | None) -> Any:
        return model_href(data["model"]) if data else no_update

    _serve_files(app, explorer.folder)
    return app


def _serve_files(app: Any, folder: Path) -> None:
    """``/files/findings.html``, ``/files/report.html`` and ``/files/figures/NAME``."""
    from flask import abort, send_from_directory

    @app.server.route("/files/<path:name>")  # type: ignore[untyped-decorator]
    def files(name: str) -> Any:
        if name not in LINKED and not (
            name.startswith("figures/") and name.count("/") == 1 and name.endswith(".png")
        ):
            abort(404)
        return send_from_directory(folder.resolve(), name)


# --------------------------------------------------------------------------- pages


def home_view(explorer: Explorer) -> Any:
    from dash import html

    return html.Div(
        [
            html.P(
                "Type in the box: ids that start with the text come first, then ids that "
                "contain it. A model's page shows its lineage up to the roots, what mutated "
                "on each edge, its siblings, children and family."
            ),
            html.P(f"genealogy: {explorer.genealogy_source}", className="muted"),
        ]
    )


def not_found(err: NotFoundError) -> Any:
    from dash import dcc, html

    items = [html.Li(dcc.Link(s, href=model_href(s))) for s in err.suggestions]
    return html.Div(
        [
            html.H2("not found", id="not-found"),
            html.P(["No model ", html.Code(err.model_id), " in this snapshot."]),
            html.P("Did you mean:" if items else "No id comes close."),
            html.Ul(items, id="did-you-mean"),
        ]
    )


def _link(model_id: str) -> Any:
    from dash import dcc

    return dcc.Link(model_id, href=model_href(model_id))


def _value(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, list | tuple):
        return ", ".join(str(x) for x in v) or "-"
    return str(v)


def _table(rows: Sequence[Sequence[Any]], header: Sequence[str], id_: str) -> Any:
    from dash import html

    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in header])),
            html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows]),
        ],
        id=id_,
        style={"borderCollapse": "collapse", "margin": "0.3em 0 1em 0"},
    )


def _mutated(edge: Edge) -> str:
    if not edge.parent_listed:
        return "(parent not in the snapshot)"
    text = "; ".join(f"{t} {a} -> {b}" for t, a, b in edge.mutations) or "nothing"
    if edge.unstated:
        one_side = "; ".join(f"{t} {a} -> {b}" for t, a, b in edge.unstated)
        text += f" (stated on one side only, no mutation: {one_side})"
    return text


def model_view(page: ModelPage) -> Any:
    from dash import dcc, html

    fam = page.family or {}
    head: list[Any] = [html.H2(page.id, id="model-id")]
    if not page.listed:
        head.append(html.P("not in the snapshot: named as a base model", className="muted"))
    head.append(dcc.Link("family view", href=family_href(page.id), id="family-link"))
    traits = [(k, _value(page.traits[k])) for k in TRAITS]
    traits += [
        ("card length", _value(page.traits["card_chars"])),
        ("card auto-generated", _value(page.traits["auto_generated"])),
    ]
    vir = fam.get("virality")
    family_rows = [
        ("generation", _value(page.generation)),
        ("family size", _value(fam.get("size"))),
        ("family depth", _value(fam.get("depth"))),
        ("structural virality", f"{vir:.3f}" if isinstance(vir, float) else "-"),
    ]
    root = fam.get("root")
    lineage = [
        (
            _link(e.child),
            _link(e.parent),
            html.Span(e.relation, style={"color": RELATION_COLOURS.get(e.relation, "#000")}),
            _mutated(e),
            f"{e.verdict} ({e.why})" if e.verdict and e.why else (e.verdict or "-"),
        )
        for e in page.ancestors
    ]
    cut = " (cut: too many ancestors)" if page.ancestors_cut else ""
    kids = [(_link(c), r) for c, r in page.children]
    pager = []
    if page.children_offset > 0:
        prev = max(0, page.children_offset - CHILDREN_PAGE)
        pager.append(dcc.Link("previous", href=model_href(page.id, prev), id="children-prev"))
    if page.children_offset + CHILDREN_PAGE < page.n_children:
        nxt = page.children_offset + CHILDREN_PAGE
        pager.append(dcc.Link(" next", href=model_href(page.id, nxt), id="children-next"))
    first = page.children_offset + 1 if page.n_children else 0
    last = page.children_offset + len(page.children)
    return html.Div(
        [
            *head,
            html.H3("traits"),
            _table(traits, ["trait", "value"], "traits"),
            html.H3(["family", *([" of ", _link(root)] if root else [])]),
            _table(family_rows, ["", ""], "family"),
            html.H3("parents"),
            html.Ul(
                [html.Li([_link(e.parent), f" ({e.relation})"]) for e in page.parents]
                or [html.Li("none: a root")],
                id="parents",
            ),
            html.H3(f"lineage up to the roots, every relation{cut}"),
            _table(lineage, ["child", "parent", "relation", "mutated", "license audit"], "lineage"),
            html.H3(f"siblings: {page.n_siblings}"),
            html.Ul([html.Li(_link(s)) for s in page.siblings], id="siblings"),
            html.H3(f"children: {page.n_children}" + (f" ({first}-{last})" if kids else "")),
            _table(kids, ["child", "relation"], "children"),
            html.Div(pager),
        ]
    )


def node_colours(trait: str, nodes: Sequence[dict[str, Any]]) -> dict[str, str]:
    """The colour of each value of ``trait``: the commonest get the palette."""
    counts: dict[str, int] = {}
    for n in nodes:
        value = n.get(trait)
        if value is not None:
            counts[value] = counts.get(value, 0) + 1
    top = sorted(counts, key=lambda v: (-counts[v], v))[: len(PALETTE)]
    colours = {v: PALETTE[i] for i, v in enumerate(top)}
    return {v: colours.get(v, OTHER) for v in counts}


def family_layout(view: FamilyView) -> Any:
    import dash_cytoscape as cyto
    from dash import dcc, html

    index = {n["id"]: f"n{i}" for i, n in enumerate(view.nodes)}
    positions = tree_positions(view.nodes)
    colours = {t: node_colours(t, view.nodes) for t in COLOUR_TRAITS}
    nodes = []
    for n in view.nodes:
        data = {
            "id": index[n["id"]],
            "model": n["id"],
            "label": n["id"].rsplit("/", 1)[-1],
            "generation": n["generation"],
        }
        for t in COLOUR_TRAITS:
            data[f"value_{t}"] = n[t] or "none"
            data[f"colour_{t}"] = colours[t].get(n[t], NONE) if n[t] else NONE
        classes = "me" if n["id"] == view.model else "lineage" if n["id"] in view.lineage else ""
        x, y = positions[n["id"]]
        nodes.append({"data": data, "classes": classes, "position": {"x": x, "y": y}})
    edges = [
        {"data": {"source": index[p], "target": index[c], "relation": r}} for c, p, r in view.edges
    ]
    fam = view.family
    if view.drawn:
        note = (
            f"all {len(view.nodes)} nodes of the family drawn, a row per generation; names "
            "shown for the model and its ancestors, any other under the pointer"
        )
    else:
        note = (
            f"the family has {fam.get('size')} nodes, more than the {MAX_DRAWN:,} that can "
            f"be drawn readably: shown is its summary (above) and only the model's own "
            f"lineage and first children ({len(view.nodes)} nodes)"
        )
    summary = (
        f"family {fam.get('family')} of {fam.get('root')}: {fam.get('size')} nodes, "
        f"depth {fam.get('depth')}, virality "
        + (f"{fam['virality']:.3f}" if isinstance(fam.get("virality"), float) else "-")
    )
    return html.Div(
        [
            html.H2(summary, id="family-summary"),
            html.P(note, id="family-note"),
            html.Div(
                [
                    "colour nodes by ",
                    dcc.RadioItems(
                        id="trait",
                        options=list(COLOUR_TRAITS),
                        value="license",
                        inline=True,
                    ),
                ],
                style={"display": "flex", "gap": "0.5em"},
            ),
            html.Div(id="legend", style={"margin": "0.3em 0"}),
            html.Div(id="hovered", className="muted", style={"minHeight": "1.2em"}),
            html.Div(
                [
                    html.Span("edges: "),
                    *[
                        html.Span(f" {r} ", style={"color": c, "fontWeight": "bold"})
                        for r, c in RELATION_COLOURS.items()
                        if r != "all"
                    ],
                    html.Span(" (click a node to open its page; scroll to zoom, drag to pan)"),
                ]
            ),
            cyto.Cytoscape(
                id="family-graph",
                elements=nodes + edges,
                layout={"name": "preset", "fit": True, "padding": 20},
                stylesheet=stylesheet("license"),
                minZoom=0.05,
                maxZoom=4,
                style={"width": "100%", "height": "640px", "border": "1px solid #ccc"},
            ),
        ]
    )


def tree_positions(nodes: Sequence[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """Where each node is drawn: a row per generation (``generation``), and along the row
    the tree of ``tree_parent`` laid out tidily (leaves side by side in depth-first
    order, a parent centred over its children), so a family of thousands stays a tree
    that reads top-down and a generation never mixes with the next.

    Why not dagre (bundled with dash-cytoscape's extra layouts): it ranks nodes by the
    drawn edges, merges included, not by the genealogy's generations, so one
    generation was spread over several rows; and it costs seconds in the browser at
    3,000 nodes where this costs milliseconds in Python."""
    kids: dict[str | None, list[str]] = {}
    gen = {n["id"]: n.get("generation") for n in nodes}
    for n in sorted(nodes, key=lambda n: n["id"]):
        kids.setdefault(n.get("tree_parent"), []).append(n["id"])
    x: dict[str, float] = {}
    slot = 0
    stack: list[tuple[str, bool]] = [(r, False) for r in reversed(kids.get(None, []))]
    while stack:
        node, done = stack.pop()
        below = kids.get(node, [])
        if done or not below:
            if below:
                x[node] = (x[below[0]] + x[below[-1]]) / 2
            else:
                x[node], slot = float(slot * SLOT_X), slot + 1
            continue
        stack.append((node, True))
        stack.extend((k, False) for k in reversed(below))
    up = {n["id"]: n.get("tree_parent") for n in nodes}
    depth: dict[str, int] = {}
    for node in gen:  # no generation known: one row below the nearest ancestor with one
        hops, at = 0, node
        while gen.get(at) is None and up.get(at) is not None and hops < len(gen):
            at, hops = up[at], hops + 1
        depth[node] = int(gen.get(at) or 0) + hops
    # rows spread so the drawing is about twice as wide as high, as the canvas is
    row_y = max(ROW_Y, slot * SLOT_X / (2 * (max(depth.values(), default=0) + 1)))
    return {i: (x.get(i, 0.0), float(depth[i] * row_y)) for i in gen}


def stylesheet(trait: str, hovered: str | None = None) -> list[dict[str, Any]]:
    """Cytoscape's style: nodes coloured by ``trait``, edges by relation; names only on
    the model (class ``me``), its ancestors (``lineage``) and the node ``hovered`` (a
    cytoscape id ``nK``), since thousands of names drawn at once are unreadable."""
    trait = trait if trait in COLOUR_TRAITS else "license"
    sheet: list[dict[str, Any]] = [
        {
            "selector": "node",
            "style": {
                "background-color": f"data(colour_{trait})",
                "border-width": 1,
                "border-color": "#555",
                "label": "",
                "font-size": 10,
                "width": 14,
                "height": 14,
                "text-background-color": "#fff",
                "text-background-opacity": 0.8,
                "text-valign": "top",
            },
        },
        {"selector": "node.lineage", "style": {"label": "data(label)"}},
        {
            "selector": "node.me",
            "style": {
                "label": "data(label)",
                "width": 24,
                "height": 24,
                "border-width": 3,
                "border-color": "#000",
                "font-weight": "bold",
            },
        },
        {
            "selector": "edge",
            "style": {
                "width": 1.5,
                "curve-style": "bezier",
                "target-arrow-shape": "triangle",
                "arrow-scale": 0.6,
            },
        },
    ]
    if hovered and re.fullmatch(r"n\d+", hovered):  # our own ids only, never a model id
        sheet.append({"selector": f"#{hovered}", "style": {"label": "data(label)", "z-index": 9}})
    for relation, colour in RELATION_COLOURS.items():
        sheet.append(
            {
                "selector": f'edge[relation = "{relation}"]',
                "style": {"line-color": colour, "target-arrow-color": colour},
            }
        )
    return sheet


def legend(trait: str, elements: Sequence[dict[str, Any]] | None) -> Any:
    from dash import html

    seen: dict[str, str] = {}
    for el in elements or []:
        data = el.get("data", {})
        if "model" in data:
            seen.setdefault(data[f"value_{trait}"], data[f"colour_{trait}"])
    items = sorted(seen.items(), key=lambda kv: (kv[1] in (OTHER, NONE), kv[0]))
    return [
        html.Span([html.Span("■ ", style={"color": c}), v, "  "], className="legend-item")
        for v, c in items[: len(PALETTE) + 2]
    ]


def ecosystem_view(folder: Path) -> Any:
    from dash import html

    links = [
        html.Li(html.A(name, href=f"/files/{name}", target="_blank"))
        for name in LINKED
        if (folder / name).is_file()
    ]
    figures = sorted((folder / "figures").glob("*.png"))
    return html.Div(
        [
            html.H2("ecosystem"),
            html.Ul(
                links or [html.Li("no findings or report yet: run the workflow")],
                id="ecosystem-links",
            ),
            html.Div(
                [
                    html.A(
                        html.Img(src=f"/files/figures/{f.name}", title=f.name, height=160),
                        href=f"/files/figures/{f.name}",
                        target="_blank",
                    )
                    for f in figures
                ],
                id="figures",
                style={"display": "flex", "flexWrap": "wrap", "gap": "0.5em"},
            ),
        ]
    )

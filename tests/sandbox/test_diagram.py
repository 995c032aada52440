"""The sequence diagram drawn on each step page, read back as a browser's parser would."""

import pytest
from bs4 import BeautifulSoup, Tag

from sandbox.diagram import LANE_TITLES, LANES, Arrow, render

FLOW = [
    Arrow("browser", "authorization_server", "GET /authorize", "authorization_request", "front",
          href="/runs/1/authorization_request"),
    Arrow("authorization_server", "browser", "302 to /callback", "authorization_response", "front",
          href="/runs/1/authorization_response"),
    Arrow("browser", "client", "GET /callback", "authorization_response", "front"),
    Arrow("client", "authorization_server", "POST /token", "token_request"),
    Arrow("client", "client", "validate ID token", "id_token_validation"),
    Arrow("client", "resource_server", "GET /api/photos", "resource_request"),
]  # fmt: skip


def svg_of(markup: str) -> Tag:
    svg = BeautifulSoup(markup, "html.parser").find("svg")
    assert isinstance(svg, Tag)
    return svg


def arrows_in(svg: Tag) -> list[Tag]:
    return svg.select("g.arrow")


def test_the_four_lanes_have_headings_with_their_titles() -> None:
    svg = svg_of(render(FLOW))
    lanes = svg.select("g.lane")
    assert [lane["data-lane"] for lane in lanes] == list(LANES)
    headings = [" ".join(lane.select_one("text.lane-title").stripped_strings) for lane in lanes]
    assert headings == [LANE_TITLES[lane] for lane in LANES]


def test_an_empty_flow_still_draws_the_lanes() -> None:
    svg = svg_of(render([]))
    assert len(svg.select("g.lane line.lifeline")) == len(LANES)
    assert arrows_in(svg) == []


def test_each_exchange_is_one_arrow_in_order() -> None:
    arrows = arrows_in(svg_of(render(FLOW)))
    assert [a["data-step"] for a in arrows] == [x.step for x in FLOW]
    labels = [a.find("text").get_text() for a in arrows]
    assert labels == [f"{n}. {x.label}" for n, x in enumerate(FLOW, start=1)]


def test_front_channel_arrows_are_dashed_and_back_channel_arrows_are_solid() -> None:
    for arrow, drawn in zip(FLOW, arrows_in(svg_of(render(FLOW))), strict=True):
        stroke = drawn.find(["line", "path"])
        assert stroke.has_attr("stroke-dasharray") == (arrow.channel == "front"), arrow.label


def test_only_the_current_steps_arrows_are_highlighted() -> None:
    svg = svg_of(render(FLOW, current_step="authorization_response"))
    highlighted = svg.select(".current")
    assert [a["data-step"] for a in highlighted] == ["authorization_response"] * 2
    widths = {a["data-step"]: a.find(["line", "path"])["stroke-width"] for a in arrows_in(svg)}
    assert float(widths["authorization_response"]) > float(widths["token_request"])


def test_no_arrow_is_highlighted_without_a_current_step() -> None:
    assert svg_of(render(FLOW)).select(".current") == []


def test_arrows_with_an_href_are_links_with_an_accessible_name() -> None:
    svg = svg_of(render(FLOW))
    links = svg.find_all("a")
    assert [a["href"] for a in links] == [x.href for x in FLOW if x.href]
    for link in links:
        name = link.find("title", recursive=False)
        assert name is not None
        assert name.get_text().strip()
    assert "User's browser to authorization server: GET /authorize" in links[0].title.get_text()


def test_arrows_without_an_href_are_not_links() -> None:
    arrows = arrows_in(svg_of(render(FLOW)))
    assert [a.find("a") is not None for a in arrows] == [x.href is not None for x in FLOW]


@pytest.mark.parametrize(
    "label", ['<script>alert("x")</script>', "a & b", "say \"hi\" or 'bye'", "]]><x/>"]
)
def test_labels_are_escaped(label: str) -> None:
    arrow = Arrow("client", "authorization_server", label, "token_request", href='/x?a=1&b="2"')
    markup = render([arrow], title=label)
    assert "<script" not in markup
    assert "<x/>" not in markup
    svg = svg_of(markup)
    assert svg.select_one("g.arrow text").get_text() == f"1. {label}"
    assert svg.select_one("g.arrow a")["href"] == '/x?a=1&b="2"'
    assert svg.find("title").get_text() == label


def test_an_arrow_from_a_lane_to_itself_is_drawn_as_a_loop() -> None:
    svg = svg_of(render(FLOW))
    loops = svg.select("g.arrow.self")
    assert [loop["data-step"] for loop in loops] == ["id_token_validation"]
    assert loops[0].find("path") is not None
    assert loops[0].find("text").get_text() == "5. validate ID token"


def test_the_svg_is_a_labelled_group_described_step_by_step() -> None:
    svg = svg_of(render(FLOW, title="Authorization code flow"))
    assert svg["role"] == "group"
    title = svg.find(id=svg["aria-labelledby"])
    assert title.name == "title"
    assert title.get_text() == "Authorization code flow"
    desc = svg.find(id=svg["aria-describedby"]).get_text()
    assert "1. User's browser to authorization server: GET /authorize" in desc
    assert "5. Within client app (sandbox): validate ID token" in desc


def test_two_diagrams_on_one_page_do_not_share_ids() -> None:
    first, second = svg_of(render(FLOW)), svg_of(render(FLOW))
    assert first["aria-labelledby"] != second["aria-labelledby"]
    ids = [tag["id"] for svg in (first, second) for tag in svg.find_all(id=True)]
    assert len(ids) == len(set(ids))


def test_markers_are_referenced_from_the_same_diagram() -> None:
    svg = svg_of(render(FLOW, current_step="token_request"))
    marker_ids = {marker["id"] for marker in svg.find_all("marker")}
    strokes = svg.find_all(attrs={"marker-end": True})
    used = {tag["marker-end"].removeprefix("url(#").removesuffix(")") for tag in strokes}
    assert used <= marker_ids


def test_the_diagram_scales_with_its_container() -> None:
    svg = svg_of(render(FLOW))
    assert svg["width"] == "100%"
    _, _, width, height = (float(n) for n in svg["viewbox"].split())
    assert width == 720
    assert height > float(svg_of(render(FLOW[:1]))["viewbox"].split()[3])


@pytest.mark.parametrize(
    ("field", "value"), [("source", "browser_extension"), ("target", "user"), ("channel", "side")]
)
def test_unknown_lanes_and_channels_are_rejected_by_name(field: str, value: str) -> None:
    fields = {"source": "client", "target": "client", "channel": "back", field: value}
    with pytest.raises(ValueError, match=f"Invalid '{field}'"):
        render([Arrow(label="x", step="x", **fields)])

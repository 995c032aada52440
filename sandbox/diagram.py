"""Draw a flow as an inline SVG sequence diagram, server side, for the step pages.

Four lanes stand for the four parties of RFC 6749 §1.1: the user's browser (user agent), the client
app, the authorization server and the resource server. Each recorded exchange becomes one arrow,
top to bottom in order. Front-channel arrows (RFC 6749 §1.2, through the browser) are dashed and
back-channel arrows (server to server) are solid. The SVG needs no script, font or stylesheet:
colours and strokes are attributes, so it still reads when the page CSS does not load.
"""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

LANES: tuple[str, ...] = ("browser", "client", "authorization_server", "resource_server")
LANE_TITLES = {
    "browser": "User's browser",
    "client": "Client app (sandbox)",
    "authorization_server": "Authorization server",
    "resource_server": "Resource server",
}
CHANNELS = ("front", "back")


@dataclass(frozen=True)
class Arrow:
    source: str  # a lane
    target: str  # a lane
    label: str  # e.g. "GET /authorize (302)" or "POST /token"
    step: str  # step id, e.g. "token_request"
    channel: str = "back"  # "front" (through the browser) or "back" (server to server)
    href: str | None = None  # link to this exchange's detail, for completed arrows


# Geometry, in viewBox units. The SVG scales with width="100%", so these are proportions.
WIDTH = 720
LANE_WIDTH = WIDTH // len(LANES)
HEADING_HEIGHT = 60
FIRST_ROW = HEADING_HEIGHT + 56
ROW_HEIGHT = 56
BOTTOM_PADDING = 28
FONT_SIZE = 19  # about 9 px on a 375 px screen, 19 px on a desktop
HEADING_FONT_SIZE = 17
CHAR_WIDTH = 0.6 * FONT_SIZE  # a generous estimate; the server cannot measure text

# Colours chosen for WCAG AA contrast on the white background (4.5:1 or better).
INK = "#1f2937"  # 14.7:1
LIFELINE = "#6b7280"  # 4.8:1
CURRENT = "#b45309"  # 5.0:1
LINK = "#1d4ed8"  # 6.7:1
HEADING_FILL = "#f3f4f6"

# Ids must be unique on the page, because two diagrams may share it.
_render_ids = itertools.count(1)


def render(
    arrows: Sequence[Arrow], current_step: str | None = None, title: str = "Sequence of this flow"
) -> Markup:
    """Draw the arrows top to bottom as an inline SVG (markupsafe.Markup)."""
    for arrow in arrows:
        _check(arrow)
    uid = f"sequence-{next(_render_ids)}"
    height = FIRST_ROW + max(len(arrows) - 1, 0) * ROW_HEIGHT + BOTTOM_PADDING
    parts = [_open_svg(uid, height, title, arrows, current_step), _defs(uid)]
    parts += [_lane(lane, height) for lane in LANES]
    for number, arrow in enumerate(arrows, start=1):
        y = FIRST_ROW + (number - 1) * ROW_HEIGHT
        parts.append(_arrow(arrow, number, y, uid, arrow.step == current_step))
    parts.append(Markup("</svg>"))
    return Markup("\n").join(parts)


def _check(arrow: Arrow) -> None:
    for name in ("source", "target"):
        if getattr(arrow, name) not in LANES:
            raise ValueError(f"Invalid '{name}' in arrow: {getattr(arrow, name)!r} is not a lane.")
    if arrow.channel not in CHANNELS:
        raise ValueError(f"Invalid 'channel' in arrow: {arrow.channel!r} is not front or back.")


def _open_svg(
    uid: str, height: int, title: str, arrows: Sequence[Arrow], current_step: str | None
) -> Markup:
    # role="group", not role="img": an img hides its children, and the arrows may be links.
    steps = " ".join(_describe(a, n, a.step == current_step) for n, a in enumerate(arrows, 1))
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="sequence-diagram" role="group"'
        ' aria-labelledby="{uid}-title" aria-describedby="{uid}-desc"'
        ' viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMin meet"'
        ' font-family="system-ui, sans-serif" font-size="{font_size}">\n'
        '<title id="{uid}-title">{title}</title>\n'
        '<desc id="{uid}-desc">{steps}</desc>\n'
        '<rect width="{width}" height="{height}" fill="#ffffff"/>'
    ).format(
        uid=uid,
        width=WIDTH,
        height=height,
        font_size=FONT_SIZE,
        title=title,
        steps=steps or "No exchanges yet.",
    )


def _describe(arrow: Arrow, number: int, current: bool) -> str:
    """Say one arrow in words, e.g. "1. User's browser to authorization server: GET /authorize"."""
    note = f"{arrow.channel} channel{', current step' if current else ''}"
    return f"{number}. {_route(arrow)}: {arrow.label} ({note})."


def _route(arrow: Arrow) -> str:
    source, target = LANE_TITLES[arrow.source], LANE_TITLES[arrow.target]
    if arrow.source == arrow.target:
        return f"Within {_lower_first(source)}"
    return f"{source} to {_lower_first(target)}"


def _lower_first(title: str) -> str:
    return title[0].lower() + title[1:]


def _defs(uid: str) -> Markup:
    # One arrowhead per colour: marker fill cannot follow the line's stroke in SVG 1.1.
    marker = (
        '<marker id="{id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="10"'
        ' markerHeight="10" markerUnits="userSpaceOnUse" orient="auto">'
        '<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
    )
    return Markup("<defs>{}{}</defs>").format(
        Markup(marker).format(id=f"{uid}-head", colour=INK),
        Markup(marker).format(id=f"{uid}-head-current", colour=CURRENT),
    )


def _lane_x(lane: str) -> int:
    return LANES.index(lane) * LANE_WIDTH + LANE_WIDTH // 2


def _lane(lane: str, height: int) -> Markup:
    """A heading box with the lane's title, and its lifeline down to the bottom."""
    x = _lane_x(lane)
    first, second = _two_lines(LANE_TITLES[lane])
    return Markup(
        '<g class="lane" data-lane="{lane}">'
        '<line class="lifeline" x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" stroke="{grey}"'
        ' stroke-width="1.5"/>'
        '<rect x="{left}" y="4" width="{box}" height="{top_less}" rx="6" fill="{fill}"'
        ' stroke="{grey}"/>'
        '<text class="lane-title" x="{x}" y="27" text-anchor="middle" font-weight="bold"'
        ' font-size="{font_size}" fill="{ink}">'
        # No space between the tspans: it would render as a leading space on the second line.
        '<tspan x="{x}">{first}</tspan><tspan x="{x}" dy="20">{second}</tspan>'
        "</text></g>"
    ).format(
        lane=lane,
        x=x,
        left=x - LANE_WIDTH // 2 + 8,
        box=LANE_WIDTH - 16,
        top=HEADING_HEIGHT,
        top_less=HEADING_HEIGHT - 4,
        bottom=height - 8,
        grey=LIFELINE,
        fill=HEADING_FILL,
        font_size=HEADING_FONT_SIZE,
        ink=INK,
        first=first,
        second=second,
    )


def _two_lines(title: str) -> tuple[str, str]:
    """Split a lane title at its last space, so each heading fits its lane."""
    first, _, second = title.rpartition(" ")
    return (first, second) if first else (title, "")


def _arrow(arrow: Arrow, number: int, y: int, uid: str, current: bool) -> Markup:
    """One exchange: its line (or loop) and its numbered label, as a link when it has an href."""
    stroke = _stroke(arrow, uid, current)
    if arrow.source == arrow.target:
        shape, text = _loop(arrow.source, y, stroke), _loop_label_position(arrow.source, y)
    else:
        shape, text = _line(arrow, y, stroke), _line_label_position(arrow, number, y)
    body = shape + _label(f"{number}. {arrow.label}", text, current, arrow.href is not None)
    if arrow.href is not None:
        # The <title> gives the link its accessible name (SVG-AAM) and a tooltip.
        body = Markup('<a href="{href}"><title>{name}</title>{body}</a>').format(
            href=arrow.href,
            name=f"Details of exchange {number}: {_route(arrow)}: {arrow.label}",
            body=body,
        )
    classes = ["arrow", arrow.channel]
    if arrow.source == arrow.target:
        classes.append("self")
    if current:
        classes.append("current")
    group = '<g class="{classes}" data-step="{step}" data-channel="{channel}">{body}</g>'
    return Markup(group).format(
        classes=" ".join(classes), step=arrow.step, channel=arrow.channel, body=body
    )


def _stroke(arrow: Arrow, uid: str, current: bool) -> Markup:
    """The line's attributes: thick and coloured when current, dashed on the front channel."""
    return Markup(
        'stroke="{colour}" stroke-width="{width}" fill="none" marker-end="url(#{marker})"{dash}'
    ).format(
        colour=CURRENT if current else INK,
        width=3 if current else 1.5,
        marker=f"{uid}-head-current" if current else f"{uid}-head",
        # RFC 6749 §1.2: front-channel messages travel through the browser; dash them.
        dash=Markup(' stroke-dasharray="7 5"') if arrow.channel == "front" else "",
    )


def _line(arrow: Arrow, y: int, stroke: Markup) -> Markup:
    x1, x2 = _lane_x(arrow.source), _lane_x(arrow.target)
    return Markup('<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" {stroke}/>').format(
        x1=x1, x2=x2, y=y, stroke=stroke
    )


def _loop(lane: str, y: int, stroke: Markup) -> Markup:
    """An arrow from a lane back to itself: out, down, and back in."""
    x, reach = _lane_x(lane), _loop_reach(lane)
    return Markup('<path d="M{x},{top} h{reach} v24 h{back}" {stroke}/>').format(
        x=x, top=y - 16, reach=reach, back=-reach, stroke=stroke
    )


def _loop_reach(lane: str) -> int:
    # Loop to the right, except on the last lane, where there is no room.
    return -36 if lane == LANES[-1] else 36


def _line_label_position(arrow: Arrow, number: int, y: int) -> tuple[float, int, str]:
    """Centre the label above the line, kept inside the viewBox."""
    middle = (_lane_x(arrow.source) + _lane_x(arrow.target)) / 2
    half = len(f"{number}. {arrow.label}") * CHAR_WIDTH / 2
    x = min(max(middle, half + 4), WIDTH - half - 4)
    return x, y - 9, "middle"


def _loop_label_position(lane: str, y: int) -> tuple[float, int, str]:
    reach = _loop_reach(lane)
    x = _lane_x(lane) + reach + (8 if reach > 0 else -8)
    return x, y + 2, "start" if reach > 0 else "end"


def _label(text: str, position: tuple[float, int, str], current: bool, linked: bool) -> Markup:
    x, y, anchor = position
    colour = CURRENT if current else LINK if linked else INK
    # A white outline painted under the letters keeps them legible where they cross a lifeline.
    return Markup(
        '<text x="{x:g}" y="{y}" text-anchor="{anchor}" fill="{colour}"{weight}{underline}'
        ' stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke">'
        "{text}</text>"
    ).format(
        x=x,
        y=y,
        anchor=anchor,
        colour=colour,
        weight=Markup(' font-weight="bold"') if current else "",
        underline=Markup(' text-decoration="underline"') if linked else "",
        text=text,
    )

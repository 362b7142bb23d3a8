"""The demo story: an invented live blog, seeded through the admin API exactly as editors would post it.

`python -m liveblog_local dev` seeds it in the background so that the reader page has something
to show at once; `python -m liveblog_local demo-live` keeps adding updates to it. Everything goes
over HTTP with the tokens `make token` prints, so the demo exercises the API, the renderer, the
media function and the CDN, and never writes to a table behind their backs.

Harbour City, its marathon and everyone in this story are fiction written for this project.
"""

from __future__ import annotations

import io
import itertools
import logging
import math
import random
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from html import unescape
from typing import Any

import requests
from PIL import Image, ImageDraw, ImageFilter

from liveblog_local.tokens import Role, issue_token

log = logging.getLogger("liveblog_local.demo")

DEMO_SLUG = "harbour-city-marathon"
PHOTO_READY_SECONDS = 20.0
REQUEST_TIMEOUT_SECONDS = 10.0
# Tries of a request that met contention (429) or, if safe to resend, a network error.
_ATTEMPTS = 4

Json = dict[str, Any]
Block = dict[str, Any]


def reader_url(cdn_url: str, slug: str = DEMO_SLUG) -> str:
    return f"{cdn_url}/?blog={slug}"


# The admin API over HTTP


class DemoError(RuntimeError):
    """The admin API refused a step of the demo; the message names the request and the API's answer."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class AdminClient:
    """One user's calls to the admin API: statuses checked, errors raised with the API's own words."""

    def __init__(self, api_url: str, role: Role, name: str, sub: str, run: str) -> None:
        self.api_url = api_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {issue_token(role, sub=sub, name=name)}"
        # Keys are unique to this run: a retry inside it is answered once, while a second run
        # really asks again; replaying the first run's 201 for the blog would have it post the
        # whole story a second time instead of hearing 409 slug_taken.
        self._run = run

    def request(
        self,
        method: str,
        path: str,
        *,
        expect: int,
        body: Json | None = None,
        params: Mapping[str, str | int] | None = None,
        if_match: int | None = None,
        idempotency_key: str | None = None,
    ) -> Json:
        headers: dict[str, str] = {}
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        if idempotency_key is not None:
            headers["Idempotency-Key"] = f"demo-{self._run}-{idempotency_key}"
        # Resending is safe for reads and for keyed creates (the API answers a repeat once);
        # a PATCH is resent only after a 429, which changed nothing.
        resend_after_network_error = method == "GET" or idempotency_key is not None
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                response = self.session.request(
                    method,
                    self.api_url + path,
                    json=body,
                    params=params,
                    headers=headers,
                    timeout=REQUEST_TIMEOUT_SECONDS,
                )
            except requests.ConnectionError:
                if not resend_after_network_error or attempt == _ATTEMPTS:
                    raise
            else:
                if response.status_code != 429 or attempt == _ATTEMPTS:
                    break
            time.sleep(0.1 * 2**attempt)
        if response.status_code != expect:
            raise _refusal(method, path, response)
        return response.json() if response.content else {}

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Json:
        return self.request("GET", path, expect=200, params=params)

    def create(self, path: str, body: Json, idempotency_key: str) -> Json:
        return self.request("POST", path, expect=201, body=body, idempotency_key=idempotency_key)

    def change(self, path: str, body: Json, version: int) -> Json:
        return self.request("PATCH", path, expect=200, body=body, if_match=version)


def _refusal(method: str, path: str, response: requests.Response) -> DemoError:
    try:
        error = response.json()["error"]
        code, message = str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        code, message = None, response.text[:300]
    return DemoError(
        f"{method} {path} answered {response.status_code} {code or 'without an error code'}: {message}",
        status=response.status_code,
        code=code,
    )


@dataclass(frozen=True)
class NewsroomMember:
    """An invented byline; its own token subject keeps the demo's posts apart from `make token`'s user."""

    role: Role
    sub: str
    name: str

    def client(self, api_url: str, run: str | None = None) -> AdminClient:
        return AdminClient(api_url, self.role, name=self.name, sub=self.sub, run=run or uuid.uuid4().hex[:12])


EDITOR = NewsroomMember("editor", "demo-editor", "Maya Okafor")
REPORTER = NewsroomMember("contributor", "demo-reporter", "Tomás Lindgren")


def find_blog(client: AdminClient, slug: str, status: str | None = None) -> Json | None:
    """The blog with this slug, from the listing (newest first, so a fresh demo is on page one)."""
    params: dict[str, str | int] = {"limit": 100}
    if status is not None:
        params["status"] = status
    while True:
        page = client.get("/blogs", params)
        for blog in page["items"]:
            if blog["slug"] == slug:
                return dict(blog)
        if not page.get("next_cursor"):
            return None
        params["cursor"] = page["next_cursor"]


# Blocks, as editors send them


def paragraph(html: str) -> Block:
    return {"type": "paragraph", "html": html}


def heading(text: str, level: int = 3) -> Block:
    return {"type": "heading", "text": text, "level": level}


def quote(text: str, attribution: str) -> Block:
    return {"type": "quote", "text": text, "attribution": attribution}


def bullets(*items: str, ordered: bool = False) -> Block:
    return {"type": "list", "ordered": ordered, "items": list(items)}


def photo(name: str) -> Block:
    """A photo by its name in PHOTOS; the seed swaps in the id the API gave it."""
    return {"type": "photo", "photo_id": name}


def embed(url: str, caption: str) -> Block:
    return {"type": "embed", "url": url, "caption": caption}


# Illustrations, drawn at seed time: shapes only, the same pixels on every run.

PHOTO_SIZE = (2048, 1365)
Color = tuple[int, int, int]
Point = tuple[float, float]


def _scenery(seed: int) -> random.Random:
    # A fixed seed draws the same picture on every run, so a photo's bytes never change.
    return random.Random(seed)  # noqa: S311 - placing shapes, not making secrets


def _gradient(size: tuple[int, int], top: Color, bottom: Color) -> Image.Image:
    mask = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def _sun(image: Image.Image, center: Point, radius: float, color: Color) -> None:
    # The halo is blurred at an eighth of the size: as smooth as a full-size blur, for a fraction of its cost.
    small = (image.width // 8, image.height // 8)
    halo = Image.new("L", small, 0)
    x, y, r = center[0] / 8, center[1] / 8, radius / 8 * 2.2
    ImageDraw.Draw(halo).ellipse((x - r, y - r, x + r, y + r), fill=120)
    halo = halo.filter(ImageFilter.GaussianBlur(r * 0.8)).resize(image.size, Image.Resampling.BILINEAR)
    image.paste(Image.new("RGB", image.size, color), (0, 0), halo)
    x, y = center
    ImageDraw.Draw(image).ellipse((x - radius, y - radius, x + radius, y + radius), fill=color)


def _runner(
    draw: ImageDraw.ImageDraw,
    x: float,
    ground: float,
    height: float,
    color: Color,
    phase: float,
    cheering: bool = False,
) -> None:
    """A runner's silhouette facing right, feet near `ground`; `phase` (0 to 1) sets the stride."""
    u = height / 100
    swing = math.sin(phase * 2 * math.pi)
    lean = 0 if cheering else 7
    hip = (x, ground - 50 * u)
    shoulder = (x + lean * u, ground - 78 * u)
    head = (x + lean * 1.4 * u, ground - 90 * u)

    def limb(start: Point, upper: float, upper_length: float, lower: float, lower_length: float) -> None:
        # Angles in radians from straight down, positive forward: a bent limb is two strokes.
        width = 8 if upper_length > 20 else 6.5
        joint = (start[0] + upper_length * u * math.sin(upper), start[1] + upper_length * u * math.cos(upper))
        end = (joint[0] + lower_length * u * math.sin(lower), joint[1] + lower_length * u * math.cos(lower))
        draw.line([start, joint, end], fill=color, width=max(2, round(width * u)), joint="curve")
        r = width * u / 2
        for px, py in (joint, end):
            draw.ellipse((px - r, py - r, px + r, py + r), fill=color)

    for side in (1, -1):
        stride = swing * side
        thigh = 0.6 * stride
        limb(hip, thigh, 26, thigh - 0.2 - 1.0 * max(0.0, -stride), 25)  # the trailing foot kicks up
        if cheering:
            limb(shoulder, math.pi - 0.55 * side, 15, math.pi - 0.3 * side, 14)
        else:
            arm = -0.7 * stride
            limb(shoulder, arm, 15, arm + 1.7, 13)
    draw.line([hip, shoulder], fill=color, width=round(15 * u), joint="curve")
    r = 7.5 * u
    draw.ellipse((head[0] - r, head[1] - r, head[0] + r, head[1] + r), fill=color)


def _skyline(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    base: float,
    width: int,
    scale: float,
    color: Color,
    window: Color | None = None,
) -> None:
    x = -20 * scale
    while x < width:
        w = rng.uniform(60, 160) * scale
        h = rng.uniform(120, 420) * scale
        draw.rectangle((x, base - h, x + w, base), fill=color)
        if rng.random() < 0.3:
            draw.polygon([(x, base - h), (x + w / 2, base - h - 50 * scale), (x + w, base - h)], fill=color)
        if window:
            for wy in range(int(base - h + 20 * scale), int(base - 20 * scale), int(34 * scale)):
                for wx in range(int(x + 14 * scale), int(x + w - 20 * scale), int(28 * scale)):
                    if rng.random() < 0.35:
                        draw.rectangle((wx, wy, wx + 12 * scale, wy + 16 * scale), fill=window)
        x += w + rng.uniform(0, 30) * scale


def draw_start() -> Image.Image:
    """Dawn on Quay Street: the start arch, the lit city, a packed field of runners."""
    w, h = PHOTO_SIZE
    rng = _scenery(2026)
    image = _gradient((w, h), (38, 52, 112), (250, 176, 120))
    _sun(image, (w * 0.7, h * 0.4), 70, (255, 226, 170))
    draw = ImageDraw.Draw(image)
    _skyline(draw, rng, h * 0.70, w, 0.8, (92, 74, 120))
    _skyline(draw, rng, h * 0.72, w, 0.9, (52, 44, 86), window=(255, 214, 140))
    draw.rectangle((0, h * 0.70, w, h), fill=(58, 54, 72))
    draw.polygon([(0, h), (w * 0.46, h * 0.70), (w * 0.54, h * 0.70), (w, h)], fill=(78, 72, 92))
    post = 38
    for x in (w * 0.16, w * 0.84 - post):
        draw.rectangle((x, h * 0.24, x + post, h * 0.86), fill=(210, 60, 70))
    draw.rectangle((w * 0.16, h * 0.20, w * 0.84, h * 0.32), fill=(230, 72, 80))
    for i in range(14):
        x = w * 0.18 + i * (w * 0.66 / 14)
        draw.rectangle((x, h * 0.225, x + w * 0.022, h * 0.295), fill=(250, 240, 228))
    rows = 6
    for row in range(rows):  # back rows small and pale, front rows large and dark
        depth = row / (rows - 1)
        ground = h * (0.74 + 0.2 * depth)
        height = 90 + 210 * depth
        tone = round(110 - 80 * depth)
        step = height * 0.42
        x = rng.uniform(-step, 0)
        while x < w + step:
            _runner(
                draw,
                x + rng.uniform(-10, 10),
                ground + rng.uniform(-6, 6),
                height * rng.uniform(0.9, 1.05),
                (tone, max(0, tone - 8), tone + 20),
                rng.random(),
            )
            x += step * rng.uniform(0.8, 1.3)
    return image


def draw_lighthouse() -> Image.Image:
    """Midday at Cape Meriden: the striped lighthouse, the sea, a line of runners on the coast road."""
    w, h = PHOTO_SIZE
    rng = _scenery(44)
    image = _gradient((w, h), (92, 160, 222), (200, 228, 244))
    horizon = int(h * 0.52)
    image.paste(_gradient((w, h - horizon), (40, 110, 170), (24, 72, 120)), (0, horizon))
    draw = ImageDraw.Draw(image)
    for _ in range(260):  # glints on the water, longer and thicker nearer the shore
        y = rng.uniform(horizon + 6, h)
        depth = (y - horizon) / (h - horizon)
        x = rng.uniform(0, w)
        draw.line(
            [(x, y), (x + (20 + 120 * depth), y)],
            fill=(150, 200, 230),
            width=max(1, round(1 + 3 * depth)),
        )
    for cx, cy, size in ((0.2, 0.14, 260), (0.55, 0.1, 200), (0.8, 0.2, 300)):
        for dx, dy, r in ((0, 0, 0.3), (0.25, -0.12, 0.28), (0.5, 0, 0.32), (0.25, 0.06, 0.3)):
            x, y, rr = w * cx + dx * size, h * cy + dy * size, r * size
            draw.ellipse((x - rr, y - rr * 0.6, x + rr, y + rr * 0.6), fill=(246, 250, 252))
    draw.polygon(
        [(w * 0.42, h), (w * 0.5, h * 0.5), (w * 0.62, h * 0.44), (w * 0.8, h * 0.42), (w, h * 0.4), (w, h)],
        fill=(86, 120, 74),
    )
    draw.polygon(
        [(w * 0.5, h), (w * 0.56, h * 0.62), (w * 0.7, h * 0.56), (w, h * 0.52), (w, h)], fill=(112, 146, 88)
    )
    x, base, top = w * 0.74, h * 0.44, h * 0.12
    bottom_half, top_half, bands = 70, 46, 6
    for band in range(bands):
        y0, y1 = base - (base - top) * band / bands, base - (base - top) * (band + 1) / bands
        hw0 = bottom_half - (bottom_half - top_half) * band / bands
        hw1 = bottom_half - (bottom_half - top_half) * (band + 1) / bands
        color = (200, 48, 52) if band % 2 == 0 else (246, 244, 238)
        draw.polygon([(x - hw0, y0), (x + hw0, y0), (x + hw1, y1), (x - hw1, y1)], fill=color)
    draw.rectangle((x - 60, top - 12, x + 60, top), fill=(40, 40, 48))
    draw.rectangle((x - 38, top - 70, x + 38, top - 12), fill=(255, 236, 150))
    draw.polygon(
        [(x - 48, top - 70), (x, top - 110), (x + 48, top - 70)],
        fill=(40, 40, 48),
    )
    draw.polygon(
        [(0, h * 0.86), (w * 0.48, h * 0.62), (w * 0.56, h * 0.62), (w * 0.3, h), (0, h)],
        fill=(150, 140, 128),
    )
    for i in range(9):
        t = i / 8
        _runner(
            draw,
            w * (0.5 - 0.42 * t),
            h * (0.64 + 0.3 * t),
            (60 + 240 * t),
            (34, 40, 60),
            i * 0.37 % 1,
        )
    return image


def draw_water_station() -> Image.Image:
    """Late morning at the Old Mill: a hot sky, a straight road, tables of cups, runners in the heat."""
    w, h = PHOTO_SIZE
    rng = _scenery(27)
    image = _gradient((w, h), (255, 170, 70), (255, 232, 170))
    _sun(image, (w * 0.22, h * 0.2), 110, (255, 250, 220))
    draw = ImageDraw.Draw(image)
    draw.polygon(
        [(0, h * 0.56), (w * 0.3, h * 0.48), (w * 0.6, h * 0.54), (w, h * 0.46), (w, h * 0.6), (0, h * 0.6)],
        fill=(226, 160, 110),
    )
    draw.rectangle((0, h * 0.6, w, h), fill=(196, 128, 92))
    draw.polygon([(w * 0.1, h), (w * 0.47, h * 0.6), (w * 0.53, h * 0.6), (w * 0.9, h)], fill=(120, 104, 104))
    for i in range(4):
        t = i / 3
        top, left = h * (0.64 + 0.18 * t), w * (0.58 + 0.1 * t)
        length, thick = (140 + 300 * t), (10 + 20 * t)
        draw.polygon(
            [
                (left, top),
                (left + length, top),
                (left + length * 1.05, top + thick),
                (left + length * 0.05, top + thick),
            ],
            fill=(240, 240, 236),
        )
        for leg in (left + length * 0.1, left + length * 0.95):
            draw.rectangle((leg, top + thick, leg + thick * 0.4, top + thick * 4), fill=(90, 80, 80))
        cup = 8 + 14 * t
        cx = left + cup
        while cx < left + length - cup:
            draw.polygon(
                [
                    (cx, top),
                    (cx + cup, top),
                    (cx + cup * 0.85, top - cup * 1.4),
                    (cx + cup * 0.15, top - cup * 1.4),
                ],
                fill=(70, 150, 210),
            )
            cx += cup * 1.7
    for i in range(7):
        t = i / 6
        x = w * (0.49 - 0.2 * t) + rng.uniform(-20, 20)
        _runner(draw, x, h * (0.63 + 0.32 * t), (60 + 260 * t), (70, 40, 50), rng.random())
    return image


def draw_finish() -> Image.Image:
    """Quay Street at noon: the chequered finish arch, crowds at the barriers, the winner's arms up."""
    w, h = PHOTO_SIZE
    rng = _scenery(211)
    image = _gradient((w, h), (120, 170, 220), (250, 214, 150))
    draw = ImageDraw.Draw(image)
    _skyline(draw, rng, h * 0.62, w, 1, (150, 150, 170))
    draw.rectangle((0, h * 0.62, w, h), fill=(92, 90, 100))
    draw.polygon([(w * 0.1, h), (w * 0.4, h * 0.62), (w * 0.6, h * 0.62), (w * 0.9, h)], fill=(120, 116, 124))
    for side in (0, 1):
        for row in range(3):
            y = h * (0.66 + row * 0.045)
            x, end = (0.0, w * 0.24 - row * w * 0.05) if side == 0 else (w * 0.76 + row * w * 0.05, float(w))
            while x < end:
                r = 14 + row * 4
                tone = rng.randint(40, 90)
                draw.ellipse((x, y - r * 3, x + r * 1.6, y - r * 1.4), fill=(tone, tone, tone + 20))
                draw.rectangle((x - r * 0.2, y - r * 1.5, x + r * 1.8, y + r), fill=(tone, tone, tone + 20))
                x += r * 2
        barrier = (0, h * 0.78, w * 0.26, h * 0.82) if side == 0 else (w * 0.74, h * 0.78, w, h * 0.82)
        draw.rectangle(barrier, fill=(30, 110, 190))
    left, right, top, post = w * 0.2, w * 0.8, h * 0.16, 44
    draw.rectangle((left, top, left + post, h * 0.86), fill=(24, 24, 30))
    draw.rectangle((right - post, top, right, h * 0.86), fill=(24, 24, 30))
    squares = 24
    size = (right - left) / squares
    for col in range(squares):
        for row in range(round(h * 0.12 / size)):
            draw.rectangle(
                (left + col * size, top + row * size, left + (col + 1) * size, top + (row + 1) * size),
                fill=(24, 24, 30) if (col + row) % 2 == 0 else (250, 250, 250),
            )
    x, ground, height = w * 0.5, h * 0.97, 500
    waist = ground - height * 0.55
    draw.line([(left + post, h * 0.7), (x - 12, waist)], fill=(230, 40, 50), width=8)
    draw.line([(x + 12, waist), (right - post, h * 0.7)], fill=(230, 40, 50), width=8)
    _runner(draw, x, ground, height, (20, 30, 60), 0.08, cheering=True)
    return image


@dataclass(frozen=True)
class DemoPhoto:
    filename: str
    caption: str
    credit: str
    alt: str
    draw: Callable[[], Image.Image]

    def jpeg(self) -> bytes:
        image = self.draw()
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=86, optimize=True)
        return buffer.getvalue()


PHOTOS: dict[str, DemoPhoto] = {
    "start": DemoPhoto(
        filename="quay-street-start.jpg",
        caption="Runners pack Quay Street under the start arch before the 8 a.m. gun.",
        credit="Ana Ruiz/Harbour City Herald",
        alt="Illustration: a crowd of runner silhouettes under a red start arch at dawn, a lit city skyline behind",
        draw=draw_start,
    ),
    "lighthouse": DemoPhoto(
        filename="cape-meriden.jpg",
        caption="The lead pack on Lighthouse Road, with the Cape Meriden light above the water.",
        credit="Jonah Pike/Harbour City Herald",
        alt="Illustration: runners in single file on a coast road below a red and white striped lighthouse",
        draw=draw_lighthouse,
    ),
    "water": DemoPhoto(
        filename="old-mill-water-station.jpg",
        caption="Volunteers keep the cups coming at the Old Mill water station, 25 km.",
        credit="Ines Marchetti/Harbour City Herald",
        alt="Illustration: runners on a road under a hot orange sky, passing tables lined with blue cups",
        draw=draw_water_station,
    ),
    "finish": DemoPhoto(
        filename="finish-line.jpg",
        caption="Tobias Quennell breaks the tape on Quay Street in 2:11:08.",
        credit="Ana Ruiz/Harbour City Herald",
        alt="Illustration: a runner with both arms raised breaks a red tape under a chequered finish arch",
        draw=draw_finish,
    ),
}


# The story


@dataclass(frozen=True)
class DemoEntry:
    title: str | None
    blocks: tuple[Block, ...]
    key_event: bool = False
    # Filed as a draft by the course reporter (a contributor) and published by the editor.
    from_reporter: bool = False
    pinned: bool = False
    # Title and blocks the editor corrects it to after it is published: readers see "updated".
    correction: Mapping[str, Any] = field(default_factory=dict)

    @property
    def photo_names(self) -> frozenset[str]:
        return frozenset(block["photo_id"] for block in self.blocks if block["type"] == "photo")

    def body(self, photo_ids: Mapping[str, str], status: str) -> Json:
        blocks = [
            {**block, "photo_id": photo_ids[block["photo_id"]]} if block["type"] == "photo" else block
            for block in self.blocks
        ]
        body: Json = {"blocks": blocks, "key_event": self.key_event, "status": status}
        if self.title is not None:
            body["title"] = self.title
        return body


def entry(
    title: str | None,
    *blocks: Block,
    key_event: bool = False,
    from_reporter: bool = False,
    pinned: bool = False,
    correction: Mapping[str, Any] | None = None,
) -> DemoEntry:
    return DemoEntry(title, blocks, key_event, from_reporter, pinned, correction or {})


BLOG: Json = {
    "slug": DEMO_SLUG,
    "title": "Harbour City Marathon 2026: live",
    "summary": "12,400 runners take on the 42.2 km loop from Quay Street to Cape Meriden and back along "
    "the seawall, on the warmest race morning in years. Updates from the course and the finish line.",
    "key_points": [
        "Tobias Quennell wins the men's race in 2:11:08 after breaking away on Harbour Hill",
        "Saoirse Delacroix-Amani sets a course record of 2:26:55",
        "Heat warning: 27°C by noon, extra water after 25 km",
        "Diversion at the Ferry Terminal after a burst water main; roads reopen from 1 p.m.",
    ],
    "language": "en",
    "time_zone": "America/Halifax",
}

# The race morning, in the order it is posted (readers see it newest first).
STORY: tuple[DemoEntry, ...] = (
    entry(
        "Good morning from Quay Street",
        paragraph(
            "Welcome to our live coverage of the <b>Harbour City Marathon</b>. <b>12,400 runners</b> are "
            "lining up under the start arch for a 42.2 km loop out to Cape Meriden and back along the "
            "seawall. The gun goes at <b>8 a.m.</b>"
        ),
        photo("start"),
        paragraph(
            'New to the course? Our <a href="https://example.org/harbour-city-marathon/course-map">course '
            "map</a> shows every water station and the best places to cheer."
        ),
    ),
    entry(
        "Road closures until 3 p.m.",
        paragraph(
            "Expect these roads to stay closed into the afternoon. Bus routes 4, 7 and 12 are diverted."
        ),
        bullets(
            "<b>Quay Street</b>, Harbour Square to the Customs House: until 1 p.m.",
            "<b>Seawall Road</b>, both directions: until 2:30 p.m.",
            "<b>Lighthouse Road</b> to Cape Meriden: until 3 p.m.",
            "<b>Old Mill Lane</b>, northbound: until noon",
        ),
        paragraph(
            '<i>Check <a href="https://example.org/harbour-city/transit">transit updates</a> before you travel.</i>'
        ),
        pinned=True,
    ),
    entry(
        "And they're off",
        paragraph(
            "The elite field left at 8:00 sharp, followed by wave after wave of club runners. Race director "
            "<b>Colm Thibodeau</b> sent them on their way with a blast of the harbour ferry's horn."
        ),
        quote(
            "We've had people training on these hills all winter. Today the whole city gets to cheer them home.",
            "Colm Thibodeau, race director",
        ),
        key_event=True,
    ),
    entry(
        None,
        paragraph(
            "In the wheelchair race, <b>Ruairi Pennant</b> went through 5 km in 10:41, almost a minute clear "
            "of the chasing group. He has won here the last two years."
        ),
    ),
    entry(
        "Quennell leads at 10 km",
        paragraph(
            "Local favourite <b>Tobias Quennell</b> leads the men's race at 10 km in 29:58, four seconds "
            "ahead of Kwame Ostrander."
        ),
        correction={
            "title": "Quennell and Ostrander share the lead at 10 km",
            "blocks": [
                paragraph(
                    "Local favourite <b>Tobias Quennell</b> and <b>Kwame Ostrander</b> went through 10 km "
                    "together in <b>30:12</b>, with a pack of six a few strides behind."
                ),
                paragraph(
                    "<i>Correction: an earlier version of this post gave the wrong split and said Quennell "
                    "was leading alone.</i>"
                ),
            ],
        },
    ),
    entry(
        None,
        photo("lighthouse"),
        paragraph(
            "The lead pack on Lighthouse Road, with the Cape Meriden light behind them. The breeze off the "
            "water is the only relief from the sun out here."
        ),
    ),
    entry(
        "Heat warning for the second half of the course",
        paragraph(
            "The Harbour City Weather Office has issued a <b>heat warning</b> for the rest of the morning. "
            "Organisers are adding water and misting stations after 25 km."
        ),
        quote(
            "We expect 27°C by noon and very little wind in the sheltered streets. Slow down, drink at every "
            "station, and stop if you feel dizzy.",
            "Iain Mbeki-Carr, duty forecaster, Harbour City Weather Office",
        ),
        paragraph(
            "Medical tents are at 21 km, 30 km and the finish. "
            '<a href="https://example.org/harbour-city-marathon/heat-advice">Heat advice for runners and '
            "spectators</a>."
        ),
        key_event=True,
    ),
    entry(
        "Course diverted at the Ferry Terminal",
        paragraph(
            "A burst water main has flooded the road outside the Ferry Terminal, at about 24 km. Runners are "
            "being sent along <b>Wharf Street</b> instead."
        ),
        heading("What changes for runners"),
        paragraph(
            "The detour is the same length to within a few metres, so times count and records stand. "
            "Marshals are at both ends."
        ),
        heading("What changes for spectators"),
        paragraph(
            "The pavements on Wharf Street are narrow: please watch from Market Square. The Ferry Terminal "
            "itself is open as normal."
        ),
        quote(
            "Nobody is in danger. We just need the runners off that stretch while the crews work.",
            "Fire Chief Nadia Ferreira-Holm, Harbour City Fire and Rescue",
        ),
        key_event=True,
    ),
    entry(
        None,
        paragraph(
            "At the Old Mill water station (25 km), volunteers have handed out more than <b>9,000 cups</b> "
            "in half an hour. Many runners are pouring the water over their heads before the climb."
        ),
        photo("water"),
        from_reporter=True,
    ),
    entry(
        "Video: the lead pack on the seawall",
        embed(
            "https://www.youtube.com/watch?v=HCMarathon6",
            "The lead pack on the seawall at 28 km. Video: Harbour City Herald",
        ),
        paragraph("Six men are still together with 14 km to go."),
    ),
    entry(
        "Delacroix-Amani on course-record pace",
        paragraph(
            "<b>Saoirse Delacroix-Amani</b> reached 30 km in 1:43:20, 31 seconds inside the pace of Hana "
            "Kettleby's course record of <b>2:27:41</b>, set in 2019. She has run alone since the detour."
        ),
        paragraph("Lena Vasquez-Roe is second, 1 minute 50 behind."),
        key_event=True,
    ),
    entry(
        None,
        paragraph(
            "<b>Quennell has broken away.</b> On the climb up Harbour Hill at 35 km he opened ten seconds on "
            "Ostrander, and the gap is growing. The crowd on the hill is <i>very</i> loud."
        ),
    ),
    entry(
        "Quennell wins in 2:11:08",
        photo("finish"),
        paragraph(
            "<b>Tobias Quennell</b> is the first Harbour City runner to win his home marathon in eleven "
            "years. He crossed the line on Quay Street in <b>2:11:08</b>, 38 seconds ahead of Kwame Ostrander."
        ),
        quote(
            "I grew up two streets from this finish line. I heard my old coach on Harbour Hill and I just went.",
            "Tobias Quennell",
        ),
        key_event=True,
    ),
    entry(
        "Course record for Delacroix-Amani",
        paragraph(
            "<b>Saoirse Delacroix-Amani</b> wins the women's race in <b>2:26:55</b>, 46 seconds inside the "
            "course record. Lena Vasquez-Roe is second in 2:29:02."
        ),
        quote(
            "The heat scared me at halfway, so I ran the hills gently and saved something for the seawall.",
            "Saoirse Delacroix-Amani",
        ),
        key_event=True,
    ),
    entry(
        "Results: the top five",
        heading("Men"),
        bullets(
            "Tobias Quennell (Harbour City) 2:11:08",
            "Kwame Ostrander 2:11:46",
            "Eli Barros-Whitcombe 2:12:30",
            "Mateo Lindahl 2:13:05",
            "Jun Takeda-Moss 2:14:51",
            ordered=True,
        ),
        heading("Women"),
        bullets(
            "Saoirse Delacroix-Amani 2:26:55 <i>(course record)</i>",
            "Lena Vasquez-Roe 2:29:02",
            "Priya Halvorsen 2:31:17",
            "Greta Oyelaran 2:33:40",
            "Maren Castellano 2:34:09",
            ordered=True,
        ),
        paragraph(
            "Ruairi Pennant won the wheelchair race in 1:31:42. Full results by age group: "
            '<a href="https://example.org/harbour-city-marathon/results">results</a>.'
        ),
    ),
)

# What `demo-live` posts, one after another and round again: the afternoon after the race.
LIVE_UPDATES: tuple[DemoEntry, ...] = (
    entry(
        "Medal engraving queue",
        paragraph("The queue for medal engraving in Harbour Square reaches the bandstand: about 40 minutes."),
    ),
    entry(
        "Seawall Road reopens",
        paragraph("Seawall Road is open in both directions, half an hour early."),
        key_event=True,
    ),
    entry(
        "Last runners on Harbour Hill",
        paragraph("The last runners are climbing Harbour Hill, cheered every step."),
    ),
    entry(
        None,
        paragraph(
            "The sweeper bus has passed the Old Mill. Anyone behind it is offered a ride to the finish."
        ),
    ),
    entry(
        "Lost and found",
        paragraph("A very good dog called <b>Biscuit</b> is back with his family at the information tent."),
        quote("He watched the whole race from the Customs House steps.", "Petra Olsen, volunteer"),
    ),
    entry(
        "Medical update",
        paragraph("The medical tents treated 212 runners, most for heat exhaustion. None is seriously ill."),
        key_event=True,
    ),
    entry(
        "Quay Street reopens",
        paragraph("Traffic is back on Quay Street; the start arch is coming down."),
        key_event=True,
    ),
    entry(
        None,
        paragraph(
            "Cheer of the day: the brass band outside the Lighthouse Café, still playing at six hours."
        ),
    ),
    entry(
        "Pennant's third title",
        quote("Three in a row is nice. Four would be nicer.", "Ruairi Pennant, wheelchair race winner"),
    ),
    entry("Buses back to normal", paragraph("Bus routes 4, 7 and 12 are back on their usual streets.")),
    entry(
        "The last finisher",
        paragraph("To the loudest cheer of the day, <b>Agnes Whitlow</b>, 81, finished in 6:58:12."),
        key_event=True,
    ),
    entry(
        "Recovery, the doctors' way",
        bullets("Drink water and something salty", "Walk for ten minutes", "Eat within the hour"),
    ),
    entry(
        None, paragraph("The water main at the Ferry Terminal is fixed and Wharf Street is open to traffic.")
    ),
    entry(
        "Clean-up",
        paragraph("Volunteers collected 41,000 paper cups from the course; all will be composted."),
    ),
    entry(
        "Thank you, volunteers",
        quote(
            "Three thousand volunteers made today happen. Thank you, Harbour City.",
            "Colm Thibodeau, race director",
        ),
    ),
    entry(
        "Next year's date",
        paragraph("The 2027 race is on <b>Sunday 26 September</b>; entries open in March."),
        key_event=True,
    ),
    entry(None, paragraph("Sunset over the harbour, and the last barriers are coming down on Quay Street.")),
    entry(
        "Money raised",
        paragraph("Runners raised <b>$1.2 million</b> for the Harbour City Children's Hospital."),
    ),
    entry("Lighthouse Road reopens", paragraph("Lighthouse Road is open again all the way to Cape Meriden.")),
    entry(
        "That's all from the course",
        paragraph(
            'Thanks for following along. The <a href="https://example.org/harbour-city-marathon/results">full '
            "results</a> and the morning's photos stay on this page."
        ),
    ),
)


# Seeding


@dataclass(frozen=True)
class DemoStory:
    blog_id: str
    slug: str
    reader_url: str
    # False when the story was already there and nothing was posted.
    seeded: bool


def upload_photos(client: AdminClient, blog_id: str) -> dict[str, str]:
    """Every photo through the real flow: ask for an upload, then POST the file to S3 (name -> photo id)."""
    photo_ids: dict[str, str] = {}
    for name, demo_photo in PHOTOS.items():
        data = demo_photo.jpeg()
        asked = client.create(
            f"/blogs/{blog_id}/photos",
            {
                "filename": demo_photo.filename,
                "content_type": "image/jpeg",
                "byte_size": len(data),
                "caption": demo_photo.caption,
                "credit": demo_photo.credit,
                "alt": demo_photo.alt,
            },
            idempotency_key=f"photo-{name}",
        )
        upload = asked["upload"]
        # requests writes the form fields before the file, as S3's POST policy requires.
        sent = requests.post(
            upload["url"],
            data=upload["fields"],
            files={"file": (demo_photo.filename, data, "image/jpeg")},
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
        if sent.status_code not in (200, 201, 204):
            raise DemoError(
                f"S3 refused the upload of {demo_photo.filename}: {sent.status_code} {sent.text[:300]}"
            )
        photo_ids[name] = asked["photo"]["id"]
    return photo_ids


def wait_until_ready(client: AdminClient, blog_id: str, photo_id: str) -> None:
    """Poll the photo until the media function has made its renditions; a rejection is an error."""
    deadline = time.monotonic() + PHOTO_READY_SECONDS
    while True:
        photo = client.get(f"/blogs/{blog_id}/photos/{photo_id}")
        if photo["status"] == "ready":
            return
        if photo["status"] == "rejected":
            raise DemoError(f"the media function rejected {photo['filename']}: {photo['reason']}")
        if time.monotonic() > deadline:
            raise DemoError(f"{photo['filename']} is still {photo['status']} after {PHOTO_READY_SECONDS:g} s")
        time.sleep(0.1)


def _create_demo_blog(editor: AdminClient) -> Json | None:
    """The demo blog, just created as a draft; None when a blog already has its slug."""
    # Looked up before rather than learnt from a 409: a refused create is a cancelled transaction,
    # and moto 5 rolls one back by restoring a copy of the table, stream included, which leaves
    # the renderer's stream iterator on the discarded copy: nothing would be rendered any more.
    if find_blog(editor, DEMO_SLUG) is not None:
        return None
    try:
        return editor.create("/blogs", BLOG, idempotency_key="blog")
    except DemoError as exc:
        if exc.code == "slug_taken":  # another seeder created it between our lookup and our create
            return None
        raise


def seed_demo(api_url: str, cdn_url: str) -> DemoStory:
    """Post the demo story unless a blog already has its slug; either way, say where readers find it."""
    run = uuid.uuid4().hex[:12]
    editor = EDITOR.client(api_url, run)
    url = reader_url(cdn_url)
    blog = _create_demo_blog(editor)
    if blog is None:
        existing = find_blog(editor, DEMO_SLUG)
        if existing is None:
            raise DemoError(f"the slug {DEMO_SLUG!r} is taken, but no blog listed has it")
        log.info("demo story already there: %s", url)
        return DemoStory(existing["id"], DEMO_SLUG, url, seeded=False)

    blog_id = blog["id"]
    photo_ids = upload_photos(editor, blog_id)
    blog = editor.change(f"/blogs/{blog_id}", {"status": "live"}, blog["version"])
    reporter = REPORTER.client(api_url, run)
    corrections: list[tuple[Json, Mapping[str, Any]]] = []
    ready: set[str] = set()
    entries = f"/blogs/{blog_id}/entries"
    for number, item in enumerate(STORY, 1):
        # The media function works while entries go out; a photo is waited for where it is first shown.
        for name in sorted(item.photo_names - ready):
            wait_until_ready(editor, blog_id, photo_ids[name])
            ready.add(name)
        if item.from_reporter:
            draft = reporter.create(entries, item.body(photo_ids, "draft"), idempotency_key=f"entry-{number}")
            posted = editor.change(f"{entries}/{draft['id']}", {"status": "published"}, draft["version"])
        else:
            posted = editor.create(
                entries, item.body(photo_ids, "published"), idempotency_key=f"entry-{number}"
            )
        if item.pinned:
            blog = editor.change(f"/blogs/{blog_id}", {"pinned_entry_id": posted["id"]}, blog["version"])
        if item.correction:
            corrections.append((posted, item.correction))
    # Corrections come last, as they do on the day: someone reads the post and writes in.
    for posted, correction in corrections:
        editor.change(f"{entries}/{posted['id']}", dict(correction), posted["version"])
    return DemoStory(blog_id, DEMO_SLUG, url, seeded=True)


# demo-live


def post_live_update(client: AdminClient, blog_id: str, index: int) -> Json:
    """Publish the index-th live update (the list repeats) and return the entry the API created."""
    update = LIVE_UPDATES[index % len(LIVE_UPDATES)]
    return client.create(
        f"/blogs/{blog_id}/entries", update.body({}, "published"), idempotency_key=f"live-{index}"
    )


def headline(entry: Mapping[str, Any]) -> str:
    """The title, or the start of the first block's text for an untitled entry."""
    if entry.get("title"):
        return str(entry["title"])
    first = entry["blocks"][0] if entry.get("blocks") else {}
    text = unescape(re.sub(r"<[^>]*>", "", first.get("html") or first.get("text") or ""))
    return text if len(text) <= 60 else text[:59] + "…"


def live_updates(api_url: str, cdn_url: str, every: float) -> Iterator[Json]:
    """Post an update to the live demo blog (seeding it first if it is absent) every `every` seconds."""
    editor = EDITOR.client(api_url)
    blog = find_blog(editor, DEMO_SLUG, status="live")
    blog_id = blog["id"] if blog else seed_demo(api_url, cdn_url).blog_id
    for index in itertools.count():
        if index:
            time.sleep(every)
        yield post_live_update(editor, blog_id, index)

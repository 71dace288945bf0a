"""A patient's signature: strokes drawn on the canvas, or a PNG image of a signature (API).
Either must hold real ink: a blank box, a dot or an empty image is not a signature."""

from __future__ import annotations

import base64
import binascii
import io
import itertools
import math
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.translation import gettext as _
from PIL import Image

CANVAS_WIDTH, CANVAS_HEIGHT = 600, 200
MIN_SIGNATURE_LENGTH = 60  # canvas pixels of ink: a dot or a tap is not a signature
MAX_POINTS = 5000

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 100 * 1024  # a signature PNG is usually 5-30 KB
MAX_PNG_SIDE = 2400
MIN_PNG_WIDTH, MIN_PNG_HEIGHT = 60, 20
MIN_INK_PIXELS = 150  # pixels clearly darker or lighter than the background
MIN_INK_SHARE = 0.002  # …and at least 0.2 % of the image
INK_CONTRAST = 64  # grey levels away from the background colour


def signature_check(strokes: Any) -> list[list[list[float]]]:
    """A drawn signature: strokes of [x, y] points inside the canvas, with enough ink."""
    if not isinstance(strokes, list) or not strokes:
        raise ValidationError(
            {"signature": _("The signature box is empty. Ask the patient to sign.")}
        )
    ink, points, cleaned = 0.0, 0, []
    for stroke in strokes:
        if not isinstance(stroke, list):
            raise ValidationError(
                {"signature": _("The signature could not be read; clear it and sign again.")}
            )
        line = []
        for point in stroke:
            if (
                not isinstance(point, list)
                or len(point) != 2
                or not all(
                    isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                    for v in point
                )
                or not (0 <= point[0] <= CANVAS_WIDTH and 0 <= point[1] <= CANVAS_HEIGHT)
            ):
                raise ValidationError(
                    {"signature": _("The signature could not be read; clear it and sign again.")}
                )
            line.append([round(float(point[0]), 1), round(float(point[1]), 1)])
        for (x1, y1), (x2, y2) in itertools.pairwise(line):
            ink += math.hypot(x2 - x1, y2 - y1)
        points += len(line)
        cleaned.append(line)
    if points > MAX_POINTS:
        raise ValidationError(
            {"signature": _("The signature is too long; clear it and sign again.")}
        )
    if ink < MIN_SIGNATURE_LENGTH:
        raise ValidationError(
            {
                "signature": _(
                    "The signature box is empty or has only a dot. Ask the patient to sign."
                )
            }
        )
    return cleaned


def _png_error(message: str) -> ValidationError:
    return ValidationError({"signature_png": message})


def signature_png_decode(encoded: str) -> bytes:
    """The API sends the image as base64 text (standard alphabet, padding required)."""
    if len(encoded) > (MAX_PNG_BYTES * 4) // 3 + 8:
        raise _png_error(
            _("The signature image is larger than %(kb)d KB.") % {"kb": MAX_PNG_BYTES // 1024}
        )
    try:
        return base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise _png_error(_("The signature image must be a base64-encoded PNG file.")) from None


def signature_png_check(data: bytes) -> bytes:
    """A PNG, by its bytes (not its name): small, of a sensible size, and not blank.

    Transparency is laid over white; the commonest grey level is the background, and the
    pixels far enough from it are the ink. A blank or near-blank image is refused."""
    if len(data) > MAX_PNG_BYTES:
        raise _png_error(
            _("The signature image is larger than %(kb)d KB.") % {"kb": MAX_PNG_BYTES // 1024}
        )
    if not data.startswith(PNG_MAGIC):
        raise _png_error(_("The signature image is not a PNG file."))
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            width, height = image.size
            if not (
                MIN_PNG_WIDTH <= width <= MAX_PNG_SIDE and MIN_PNG_HEIGHT <= height <= MAX_PNG_SIDE
            ):
                raise _png_error(
                    _("The signature image must be between %(min)s and %(max)s pixels.")
                    % {
                        "min": f"{MIN_PNG_WIDTH}×{MIN_PNG_HEIGHT}",
                        "max": f"{MAX_PNG_SIDE}×{MAX_PNG_SIDE}",
                    }
                )
            image.verify()
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            rgba = image.convert("RGBA")
    except ValidationError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _png_error(_("The signature image is damaged or not a PNG file.")) from None
    flat = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("L")
    histogram = flat.histogram()
    background = max(range(256), key=histogram.__getitem__)
    ink = sum(
        count for level, count in enumerate(histogram) if abs(level - background) > INK_CONTRAST
    )
    if ink < MIN_INK_PIXELS or ink < MIN_INK_SHARE * width * height:
        raise _png_error(_("The signature image is blank. Send an image of the signature."))
    return data


def signature_svg(strokes: list[list[list[float]]]) -> str:
    paths = " ".join(
        "M" + " L".join(f"{x:g} {y:g}" for x, y in stroke) for stroke in strokes if stroke
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CANVAS_WIDTH} {CANVAS_HEIGHT}" class="signature" role="img" aria-label="{escape(_("Signature"))}">'
        f'<path d="{paths}" fill="none" stroke="#1c2430" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"/></svg>'
    )


def signature_data_uri(*, strokes: list[list[list[float]]], png: bytes) -> str:
    """The signature as an image address (for an <img> in pages and the PDF)."""
    if png:
        return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    svg = signature_svg(strokes)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")

"""Signature images: a PNG by its bytes, small, and with ink."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from filiform.consent.signatures import (
    MAX_PNG_BYTES,
    signature_data_uri,
    signature_png_check,
    signature_png_decode,
)
from tests.consent.helpers import SIGNATURE, png_bytes


def _image(mode: str, size: tuple[int, int], colour, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def test_a_signature_png_with_ink_is_accepted() -> None:
    data = png_bytes()
    assert signature_png_check(data) == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (png_bytes(ink=False), "blank"),
        (_image("RGB", (300, 100), "white"), "blank"),
        (_image("L", (300, 100), 0), "blank"),  # all black is no signature either
        (_image("RGB", (300, 100), "white", fmt="JPEG"), "not a PNG"),
        (b"GIF89a" + b"\0" * 100, "not a PNG"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "damaged"),
        (png_bytes()[:-30], "damaged"),
        (_image("RGB", (20, 10), "white"), "between"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (MAX_PNG_BYTES + 1), "larger than"),
    ],
)
def test_bad_signature_images_are_refused_clearly(data: bytes, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        signature_png_check(data)


def test_the_api_sends_the_image_as_base64() -> None:
    assert signature_png_decode(base64.b64encode(b"abc").decode()) == b"abc"
    with pytest.raises(ValidationError, match="base64"):
        signature_png_decode("not base64!")


def test_signature_as_an_image_address() -> None:
    assert signature_data_uri(strokes=SIGNATURE, png=b"").startswith("data:image/svg+xml;base64,")
    assert signature_data_uri(strokes=[], png=b"x").startswith("data:image/png;base64,")

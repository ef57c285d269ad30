from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from common.images import InvalidImage
from model_service.preprocessing import (
    IMAGE_SIZE,
    PRODUCT_MARGIN,
    clean_text,
    load_image,
    tokenize,
    vgg16_input,
)
from tests.factories import image_bytes, noisy_jpeg


@pytest.mark.parametrize(
    ("designation", "description", "expected"),
    [
        (
            "Piscine <b>hors-sol</b>",
            "<p>Bleue&nbsp;et   ronde</p>",
            "Piscine hors-sol Bleue et ronde",
        ),
        ("Livre", "Luc a des id&eacute;es", "Livre Luc a des idées"),
        ("Jeu", "&amp;eacute;t&amp;eacute;", "Jeu été"),  # escaped twice
        ("Tête à\tclaque\n", None, "Tête à claque"),
        (None, None, ""),
        ("a<br/>b", "", "a b"),
    ],
)
def test_clean_text(designation: str | None, description: str | None, expected: str) -> None:
    assert clean_text(designation, description) == expected


def test_tokenize_lowercases_and_keeps_accents() -> None:
    assert tokenize("Château d'EAU, 12_cm ÉTÉ") == ["château", "d", "eau", "12", "cm", "été"]


def _two_colour(width: int, height: int) -> Image.Image:
    """Left half red, right half blue."""
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    pixels[:, : width // 2] = (255, 0, 0)
    pixels[:, width // 2 :] = (0, 0, 255)
    return Image.fromarray(pixels)


def test_exif_orientation_is_applied() -> None:
    image = _two_colour(64, 32)
    exif = Image.Exif()
    exif[0x0112] = 6  # displayed rotated 90 degrees clockwise: the left half ends on top
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=95)
    pixels = load_image(out.getvalue()).astype(int)
    assert pixels.shape == (IMAGE_SIZE, IMAGE_SIZE, 3)
    top, bottom = pixels[:60].mean(axis=(0, 1)), pixels[-60:].mean(axis=(0, 1))
    assert top[0] > 200 and top[2] < 60  # red on top
    assert bottom[2] > 200 and bottom[0] < 60  # blue below


def _encoded(image: Image.Image, fmt: str, **kwargs: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def test_modes_all_become_rgb() -> None:
    rgb = _two_colour(40, 40)
    cases = {
        "grayscale": _encoded(rgb.convert("L"), "PNG"),
        "cmyk": _encoded(rgb.convert("CMYK"), "JPEG"),
        "palette": _encoded(rgb.convert("P"), "GIF"),
        "16-bit": _encoded(rgb.convert("L").convert("I;16"), "PNG"),
        "webp": _encoded(rgb, "WEBP"),
    }
    for name, data in cases.items():
        pixels = load_image(data, size=16)
        assert pixels.shape == (16, 16, 3) and pixels.dtype == np.uint8, name


def test_transparency_is_flattened_on_white() -> None:
    rgba = Image.new("RGBA", (20, 20), (255, 0, 0, 0))  # fully transparent red
    pixels = load_image(_encoded(rgba, "PNG"), size=8)
    assert (pixels == 255).all()
    palette = Image.new("P", (20, 20), 0)
    palette.putpalette([0, 0, 0] * 256)
    pixels = load_image(_encoded(palette, "PNG", transparency=0), size=8)
    assert (pixels == 255).all()


def test_animated_gif_uses_its_first_frame() -> None:
    frames = [Image.new("RGB", (10, 10), c) for c in ((0, 255, 0), (255, 0, 0))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])
    pixels = load_image(out.getvalue(), size=4)
    assert pixels[..., 1].min() > 200 and pixels[..., 0].max() < 60


def _product_on_a_page(page: int, box: tuple[int, int, int, int]) -> bytes:
    """A white page with a red product (left half) and a blue one (right half) in ``box``."""
    pixels = np.full((page, page, 3), 255, np.uint8)
    x0, y0, x1, y1 = box
    pixels[y0:y1, x0 : (x0 + x1) // 2] = (255, 0, 0)
    pixels[y0:y1, (x0 + x1) // 2 : x1] = (0, 0, 255)
    return _encoded(Image.fromarray(pixels), "PNG")


def test_product_framing_crops_the_white_page_to_the_product() -> None:
    data = _product_on_a_page(400, (100, 150, 200, 250))  # a 100 px square product
    whole = load_image(data, size=100, framing="whole")
    framed = load_image(data, size=100, framing="product")
    assert (whole != 255).any(axis=2).mean() < 0.1  # a small product on a big page
    margin = round(100 * PRODUCT_MARGIN)
    inside = framed[margin + 2 : -margin - 2, margin + 2 : -margin - 2]
    assert (inside != 255).any(axis=2).all()  # the product fills all but the margin
    assert (framed[: margin - 1] == 255).all() and (framed[:, -margin + 1 :] == 255).all()
    assert framed[50, margin + 5, 0] > 200 and framed[50, -margin - 5, 2] > 200  # red | blue


def test_product_framing_keeps_a_wide_product_square_and_centred() -> None:
    framed = load_image(_product_on_a_page(400, (0, 180, 400, 220)), size=100, framing="product")
    rows = np.flatnonzero((framed != 255).any(axis=2).any(axis=1))
    assert 40 <= rows[0] and rows[-1] <= 60  # not stretched: a band across the middle
    assert (framed[50] != 255).any(axis=1).all()  # and the whole width


def test_product_framing_leaves_full_and_blank_photos_whole() -> None:
    full = _encoded(_two_colour(64, 64), "PNG")
    np.testing.assert_array_equal(
        load_image(full, size=32, framing="product"), load_image(full, size=32)
    )
    blank = _encoded(Image.new("RGB", (64, 64), (255, 255, 255)), "PNG")
    assert (load_image(blank, size=32, framing="product") == 255).all()
    with pytest.raises(ValueError, match="framing"):
        load_image(full, framing="zoomed")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not an image", "unsupported_media_type"),
        (image_bytes("BMP"), "unsupported_media_type"),
        (image_bytes("PNG", size=(2000, 2000)), "image_too_large"),
        (noisy_jpeg()[:20_000], "invalid_image"),
    ],
)
def test_bad_images_are_refused_with_a_code(data: bytes, code: str) -> None:
    with pytest.raises(InvalidImage) as caught:
        load_image(data, max_pixels=1_000_000)
    assert caught.value.code == code


def test_vgg16_input_matches_keras() -> None:
    from keras.applications.vgg16 import preprocess_input

    pixels = np.random.default_rng(0).integers(0, 256, (2, 5, 5, 3), dtype=np.uint8)
    expected = preprocess_input(pixels.astype(np.float32))
    np.testing.assert_allclose(vgg16_input(pixels), expected, rtol=1e-6)

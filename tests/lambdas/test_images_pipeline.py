"""The image pipeline (libvips) on real generated images: every kind of input the service
meets, what it makes of each, and how it refuses what it cannot take."""

from __future__ import annotations

import io

import image_samples as samples
import pytest
import pyvips
from images import pipeline
from PIL import Image, ImageOps

WIDTHS = (320, 960, 1920)


def decoded(body: bytes) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(body, "")


def near(pixel: object, expected: tuple[int, ...], tolerance: int) -> bool:
    values = list(pixel)[: len(expected)]  # type: ignore[call-overload]
    return all(abs(a - b) <= tolerance for a, b in zip(values, expected, strict=True))


def by_format(outputs: list[pipeline.Encoded]) -> dict[tuple[int, str], pipeline.Encoded]:
    return {(o.width, o.format): o for o in outputs}


def test_a_photo_gets_each_width_in_jpeg_webp_and_avif() -> None:
    # GIVEN a 2400 x 1600 JPEG
    outputs = pipeline.derivatives(samples.jpeg(2400, 1600), WIDTHS)

    # THEN there are 3 widths x 3 formats, each really that format and size
    assert sorted(by_format(outputs)) == sorted(
        (w, f) for w in WIDTHS for f in ("jpeg", "webp", "avif")
    )
    for output in outputs:
        image = decoded(output.body)
        assert (image.width, image.height) == (output.width, output.height)
        assert output.height == round(output.width * 1600 / 2400)
        assert str(image.get("vips-loader")).startswith(
            {"jpeg": "jpegload", "webp": "webpload", "avif": "heifload"}[output.format]
        )


def test_images_are_never_enlarged() -> None:
    # GIVEN an image narrower than the largest derivative
    outputs = pipeline.derivatives(samples.jpeg(700, 500), WIDTHS)
    # THEN the wider derivatives keep its own size
    assert {o.width for o in outputs} == {320, 700}


def test_metadata_is_stripped_but_the_colour_profile_kept() -> None:
    # GIVEN a JPEG with EXIF (camera, GPS), XMP and an ICC profile
    source = samples.jpeg_with_metadata()
    assert {"exif-data", "xmp-data", "icc-profile-data"} <= set(decoded(source).get_fields())

    for output in pipeline.derivatives(source, WIDTHS):
        fields = set(decoded(output.body).get_fields())
        # THEN every derivative has the profile and none of the rest
        assert "icc-profile-data" in fields, output.format
        assert not fields & {"exif-data", "xmp-data", "iptc-data"}, (output.format, fields)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_to_the_pixels(orientation: int) -> None:
    # GIVEN four coloured quadrants stored with an EXIF orientation
    source = samples.oriented_jpeg(orientation)
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(source))).convert("RGB")

    # WHEN its derivatives are made (JPEG checked: the others are the same pixels)
    [output] = [o for o in pipeline.derivatives(source, (320,)) if o.format == "jpeg"]
    ours = Image.open(io.BytesIO(output.body)).convert("RGB")

    # THEN it looks as Pillow's own transposition says it should, with no orientation left
    assert ours.size == expected.size
    assert 0x0112 not in ours.getexif()
    for fx, fy in ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)):
        x, y = int(ours.width * fx), int(ours.height * fy)
        got, want = ours.getpixel((x, y)), expected.getpixel((x, y))
        assert all(abs(a - b) < 40 for a, b in zip(got, want, strict=True)), (fx, fy, got, want)


def test_png_alpha_is_kept_where_the_format_can_and_flattened_on_white_for_jpeg() -> None:
    # GIVEN a PNG whose right half is transparent
    outputs = by_format(pipeline.derivatives(samples.png_with_alpha(), (320,)))
    assert pipeline.inspect(samples.png_with_alpha()).has_alpha

    # THEN WebP and AVIF keep the alpha; the JPEG's transparent half is white
    for image_format in ("webp", "avif"):
        assert decoded(outputs[(320, image_format)].body).hasalpha(), image_format
    jpeg = Image.open(io.BytesIO(outputs[(320, "jpeg")].body)).convert("RGB")
    assert all(c > 240 for c in jpeg.getpixel((300, 100)))
    assert jpeg.getpixel((20, 100))[2] > 200  # the opaque blue half


def test_webp_input() -> None:
    info = pipeline.inspect(samples.webp())
    assert (info.format, info.width, info.height) == ("webp", 800, 600)
    assert len(pipeline.derivatives(samples.webp(), WIDTHS)) == 6  # 320 and 800, 3 formats


def test_animated_gif_gives_its_first_frame_and_counts_the_frames() -> None:
    # GIVEN a three-frame GIF: red, green, blue
    source = samples.animated_gif()
    info = pipeline.inspect(source)
    assert (info.format, info.frames, info.width, info.height) == ("gif", 3, 120, 80)

    # THEN the derivatives are the first (red) frame only
    [output] = [o for o in pipeline.derivatives(source, (320,)) if o.format == "jpeg"]
    image = Image.open(io.BytesIO(output.body)).convert("RGB")
    assert image.size == (120, 80)
    assert near(image.getpixel((60, 40)), (255, 0, 0), 60)


def test_16_bit_png_becomes_8_bit_with_the_same_colour() -> None:
    outputs = by_format(pipeline.derivatives(samples.png_16_bit(), (320,)))
    image = decoded(outputs[(300, "jpeg")].body) if (300, "jpeg") in outputs else None
    assert image is not None
    assert image.format == "uchar"
    # 50000/257 = 195, 20000/257 = 78, 5000/257 = 19
    assert near(image.getpoint(150, 100), (195, 78, 19), 6)


def test_cmyk_jpeg_is_converted_to_rgb() -> None:
    source = samples.cmyk_jpeg()
    assert decoded(source).interpretation == "cmyk"
    for output in pipeline.derivatives(source, (320,)):
        image = decoded(output.body)
        assert (image.interpretation, image.bands) == ("srgb", 3), output.format
        assert near(image.getpoint(100, 100), (237, 28, 36), 45)  # C0 M100 Y100 K0: red


def test_a_one_pixel_image() -> None:
    outputs = pipeline.derivatives(samples.one_pixel(), WIDTHS)
    assert {(o.width, o.height) for o in outputs} == {(1, 1)}
    assert len(outputs) == 3


def test_a_pixel_bomb_is_refused_from_its_header() -> None:
    # GIVEN 20,000 x 20,000 pixels in a few hundred KB of PNG
    bomb = samples.pixel_bomb()
    assert len(bomb) < 1_000_000
    # THEN it is refused as too large (413) before anything is decoded
    with pytest.raises(pipeline.ImageTooLarge, match="20000 x 20000 pixels") as refused:
        pipeline.inspect(bomb)
    assert refused.value.status == 413


def test_a_truncated_jpeg_is_refused_not_half_grey() -> None:
    truncated = samples.truncated_jpeg()
    pipeline.inspect(truncated)  # the header is intact
    with pytest.raises(pipeline.BadImage, match="truncated or corrupt") as refused:
        pipeline.derivatives(truncated, WIDTHS)
    assert refused.value.status == 400


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (samples.text_named_jpg(), "not an image in a supported format"),
        (b"", "empty"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 40, "not an image"),
    ],
    ids=["text-named-jpg", "empty", "jpeg-magic-only"],
)
def test_what_is_not_an_image_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(pipeline.BadImage, match=message):
        pipeline.inspect(data)


def test_unsupported_formats_are_415() -> None:
    # GIVEN a format libvips reads but the service does not take (SVG)
    with pytest.raises(pipeline.UnsupportedImage, match="svg images are not supported") as refused:
        pipeline.inspect(samples.svg())
    assert refused.value.status == 415


# -- on-demand transforms -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "size"),
    [
        ({"w": "300"}, (300, 200)),
        ({"h": "100"}, (150, 100)),
        ({"w": "300", "h": "300"}, (300, 200)),
        ({"w": "300", "h": "300", "fit": "cover"}, (300, 300)),
        ({"w": "300", "h": "300", "fit": "contain"}, (300, 300)),
        ({"w": "300", "h": "50", "fit": "fill"}, (300, 50)),
        ({"w": "5000"}, (1200, 800)),  # clamped to 4096, then never enlarged
        ({}, (1200, 800)),
    ],
)
def test_transform_sizes(params: dict[str, str], size: tuple[int, int]) -> None:
    request = pipeline.parse_transform({**params, "format": "png"}, None)
    result = pipeline.transform(samples.jpeg(1200, 800), request)
    assert (result.width, result.height) == size
    assert (decoded(result.body).width, decoded(result.body).height) == size


def test_requested_sizes_are_clamped() -> None:
    request = pipeline.parse_transform({"w": "99999", "h": "20000"}, None)
    assert (request.width, request.height) == (pipeline.MAX_DIMENSION, pipeline.MAX_DIMENSION)


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("image/avif,image/webp,image/apng,image/*,*/*;q=0.8", "avif"),
        ("image/webp,*/*", "webp"),
        ("image/avif;q=0, image/webp", "webp"),
        ("*/*", "jpeg"),
        (None, "jpeg"),
    ],
)
def test_format_auto_follows_accept(accept: str | None, chosen: str) -> None:
    request = pipeline.parse_transform({"w": "100", "format": "auto"}, accept)
    assert (request.format, request.auto) == (chosen, True)
    result = pipeline.transform(samples.jpeg(400, 300), request)
    assert result.content_type == f"image/{chosen}"


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"w": "abc"}, "w"),
        ({"w": "0"}, "w"),
        ({"w": "-5"}, "w"),
        ({"h": "1.5"}, "h"),
        ({"fit": "stretch"}, "fit"),
        ({"w": "10", "fit": "cover"}, "fit"),
        ({"format": "bmp"}, "format"),
        ({"q": "0"}, "q"),
        ({"q": "101"}, "q"),
        ({"q": "high"}, "q"),
    ],
)
def test_out_of_range_parameters_are_400(params: dict[str, str], parameter: str) -> None:
    with pytest.raises(pipeline.BadParameter) as refused:
        pipeline.parse_transform(params, None)
    assert (refused.value.parameter, refused.value.status) == (parameter, 400)


def test_quality_changes_the_size() -> None:
    source = samples.jpeg(800, 600)
    low = pipeline.transform(source, pipeline.parse_transform({"format": "jpeg", "q": "20"}, None))
    high = pipeline.transform(source, pipeline.parse_transform({"format": "jpeg", "q": "95"}, None))
    assert len(low.body) * 2 < len(high.body)


def test_digest_differs_for_each_transform_and_format() -> None:
    a = pipeline.parse_transform({"w": "100", "format": "webp"}, None)
    b = pipeline.parse_transform({"w": "100", "format": "avif"}, None)
    c = pipeline.parse_transform({"w": "101", "format": "webp"}, None)
    assert len({a.digest("uploads/x"), b.digest("uploads/x"), c.digest("uploads/x")}) == 3
    assert a.digest("uploads/x") != a.digest("uploads/y")

"""The image work, with libvips (pyvips): what an upload is, its derivatives, an on-demand
transform. Plain Python: knows nothing of Lambda, S3 or DynamoDB.

Why libvips, and these settings (measured by ``bench/image.py``; README "Image processing"):

- Decoding shrinks on load: ``thumbnail`` asks the JPEG decoder for a 1/2, 1/4 or 1/8 scale
  image and streams the rest, so a 24 MP photo is never held whole in memory. The largest
  derivative is made from the upload; the smaller ones from the largest, in memory.
- AVIF is encoded at effort 1 and Q 45: at 1920 px 20-30 times faster than the default
  effort 4, its file 1.6 times larger, and still half the WebP's size (effort 3 would make it
  35% smaller for 3-6 times the time: README, "Image processing"). WebP at effort 0: the same
  size and quality as effort 2 in 60% of the time. The encoders run on a thread pool (libvips
  releases the GIL); a Lambda function of 1769 MB and more has a whole vCPU or more.
- Output keeps the colour profile and nothing else of the metadata (EXIF with its GPS
  position, XMP, IPTC): ``keep="icc"``. EXIF orientation is applied to the pixels first.
- Animated images (GIF, WebP) give their first frame.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pyvips

# Decompression bombs: more pixels than this are refused before decoding (a 20,000 x 20,000
# PNG of a few hundred KB would need 1.2 GB as RGB). 100 MP admits every camera on the market.
MAX_PIXELS = 100_000_000
# The largest side an on-demand transform may ask for; larger requests are clamped to it.
MAX_DIMENSION = 4096
# libvips' "no limit" for a thumbnail's other side.
_UNBOUNDED = 10_000_000

# What libvips' loaders are called, and the format name we record for each.
LOADERS = {
    "jpegload": "jpeg",
    "pngload": "png",
    "webpload": "webp",
    "gifload": "gif",
    "heifload": "heif",
    "tiffload": "tiff",
}
# Derivative formats: (extension, content type).
FORMATS = {
    "jpeg": ("jpg", "image/jpeg"),
    "webp": ("webp", "image/webp"),
    "avif": ("avif", "image/avif"),
    "png": ("png", "image/png"),
}
DERIVATIVE_FORMATS = ("jpeg", "webp", "avif")
DEFAULT_QUALITY = {"jpeg": 80, "webp": 80, "avif": 45, "png": 100}
FITS = ("inside", "cover", "contain", "fill")
# Keep the colour profile only (libvips' ForeignKeep.ICC).
_KEEP_ICC = "icc"


class BadImage(ValueError):
    """The input is not an image we can process; ``status`` is the HTTP status it means."""

    status = 400

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnsupportedImage(BadImage):
    status = 415


class ImageTooLarge(BadImage):
    status = 413


@dataclass(frozen=True)
class ImageInfo:
    """What an upload is: its format and its displayed size (after EXIF orientation)."""

    format: str
    width: int
    height: int
    frames: int
    has_alpha: bool


@dataclass(frozen=True)
class Encoded:
    width: int
    height: int
    format: str
    body: bytes

    @property
    def content_type(self) -> str:
        return FORMATS[self.format][1]

    @property
    def extension(self) -> str:
        return FORMATS[self.format][0]


def configure(*, cache_max_mem: int = 64 * 1024 * 1024) -> None:
    """libvips' operation cache holds recent results; a function handles one image at a time,
    so a small cache bounds memory without costing speed."""
    pyvips.cache_set_max_mem(cache_max_mem)


def inspect(data: bytes, *, max_pixels: int = MAX_PIXELS) -> ImageInfo:
    """Read the header only: the format, the size, the frames. Raises a :class:`BadImage`
    for what is not an image, a format we do not take, or a decompression bomb."""
    if not data:
        raise BadImage("the file is empty")
    try:
        image = pyvips.Image.new_from_buffer(data, "", access="sequential")
    except pyvips.Error:
        raise UnsupportedImage(
            "not an image in a supported format (JPEG, PNG, WebP, GIF, AVIF, TIFF)"
        ) from None
    loader = str(image.get("vips-loader")).removesuffix("_buffer")
    image_format = LOADERS.get(loader)
    if image_format is None:
        raise UnsupportedImage(f"{loader.removesuffix('load')} images are not supported")
    fields = set(image.get_fields())
    frames = int(image.get("n-pages")) if "n-pages" in fields else 1
    if image_format == "heif" and "heif-compression" in fields:
        compression = str(image.get("heif-compression"))
        image_format = "avif" if compression == "av1" else "heic"
    width, height = image.width, image.height
    if width * height > max_pixels:
        raise ImageTooLarge(
            f"{width} x {height} pixels is more than the {max_pixels:,} this service decodes"
        )
    orientation = int(image.get("orientation")) if "orientation" in fields else 1
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return ImageInfo(
        format=image_format,
        width=width,
        height=height,
        frames=frames,
        has_alpha=bool(image.hasalpha()),
    )


def _decode_error(error: pyvips.Error) -> BadImage:
    detail = str(error).strip().splitlines()[-1].strip() if str(error).strip() else "decoding"
    return BadImage(f"the image is truncated or corrupt ({detail})")


def _saveable(image: pyvips.Image, image_format: str) -> pyvips.Image:
    """8-bit sRGB (or grey) with alpha only where the format keeps it: 16-bit PNGs are
    scaled, CMYK was already converted by ``thumbnail``, alpha is flattened onto white for
    JPEG."""
    if image.interpretation in ("rgb16", "grey16"):
        image = image.colourspace("srgb" if image.interpretation == "rgb16" else "b-w")
    elif image.format != "uchar":
        image = image.cast("uchar")
    if image_format == "jpeg" and image.hasalpha():
        image = image.flatten(background=[255] * (image.bands - 1))
    return image


def encode(image: pyvips.Image, image_format: str, quality: int | None = None) -> bytes:
    """``image`` in ``image_format`` at ``quality`` (the format's default if None), with its
    colour profile and no other metadata."""
    q = quality or DEFAULT_QUALITY[image_format]
    image = _saveable(image, image_format)
    result: Any
    if image_format == "jpeg":
        result = image.jpegsave_buffer(Q=q, optimize_coding=True, keep=_KEEP_ICC)
    elif image_format == "webp":
        result = image.webpsave_buffer(Q=q, effort=0, keep=_KEEP_ICC)
    elif image_format == "avif":
        result = image.heifsave_buffer(Q=q, compression="av1", effort=1, bitdepth=8, keep=_KEEP_ICC)
    elif image_format == "png":
        result = image.pngsave_buffer(compression=3, keep=_KEEP_ICC)
    else:
        raise ValueError(f"unknown format {image_format}")
    return bytes(result)


def _thumbnail(data: bytes, width: int, height: int = _UNBOUNDED, **options: Any) -> pyvips.Image:
    """Decode with shrink-on-load, apply the EXIF orientation, convert CMYK to sRGB and keep
    the result in memory (a truncated file fails here, not half-grey)."""
    try:
        image = pyvips.Image.thumbnail_buffer(
            data, width, height=height, option_string="fail_on=truncated", **options
        )
        return image.copy_memory()
    except pyvips.Error as error:
        raise _decode_error(error) from None


def _workers() -> int:
    return max(2, min(4, os.cpu_count() or 1))


def derivatives(
    data: bytes,
    widths: Sequence[int],
    formats: Sequence[str] = DERIVATIVE_FORMATS,
) -> list[Encoded]:
    """Each width in each format, never wider than the image itself; the largest is made from
    the upload (shrink-on-load), the others from the largest."""
    widest = max(widths)
    largest = _thumbnail(data, widest, size="down")
    # By actual width: widths the image cannot reach all become its own size, once.
    sized: dict[int, pyvips.Image] = {largest.width: largest}
    for width in sorted(set(widths), reverse=True):
        if width < largest.width:
            sized[width] = largest.thumbnail_image(width, height=_UNBOUNDED).copy_memory()
    jobs = [(width, image_format) for width in sorted(sized) for image_format in formats]

    def run(job: tuple[int, str]) -> Encoded:
        width, image_format = job
        image = sized[width]
        return Encoded(image.width, image.height, image_format, encode(image, image_format))

    try:
        with ThreadPoolExecutor(max_workers=_workers()) as pool:
            return list(pool.map(run, jobs))
    except pyvips.Error as error:
        raise _decode_error(error) from None


# -- on-demand transforms ---------------------------------------------------------------------


@dataclass(frozen=True)
class TransformRequest:
    """What ``?w=&h=&fit=&format=&q=`` asks for, checked and clamped. ``format`` is concrete
    (``auto`` already resolved from ``Accept``); ``auto`` records that it was asked for."""

    width: int | None
    height: int | None
    fit: str
    format: str
    quality: int | None
    auto: bool = False

    def digest(self, source: str) -> str:
        """A stable name for this transform of ``source`` (the cache key of its result)."""
        text = f"{source}|{self.width}|{self.height}|{self.fit}|{self.format}|{self.quality}"
        return hashlib.sha256(text.encode()).hexdigest()[:40]


class BadParameter(BadImage):
    status = 400

    def __init__(self, reason: str, parameter: str) -> None:
        super().__init__(reason)
        self.parameter = parameter


def _dimension(params: dict[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise BadParameter(f"{name} must be a positive whole number of pixels", name)
    value = int(raw)
    if value < 1:
        raise BadParameter(f"{name} must be at least 1", name)
    return min(value, MAX_DIMENSION)


def pick_format(accept: str | None) -> str:
    """format=auto: AVIF if the client takes it, else WebP, else JPEG."""
    accepted = {
        part.split(";", 1)[0].strip().lower()
        for part in (accept or "").split(",")
        if "q=0" not in part.replace(" ", "").split(";", 1)[-1]
    }
    if "image/avif" in accepted:
        return "avif"
    if "image/webp" in accepted:
        return "webp"
    return "jpeg"


def parse_transform(params: dict[str, str], accept: str | None) -> TransformRequest:
    """The transform a query asks for; a :class:`BadParameter` for a value out of range.
    Widths and heights above :data:`MAX_DIMENSION` are clamped to it."""
    width, height = _dimension(params, "w"), _dimension(params, "h")
    fit = params.get("fit") or "inside"
    if fit not in FITS:
        raise BadParameter(f"fit must be one of {', '.join(FITS)}", "fit")
    if fit in ("cover", "contain", "fill") and (width is None or height is None):
        raise BadParameter(f"fit={fit} needs both w and h", "fit")
    asked = (params.get("format") or "auto").lower()
    if asked == "jpg":
        asked = "jpeg"
    if asked != "auto" and asked not in FORMATS:
        raise BadParameter(f"format must be auto or one of {', '.join(FORMATS)}", "format")
    image_format = pick_format(accept) if asked == "auto" else asked
    quality: int | None = None
    raw_q = params.get("q")
    if raw_q:
        if not raw_q.isdigit() or not 1 <= int(raw_q) <= 100:
            raise BadParameter("q must be a whole number from 1 to 100", "q")
        quality = int(raw_q)
    return TransformRequest(width, height, fit, image_format, quality, auto=asked == "auto")


def transform(data: bytes, request: TransformRequest, *, max_pixels: int = MAX_PIXELS) -> Encoded:
    """One on-demand result: never enlarged beyond the original, never larger than
    :data:`MAX_DIMENSION` on a side."""
    info = inspect(data, max_pixels=max_pixels)
    box_w = request.width or min(info.width, MAX_DIMENSION)
    box_h = request.height or (MAX_DIMENSION if request.width else min(info.height, MAX_DIMENSION))
    if request.fit == "cover":
        image = _thumbnail(data, box_w, box_h, crop="centre", size="both")
    elif request.fit == "fill":
        image = _thumbnail(data, box_w, box_h, size="force")
    else:
        image = _saveable(_thumbnail(data, box_w, box_h, size="down"), request.format)
        if request.fit == "contain" and (image.width, image.height) != (box_w, box_h):
            alpha = request.format != "jpeg"
            if alpha and not image.hasalpha():
                image = image.bandjoin(255)
            background = [255] * (image.bands - 1) + [0 if alpha else 255]
            image = image.gravity(
                "centre", box_w, box_h, extend="background", background=background
            )
    try:
        body = encode(image, request.format, request.quality)
    except pyvips.Error as error:
        raise _decode_error(error) from None
    return Encoded(image.width, image.height, request.format, body)

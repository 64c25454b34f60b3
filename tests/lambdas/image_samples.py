"""Real images, generated for the image tests (Pillow and libvips, never fixtures on disk):
each kind the issue names, made small enough to be quick."""

from __future__ import annotations

import io

import pyvips
from PIL import Image, ImageCms

# The four quadrants of the orientation sample (stored pixels): top-left red, top-right
# green, bottom-left blue, bottom-right white.
QUADRANTS = ((255, 0, 0), (0, 200, 0), (0, 0, 255), (255, 255, 255))


def _save(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def photo(width: int = 1200, height: int = 800) -> pyvips.Image:
    """A photo-like picture: smooth colour fields with fine texture."""
    p = (
        pyvips.Image.perlin(width, height, cell_size=128) * 0.7
        + pyvips.Image.perlin(width, height, cell_size=16) * 0.3
    )
    p = (p + 1) * 127
    x = pyvips.Image.xyz(width, height)
    image = p.bandjoin([p * 0.6 + x[0] * 100 / width, (255 - p) * 0.8 + x[1] * 50 / height])
    return image.cast("uchar").copy(interpretation="srgb")


def jpeg(width: int = 1200, height: int = 800, **options: object) -> bytes:
    return bytes(photo(width, height).jpegsave_buffer(Q=90, **options))


def srgb_profile() -> bytes:
    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def jpeg_with_metadata() -> bytes:
    """A JPEG with EXIF (camera, GPS position), XMP and an ICC profile."""
    image = Image.new("RGB", (640, 480), (120, 140, 160))
    exif = Image.Exif()
    exif[0x010F] = "ReferenceCam"  # Make
    exif[0x0110] = "Model 1"  # Model
    exif[0x8825] = {1: "N", 2: (40.0, 25.0, 0.0), 3: "W", 4: (3.0, 42.0, 0.0)}  # GPS
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    return _save(
        image, "JPEG", quality=90, exif=exif.tobytes(), icc_profile=srgb_profile(), xmp=xmp
    )


def png_with_alpha() -> bytes:
    image = Image.new("RGBA", (400, 300), (255, 0, 0, 0))
    for x in range(200):
        for y in range(300):
            image.putpixel((x, y), (0, 0, 255, 255))
    return _save(image, "PNG")


def webp() -> bytes:
    return bytes(photo(800, 600).webpsave_buffer(Q=85))


def animated_gif() -> bytes:
    """Three frames: red, green, blue."""
    frames = [Image.new("RGB", (120, 80), colour) for colour in QUADRANTS[:3]]
    return _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def png_16_bit() -> bytes:
    image = pyvips.Image.black(300, 200, bands=3).linear([1, 1, 1], [50_000, 20_000, 5_000])
    image = image.cast("ushort")
    return bytes(image.copy(interpretation="rgb16").pngsave_buffer(bitdepth=16))


def cmyk_jpeg() -> bytes:
    return _save(Image.new("CMYK", (320, 240), (0, 255, 255, 0)), "JPEG", quality=90)


def oriented_jpeg(orientation: int) -> bytes:
    """An 80 x 40 picture of four coloured quadrants (stored pixels), tagged with an EXIF
    orientation (1-8)."""
    image = Image.new("RGB", (80, 40))
    for index, colour in enumerate(QUADRANTS):
        left, top = (index % 2) * 40, (index // 2) * 20
        image.paste(colour, (left, top, left + 40, top + 20))
    exif = Image.Exif()
    exif[0x0112] = orientation
    return _save(image, "JPEG", quality=95, exif=exif.tobytes())


def one_pixel() -> bytes:
    return _save(Image.new("RGB", (1, 1), (10, 200, 30)), "PNG")


def pixel_bomb() -> bytes:
    """20,000 x 20,000 black pixels: a few hundred KB of PNG, 1.2 GB decoded as RGB."""
    return bytes(pyvips.Image.black(20_000, 20_000).pngsave_buffer(compression=9))


def truncated_jpeg() -> bytes:
    whole = jpeg(600, 400)
    return whole[: len(whole) // 2]


def text_named_jpg() -> bytes:
    return b"This is a shopping list, not a photo.\n- milk\n- bread\n"


def noise_jpeg(side: int = 2400) -> bytes:
    """Colour noise: a PNG of it (``format=png``) is far over Lambda's response limit."""
    bands = [pyvips.Image.gaussnoise(side, side, sigma=80, mean=128) for _ in range(3)]
    image = bands[0].bandjoin(bands[1:]).cast("uchar").copy(interpretation="srgb")
    return bytes(image.jpegsave_buffer(Q=75))


def svg() -> bytes:
    """A format libvips reads but the service does not take (scripts, entities, any size)."""
    return (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50">'
        b'<rect width="100" height="50" fill="red"/></svg>'
    )

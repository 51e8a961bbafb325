"""Test images and hostile files, made at test time with Pillow or by hand (no downloads)."""

import functools
import io
import struct
import zlib

from PIL import Image, ImageDraw

CAMERA_SERIAL = "SERIAL-4242-XYZ"
GPS_IFD = 0x8825
EXIF_IFD = 0x8769


def photo_bytes(size=(1600, 900), fmt="JPEG", color=(30, 90, 160), mode="RGB", **save_options):
    """A picture with some detail (a gradient and a few shapes), so encoders have work to do."""
    image = Image.new(mode, size, color if mode != "RGBA" else (*color, 255))
    draw = ImageDraw.Draw(image)
    width, height = size
    for x in range(0, width, max(1, width // 40)):
        draw.line([(x, 0), (x, height)], fill=(x * 255 // width, 120, 200 - x * 150 // width))
    draw.ellipse([width * 0.2, height * 0.2, width * 0.5, height * 0.8], fill=(240, 200, 40))
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save_options)
    return buffer.getvalue()


def marker_image_bytes(size, marker_at, marker_color=(255, 0, 0), fmt="PNG"):
    """A grey picture with one coloured square (40 px) at the fractions `marker_at`."""
    image = Image.new("RGB", size, (128, 128, 128))
    x, y = marker_at[0] * size[0], marker_at[1] * size[1]
    ImageDraw.Draw(image).rectangle([x - 20, y - 20, x + 20, y + 20], fill=marker_color)
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def exif_gps_jpeg(orientation=6, size=(800, 600)):
    """A phone photo: GPS position, camera make, model, serial number, orientation, XMP and ICC."""
    image = Image.new("RGB", size, (200, 30, 30))
    ImageDraw.Draw(image).rectangle([0, 0, size[0] // 4, size[1] // 4], fill=(0, 200, 0))  # top-left marker
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15 Pro"  # Model
    exif[0x0112] = orientation
    exif.get_ifd(EXIF_IFD)[0xA431] = CAMERA_SERIAL  # BodySerialNumber
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 24.0)
    gps[3] = "E"
    gps[4] = (2.0, 21.0, 3.0)
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><serial>{CAMERA_SERIAL}</serial></x:xmpmeta>'.encode()
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), xmp=xmp, icc_profile=icc, quality=90)
    return buffer.getvalue()


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_by_hand(width, height, raw_rows, bit_depth=8, color_type=0):
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(raw_rows, 9))
        + _png_chunk(b"IEND", b"")
    )


def huge_header_png():
    """A 30,000 × 30,000 PNG header (900 megapixels) with almost no data behind it."""
    return png_by_hand(30_000, 30_000, b"\x00" * 1000)


@functools.cache
def decompression_bomb_png():
    """A real, complete 1-bit 20,000 × 20,000 PNG: a few tens of kilobytes, 400 megapixels decoded."""
    width = height = 20_000
    row = b"\x00" + b"\x00" * (width // 8)
    return png_by_hand(width, height, row * height, bit_depth=1)


@functools.cache
def small_bomb_png():
    """8,000 × 8,000 (64 megapixels): under Pillow's own alarm, over the site's 50-megapixel limit."""
    width = height = 8_000
    return png_by_hand(width, height, (b"\x00" + b"\x00" * (width // 8)) * height, bit_depth=1)


def truncated_jpeg():
    data = photo_bytes()
    return data[: len(data) // 2]


def png_bad_crc():
    """A PNG whose image data was damaged after its checksum was written."""
    data = bytearray(photo_bytes(size=(64, 64), fmt="PNG"))
    start = data.index(b"IDAT") + 4
    data[start + 10] ^= 0xFF
    return bytes(data)


def png_bad_header_crc():
    data = bytearray(photo_bytes(size=(64, 64), fmt="PNG"))
    crc_at = data.index(b"IHDR") + 4 + 13
    data[crc_at] ^= 0xFF
    return bytes(data)


def pdf_bytes():
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def html_bytes():
    return b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def php_bytes():
    return b"<?php system($_GET['cmd']); ?>"


def gif_php_polyglot():
    """A GIF header followed by PHP: the classic "it starts like an image" upload."""
    return b"GIF89a\x01\x00\x01\x00\x80\x00\x00<?php system($_GET['cmd']); ?>"


def svg_with_script():
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
        b'<script>alert(1)</script><rect width="100" height="100" fill="red"/></svg>'
    )


def gif_many_frames(frames=5000):
    """A 1 × 1 GIF animation written byte by byte (Pillow takes seconds to build 5,000 frames)."""
    header = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    loop = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    delay = b"\x21\xf9\x04\x00\x02\x00\x00\x00"  # 20 ms per frame
    frame = delay + b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return header + loop + frame * frames + b"\x3b"


def animated_gif(frames=3, size=(120, 80)):
    colors = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    images = [Image.new("RGB", size, colors[i % 3]) for i in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0, comment=b"secret")
    return buffer.getvalue()


# name, file name as uploaded, bytes factory, error code expected from the service
HOSTILE = [
    ("truncated JPEG", "photo.jpg", truncated_jpeg, "broken"),
    ("PNG with a bad data CRC", "chart.png", png_bad_crc, "broken"),
    ("PNG with a bad header CRC", "chart.png", png_bad_header_crc, "not_an_image"),
    ("PDF named .jpg", "scan.jpg", pdf_bytes, "not_an_image"),
    ("HTML named .jpg", "photo.jpg", html_bytes, "not_an_image"),
    ("PHP named .png", "shell.png", php_bytes, "not_an_image"),
    ("GIF header with PHP", "shell.gif", gif_php_polyglot, "not_an_image"),
    ("SVG with a script", "logo.svg", svg_with_script, "not_an_image"),
    ("SVG with a script named .png", "logo.png", svg_with_script, "not_an_image"),
    ("GIF with 5,000 frames", "loop.gif", gif_many_frames, "too_many_frames"),
    ("30,000 x 30,000 image", "huge.png", huge_header_png, "too_many_pixels"),
    ("decompression bomb", "bomb.png", decompression_bomb_png, "too_many_pixels"),
    ("64-megapixel bomb", "bomb.png", small_bomb_png, "too_many_pixels"),
    ("zero-byte file", "empty.jpg", lambda: b"", "empty"),
]

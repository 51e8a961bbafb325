"""The publish rule for images, and the benchmark helper staying runnable."""

import pytest

from newsroom.media.bench import bench_renditions
from newsroom.media.checks import alt_for, image_is_publishable
from newsroom.media.models import Image


@pytest.mark.parametrize(
    ("alt_text", "is_decorative", "publishable", "alt"),
    [
        ("Camry on the line at Georgetown", False, True, "Camry on the line at Georgetown"),
        ("", True, True, ""),
        ("   ", False, False, "Factory"),
        ("", False, False, "Factory"),
        ("A described image marked decorative", True, True, ""),
    ],
)
def test_alt_text_or_decorative_is_required_to_publish(alt_text, is_decorative, publishable, alt):
    image = Image(title="Factory", alt_text=alt_text, is_decorative=is_decorative)

    assert image_is_publishable(image) is publishable
    assert alt_for(image) == alt


def test_no_image_never_blocks_publishing():
    assert image_is_publishable(None)


def test_bench_reports_time_and_peak_memory():
    result = bench_renditions(megapixels=0.5)

    assert result["renditions"] == 7  # 320, 640 and 866 px wide in WebP and JPEG, plus the social card
    assert result["seconds"] > 0
    assert result["peak_rss_bytes"] >= result["baseline_rss_bytes"] > 0
    assert result["output_bytes"] > 0

"""How long a big photo takes to turn into renditions (and to be taken in), and the memory that needs.

    python -m newsroom.media.bench            # prints JSON
    from newsroom.media.bench import bench_renditions; bench_renditions(megapixels=24)

The work runs in a fresh child process so its peak resident memory is the rendition work's own,
not whatever the calling process (a test run, a shell) already held. The renditions made are
the ones a lead image needs on its first view: the 16:9 srcset in WebP and JPEG, and the
1200-px social card.
"""

import io
import json
import multiprocessing
import resource
import sys
import time
import tracemalloc
from types import SimpleNamespace


def make_photo_jpeg(megapixels=24, quality=90):
    """A 3:2 camera-sized JPEG with grain, so the encoder and decoder have real work."""
    from PIL import Image, ImageOps

    width = round((megapixels * 1_000_000 * 3 / 2) ** 0.5)
    height = round(width * 2 / 3)
    grain = Image.effect_noise((width, height), 32)
    sky = ImageOps.colorize(Image.linear_gradient("L").resize((width, height)), (20, 40, 90), (250, 190, 120))
    photo = Image.blend(sky, Image.merge("RGB", [grain, grain, grain]), 0.25)
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def bench_renditions(megapixels=24):
    """Seconds, peak RSS and tracemalloc peak for making a lead image's renditions from one photo."""
    source = make_photo_jpeg(megapixels)
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_measure_in_child, (source,))


def _peak_rss_bytes():
    """The process's peak resident memory: VmHWM on Linux (fresh after exec, unlike ru_maxrss)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux, bytes on macOS
    return peak if sys.platform == "darwin" else peak * 1024


def _reset_peak_rss():
    """Start the peak from the current size, so setup (Django, the test photo) is not counted."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass


def _measure_in_child(source):
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    django.setup()
    from PIL import Image

    from newsroom.media.ingest import prepare_image
    from newsroom.media.renditions import Spec, render_bytes, srcset_specs

    with Image.open(io.BytesIO(source)) as probe:
        width, height = probe.size
    original = SimpleNamespace(width=width, height=height)
    specs = [(spec, fmt) for spec in srcset_specs(original, (16, 9)) for fmt in ("webp", "jpeg")]
    specs.append((Spec.parse("fill-16x9-1200"), "jpeg"))

    rendition_figures, made = _measure(render_bytes, io.BytesIO(source), specs)
    ingest_figures, _ = _measure(prepare_image, source)
    return {
        "megapixels": round(width * height / 1_000_000, 1),
        "source_bytes": len(source),
        "renditions": len(made),
        "output_bytes": sum(len(data) for _, _, data, _, _ in made),
        **rendition_figures,
        "ingest": ingest_figures,
    }


def _measure(function, *args):
    _reset_peak_rss()
    baseline_rss = _peak_rss_bytes()
    tracemalloc.start()
    started = time.perf_counter()
    result = function(*args)
    seconds = time.perf_counter() - started
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figures = {
        "seconds": round(seconds, 3),
        "baseline_rss_bytes": baseline_rss,
        "peak_rss_bytes": _peak_rss_bytes(),
        "tracemalloc_peak_bytes": traced_peak,
    }
    return figures, result


if __name__ == "__main__":
    megapixels = float(sys.argv[1]) if len(sys.argv) > 1 else 24
    print(json.dumps(bench_renditions(megapixels), indent=2))

"""What one 24-megapixel news photo costs the media function, against the floor of decoding it once.

Generates a photo-like 6000 x 4000 JPEG (gradients, shapes, soft edges, sensor-like noise, quality
90, camera EXIF with GPS), then, each run in a fresh Python process so that peak memory belongs to
that run alone, measures
  (a) process_image() on it: every rendition, decoded, resized and encoded;
  (b) the floor: Image.open(...).load(), a plain full-size decode of the same bytes;
  (c) refusing a scan bomb of the same byte size: a 6000 x 4000 progressive JPEG whose last scan is
      repeated until the file is as large as the photo (decoding it would take hours, so only the
      refusal is timed).
Wall time is the median of 3 runs; peak memory is ru_maxrss minus the RSS after imports and a
warm-up on a tiny image (so plugin loading is not counted), the largest of the 3 runs. The photo is
generated in a child process too: Linux children inherit their parent's peak RSS, so the parent
stays small.
Prints a table and writes bench/results/photo_processing.json.
Run: .venv/bin/python bench/photo_processing.py
"""

import io
import json
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, ImageChops, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support.jpeg import scan_bomb

SIZE = (6000, 4000)
RUNS = 3
RESULTS = Path(__file__).parent / "results" / "photo_processing.json"


def photo_like_jpeg() -> bytes:
    """A scene drawn at a quarter of the size and enlarged (soft, like optics), plus full-size noise."""
    small = (SIZE[0] // 4, SIZE[1] // 4)
    sky = Image.linear_gradient("L").resize(small)
    glow = Image.radial_gradient("L").resize(small)
    scene = Image.merge("RGB", (glow, sky.transpose(Image.Transpose.FLIP_TOP_BOTTOM), sky))
    draw = ImageDraw.Draw(scene)
    shapes = random.Random(24)
    for _ in range(60):
        x, y = shapes.randrange(small[0]), shapes.randrange(small[1])
        colour = (shapes.randrange(256), shapes.randrange(256), shapes.randrange(256))
        box = (x, y, x + shapes.randrange(20, 300), y + shapes.randrange(20, 200))
        (draw.rectangle if shapes.random() < 0.5 else draw.ellipse)(box, fill=colour)
    scene = scene.filter(ImageFilter.GaussianBlur(1.5)).resize(SIZE, Image.Resampling.BICUBIC)
    # Sensor-like noise of up to +-10 levels per channel: it is what makes a real photo's JPEG big.
    grain = Image.frombytes("RGB", SIZE, random.Random(90).randbytes(SIZE[0] * SIZE[1] * 3))
    grain = grain.point(lambda level: 128 + (level - 128) * 0.08)
    scene = ImageChops.add(scene, grain, offset=-128)

    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS R6"
    exif[ExifTags.Base.Orientation] = 1
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:11:28 14:05:09"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", (44.0, 39.0, 1.5)
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "W", (63.0, 34.0, 2.5)
    buffer = io.BytesIO()
    scene.save(buffer, "JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def scan_bomb_of(byte_size: int) -> bytes:
    """A progressive JPEG of the photo's size in pixels whose last scan repeats up to ``byte_size``."""
    once = scan_bomb(0, SIZE)
    extra = len(scan_bomb(1, SIZE)) - len(once)
    return scan_bomb(max(0, (byte_size - len(once)) // extra), SIZE)


def worker(mode: str, path: str) -> dict[str, Any]:
    """One measurement, in this (fresh) process."""
    from liveblog.media.processing import ImageRejected, process_image

    data = Path(path).read_bytes()
    tiny = io.BytesIO()
    Image.new("RGB", (16, 16)).save(tiny, "JPEG")
    if mode in ("process", "refuse"):
        process_image(tiny.getvalue())
    else:
        Image.open(io.BytesIO(tiny.getvalue())).load()
    baseline_kib = resident_kib()
    started = time.perf_counter()
    if mode == "refuse":
        try:
            process_image(data)
        except ImageRejected as refused:
            if refused.code != "too_complex":
                raise
        else:
            raise SystemExit("the scan bomb was accepted")
        renditions = []
    elif mode == "process":
        processed = process_image(data)
        renditions = [
            {"format": image.format, "width": image.width, "height": image.height, "bytes": len(image.data)}
            for image in processed.renditions
        ]
    else:
        Image.open(io.BytesIO(data)).load()
        renditions = []
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - baseline_kib
    return {"seconds": seconds, "peak_mib": peak_kib / 1024, "renditions": renditions}


def resident_kib() -> int:
    """The RSS now (ru_maxrss is the peak so far, which may predate the imports)."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() // 1024
    except OSError:  # not Linux: the peak so far is the best available stand-in
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(*arguments: str) -> str:
    command = [sys.executable, __file__, *arguments]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def measure(mode: str, path: str) -> dict[str, Any]:
    runs = [json.loads(child("--worker", mode, path)) for _ in range(RUNS)]
    return {
        "seconds_median": statistics.median(run["seconds"] for run in runs),
        "seconds_runs": [round(run["seconds"], 4) for run in runs],
        "peak_mib": max(run["peak_mib"] for run in runs),
        "renditions": runs[0]["renditions"],
    }


def main() -> int:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "photo.jpg")
        bomb_path = str(Path(folder) / "bomb.jpg")
        child("--generate", path)
        original = Path(path).read_bytes()
        child("--generate-bomb", bomb_path, str(len(original)))
        bomb = Path(bomb_path).read_bytes()
        processing = measure("process", path)
        decoding = measure("decode", path)
        refusing = measure("refuse", bomb_path)

    renditions = processing.pop("renditions")
    decoding.pop("renditions")
    refusing.pop("renditions")
    rendition_bytes = sum(rendition["bytes"] for rendition in renditions)
    result = {
        "source": {
            "width": SIZE[0],
            "height": SIZE[1],
            "format": "JPEG q90 with EXIF+GPS",
            "bytes": len(original),
        },
        "renditions": [
            {**rendition, "ratio_to_original": rendition["bytes"] / len(original)} for rendition in renditions
        ],
        "rendition_bytes_total": rendition_bytes,
        "rendition_bytes_ratio": rendition_bytes / len(original),
        "process_image": processing,
        "decode_only": decoding,
        "time_ratio_process_to_decode": processing["seconds_median"] / decoding["seconds_median"],
        "scan_bomb": {"bytes": len(bomb), "refuse": refusing},
        "time_ratio_refuse_bomb_to_process": refusing["seconds_median"] / processing["seconds_median"],
        "memory_ratio_process_to_decode": processing["peak_mib"] / decoding["peak_mib"],
        "environment": {
            "python": platform.python_version(),
            "pillow": Image.__version__,
            "machine": platform.machine(),
            "runs": RUNS,
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")

    print(f"source: {SIZE[0]}x{SIZE[1]} JPEG q90, {len(original):,} bytes")
    print(f"{'rendition':>16} {'bytes':>10} {'/ original':>11}")
    for rendition in renditions:
        name = f"{rendition['format']} {rendition['width']}x{rendition['height']}"
        print(f"{name:>16} {rendition['bytes']:>10,} {rendition['bytes'] / len(original):>10.1%}")
    print(f"{'total':>16} {rendition_bytes:>10,} {rendition_bytes / len(original):>10.1%}")
    print()
    print(f"{'':>24} {'median s':>9} {'peak MiB':>9}")
    print(f"{'process_image':>24} {processing['seconds_median']:>9.3f} {processing['peak_mib']:>9.1f}")
    print(f"{'full decode (the floor)':>24} {decoding['seconds_median']:>9.3f} {decoding['peak_mib']:>9.1f}")
    print(
        f"{'ratio':>24} {result['time_ratio_process_to_decode']:>9.2f} {result['memory_ratio_process_to_decode']:>9.2f}"
    )
    print(
        f"\nscan bomb of {len(bomb):,} bytes refused in {refusing['seconds_median'] * 1000:.1f} ms: "
        f"{result['time_ratio_refuse_bomb_to_process']:.4f} of processing the photo"
    )
    print(f"\nwrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    print(f"bench took {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        print(json.dumps(worker(sys.argv[2], sys.argv[3])))
        sys.exit(0)
    if len(sys.argv) == 4 and sys.argv[1] == "--generate-bomb":
        Path(sys.argv[2]).write_bytes(scan_bomb_of(int(sys.argv[3])))
        sys.exit(0)
    if len(sys.argv) == 3 and sys.argv[1] == "--generate":
        Path(sys.argv[2]).write_bytes(photo_like_jpeg())
        sys.exit(0)
    sys.exit(main())

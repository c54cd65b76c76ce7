"""``exsampling classify FILE...``: print each file's top labels, loading the model once."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

WINDOWS = ("whole", "1s", "2s", "4s")
POOLINGS = ("mean", "max", "vote")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "classify", help="classify audio files", description="Classify audio files with the sound classifier. "
        "Every window of a file is scored and the windows are pooled. A file that cannot be read gets its own "
        "error and the others still run; the exit code is 1 if any file failed.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="audio files (WAV, FLAC, OGG, ...)")
    parser.add_argument("--json", action="store_true",
                        help='one JSON object a line: {"file", "top": [{"label", "probability"}]}, '
                        'plus "reason" when there is nothing to classify, or "error"')
    parser.add_argument("--top", type=int, default=5, metavar="K", help="how many labels (default 5)")
    parser.add_argument("--model", default=None, help="a model file from `exsampling train` (default: shipped)")
    parser.add_argument("--window", choices=WINDOWS, default="1s", help="scored windows (default 1s)")
    parser.add_argument("--pooling", choices=POOLINGS, default="mean", help="window pooling (default mean)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for inference")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from exsampling_patch.models import load_classifier
    from exsampling_patch.models.classifier import ModelFileError

    if args.top < 1:
        print("error: --top must be at least 1", file=sys.stderr)
        return 2
    try:
        classifier = load_classifier(args.model, threads=args.threads)
    except (ModelFileError, OSError) as error:
        print(f"error: cannot load the model: {error}", file=sys.stderr)
        return 2
    failed = False
    for path in args.files:
        row: dict[str, Any] = {"file": path}
        try:
            prediction = classifier.predict_file(path, window=args.window, pooling=args.pooling, top_k=args.top)
        except Exception as error:  # one bad file must not stop the others
            failed = True
            row["error"] = f"{type(error).__name__}: {error}"
        else:
            row.update(prediction.to_dict())
        if args.json:
            print(json.dumps(row), flush=True)
        elif "error" in row:
            print(f"{path}: error: {row['error']}", flush=True)
        elif not row["top"]:
            print(f"{path}: nothing to classify ({row['reason']})", flush=True)
        else:
            print(f"{path}: " + ", ".join(f"{t['label']} {t['probability']:.2f}" for t in row["top"]), flush=True)
    return 1 if failed else 0

"""The sound classifier: model load time, ms per 10 s take (1 and 2 threads), honest ESC-50 fold-4 accuracy.

A thin wrapper around ``exsampling_patch.models.benchmark`` (see there). Take timings are 44.1 kHz stereo,
10 s, the whole pipeline (mix-down, spectrogram, int8 trunk, pooling); medians and p95 over
``--repeats`` runs. Fold-4 accuracy uses the shipped trunk with the validation head (trained on folds 1-3),
so fold 4 is held out. Targets (issue 4): load under 1 s, under 30 ms a 10 s take on one core. For a model that
carries YAMNet (``--model``; models/MODEL_CARD.md, "A model with YAMNet"), the YAMNet part of each take's time is
printed apart too.
"""

from __future__ import annotations

import argparse
import os
import sys

from host_check import cpu_line

from exsampling_patch.models.benchmark import DEFAULT_DATA, measure
from exsampling_patch.models.features import CLASSIFIED_SECONDS


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=20, help="runs per timing (default 20)")
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="ESC-50 folder (esc50.csv, audio/)")
    ap.add_argument("--limit", type=int, default=None, help="score only the first N fold-4 clips")
    ap.add_argument("--model", default=None, help="model file (default: the shipped one; no accuracy for another)")
    args = ap.parse_args(argv)
    load_before = os.getloadavg()[0]
    f = measure(args.model, args.data, args.repeats, args.limit)
    print(f"classifier {f['model']} (1-minute load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} "
          f"after, on {os.cpu_count()} cores: timings are only comparable on an idle machine)")
    print(f"  {cpu_line()}")
    print(f"  model load: a fresh process's first {f['first_load_ms']:.0f} ms (its import "
          f"{f['first_import_ms']:.0f} ms before), median {f['load_ms']:.0f} ms; the file {f['file_mb']:.1f} MB"
          f"{', with YAMNet' if f['yamnet'] else ''}")
    span = f"{CLASSIFIED_SECONDS:g}s"
    for threads in (1, 2):
        for window, what in (("whole", "whole window"), ("1s", "1s windows"),
                             (f"whole_{span}", f"one window on the loudest {span} (the node)")):
            key = f"ms_10s_take_{threads}thread_{window}"
            print(f"  10 s take, {threads} thread{'s' if threads > 1 else ''}, {what}: "
                  f"median {f[key]:.1f} ms, p95 {f[key + '_p95']:.1f} ms")
        for window, what in (("yamnet", "whole take"), (f"yamnet_{span}", f"loudest {span} (the node)")):
            key = f"ms_10s_take_{threads}thread_{window}"
            if key in f:
                print(f"    of which YAMNet, {what}: median {f[key]:.1f} ms, p95 {f[key + '_p95']:.1f} ms")
    if "fold4_accuracy" in f:
        print(f"  ESC-50 fold-4 top-1: {100 * f['fold4_accuracy']:.2f}% on {f['fold4_clips']} clips "
              f"({f['fold4_head']}; the shipped head was trained on folds 1-4)")
        print(f"  {f['two_clip_takes']} takes of 10 s, two fold-4 clips of one class, whole window: top-1 "
              f"{100 * f['two_clip_whole']:.1f}% scored whole, {100 * f[f'two_clip_{span}']:.1f}% on the loudest "
              f"{span} (the classifier node's max_seconds)")
    elif args.model is not None:
        print("  ESC-50 fold-4 accuracy: not measured for a model other than the shipped one (its card has its own)")
    else:
        print(f"  ESC-50 fold-4 accuracy: skipped (no data at {args.data})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

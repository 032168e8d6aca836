#!/usr/bin/env python3
"""Accuracy and speed of Sonora's voice analyser against Praat (parselmouth) and openSMILE.

Generates a varied set of speech recordings (espeak-ng and flite voices at several pitches,
rates and levels; sox pitch shifts, tempo changes, resampling; white noise at known SNRs), runs
the analyser on each, and reports:

  * F0 vs Praat "To Pitch (ac)": median absolute error in cents over frames both call voiced,
    gross pitch error rate (>20 %), voicing agreement;
  * intensity offset and deviation vs Praat (mean over voiced frames, energy averaging);
  * Spearman rank correlation across recordings vs Praat for jitter (local), shimmer (local),
    HNR ("To Harmonicity (ac)", 4.5 periods) and articulation rate (de Jong & Wempe 2009 script);
  * Spearman vs openSMILE eGeMAPSv02 for alpha ratio, HNR and F0;
  * time per file for all three tools.

Usage:
  python3 compare.py /work/targets/analysis/release/examples/analyze
  python3 compare.py /path/to/sonorad --template "{bin} analyze {file} --json --frames"

Needs espeak-ng, flite, sox, and the pip packages praat-parselmouth, opensmile, numpy.
"""

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import wave

import numpy as np

try:
    import parselmouth
    from parselmouth.praat import call
except ImportError:
    sys.exit("praat-parselmouth is required: pip install praat-parselmouth")
try:
    import opensmile
except ImportError:
    opensmile = None

SENTENCES = [
    "I went to the market this morning and bought some apples, bread and a little cheese for lunch.",
    "The weather was mild today, so we walked along the river and talked about the coming weekend.",
    "My neighbour is painting her fence green, and the children keep asking if they can help her.",
    "After dinner I usually read for a while, then make a cup of tea and plan the next morning.",
    "The train was a few minutes late, but I still arrived at the office before the meeting started.",
    "We are thinking about a short trip to the coast, where the air is fresh and the beaches are quiet.",
]


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def read_wav(path):
    with wave.open(path, "rb") as w:
        n, ch, sw, fs = w.getnframes(), w.getnchannels(), w.getsampwidth(), w.getframerate()
        raw = w.readframes(n)
    assert sw == 2, "helper expects 16-bit input"
    x = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    if ch > 1:
        x = x.reshape(-1, ch).mean(axis=1)
    return x, fs


def write_wav(path, x, fs):
    y = np.clip(np.round(x * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(fs)
        w.writeframes(y.tobytes())


def add_noise(src, dst, snr_db, seed):
    x, fs = read_wav(src)
    rng = np.random.default_rng(seed)
    rms = math.sqrt(np.mean(x**2))
    y = x + rng.normal(0.0, rms / 10 ** (snr_db / 20.0), size=x.shape)
    write_wav(dst, y, fs)


def generate(d):
    """Returns a list of (name, path)."""
    files = []

    def espeak(name, args, text):
        p = os.path.join(d, name + ".wav")
        run(["espeak-ng", "-w", p] + args + [text])
        files.append((name, p))
        return p

    voices = ["en", "en-us", "en+f3", "en+m3", "en+f2", "en-gb-scotland", "en+f4", "en+m7"]
    grid = [
        ("40", "150", "100"), ("70", "190", "120"), ("25", "130", "80"), ("85", "220", "150"),
        ("55", "170", "60"), ("60", "110", "100"), ("35", "240", "130"), ("50", "175", "100"),
    ]
    for i, (v, (p, s, a)) in enumerate(zip(voices, grid)):
        espeak(f"espeak_{v.replace('+', '_')}_p{p}_s{s}_a{a}", ["-v", v, "-p", p, "-s", s, "-a", a],
               SENTENCES[i % len(SENTENCES)])
    # Harder voices: creaky, a Klatt source, and whisper (no voicing at all: tests voicing decisions).
    for v in ("en+croak", "en+klatt3", "en+whisper"):
        espeak(f"espeak_{v.replace('+', '_')}", ["-v", v], SENTENCES[4])
    flat = espeak("espeak_flat", ["-m"], f'<speak><prosody range="x-low">{SENTENCES[1]}</prosody></speak>')
    lively = espeak("espeak_lively", ["-m"], f'<speak><prosody range="x-high">{SENTENCES[2]}</prosody></speak>')
    if shutil.which("flite"):
        for j, v in enumerate(["kal16", "slt", "rms", "awb"]):
            p = os.path.join(d, f"flite_{v}.wav")
            run(["flite", "-voice", v, "-t", SENTENCES[(j + 3) % len(SENTENCES)], "-o", p])
            files.append((f"flite_{v}", p))
    base = files[0][1]
    female = files[2][1]
    for cents in (-400, 300):
        p = os.path.join(d, f"sox_pitch{cents:+d}.wav")
        run(["sox", base, p, "pitch", str(cents)])
        files.append((f"sox_pitch{cents:+d}", p))
    for tempo in ("0.8", "1.25"):
        p = os.path.join(d, f"sox_tempo{tempo}.wav")
        run(["sox", female, p, "tempo", "-s", tempo])
        files.append((f"sox_tempo{tempo}", p))
    for rate, bits in ((44100, 16), (48000, 24), (8000, 16)):
        p = os.path.join(d, f"sox_{rate}Hz_{bits}bit.wav")
        run(["sox", lively, "-r", str(rate), "-b", str(bits), p])
        files.append((f"sox_{rate}Hz_{bits}bit", p))
    # Telephone band and a reverberant room.
    p = os.path.join(d, "sox_telephone.wav")
    run(["sox", files[3][1], p, "highpass", "300", "lowpass", "3400"])
    files.append(("sox_telephone", p))
    p = os.path.join(d, "sox_reverb.wav")
    run(["sox", files[4][1], p, "reverb", "50", "50", "80"])
    files.append(("sox_reverb", p))
    for k, snr in enumerate((30, 20, 15, 10, 5)):
        for src_name, src in ((files[1][0], files[1][1]), ("flat", flat)):
            p = os.path.join(d, f"noise{snr}dB_{src_name}.wav")
            add_noise(src, p, snr, seed=k)
            files.append((f"noise{snr}dB_{src_name}", p))
    return files


def ours(binary, template, path):
    cmd = template.format(bin=binary, file=path).split()
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    internal = None
    for line in out.stderr.splitlines():
        if "analysed in" in line:
            internal = float(line.rsplit("analysed in", 1)[1].split("ms")[0]) / 1e3
    return json.loads(out.stdout.strip().splitlines()[-1]), wall, internal


def dejong_articulation_rate(snd):
    """de Jong & Wempe (2009) syllable nuclei script, as commonly ported to parselmouth."""
    silencedb, mindip, minpause = -25.0, 2.0, 0.3
    intensity = snd.to_intensity(50)
    min_i = call(intensity, "Get minimum", 0, 0, "Parabolic")
    max_i = call(intensity, "Get maximum", 0, 0, "Parabolic")
    max99 = call(intensity, "Get quantile", 0, 0, 0.99)
    threshold = max99 + silencedb
    threshold3 = silencedb - (max_i - max99)
    if threshold < min_i:
        threshold = min_i
    tg = call(intensity, "To TextGrid (silences)", threshold3, minpause, 0.1, "silent", "sounding")
    phonation = 0.0
    for i in range(1, call(tg, "Get number of intervals", 1) + 1):
        if call(tg, "Get label of interval", 1, i) == "sounding":
            phonation += call(tg, "Get end time of interval", 1, i) - call(tg, "Get start time of interval", 1, i)
    matrix = call(intensity, "Down to Matrix")
    isnd = call(matrix, "To Sound (slice)", 1)
    pp = call(isnd, "To PointProcess (extrema)", "Left", "yes", "no", "Sinc70")
    peaks = [call(pp, "Get time from index", i + 1) for i in range(call(pp, "Get number of points"))]
    tp, ints = [], []
    for t in peaks:
        v = call(isnd, "Get value at time", t, "Cubic")
        if v > threshold:
            tp.append(t)
            ints.append(v)
    valid = []
    if tp:
        ct, ci = tp[0], ints[0]
        for p in range(len(tp) - 1):
            dip = call(intensity, "Get minimum", ct, tp[p + 1], "None")
            if abs(ci - dip) > mindip:
                valid.append(tp[p])
            ct = tp[p + 1]
            ci = call(intensity, "Get value at time", tp[p + 1], "Cubic")
    pitch = snd.to_pitch_ac(0.02, 30, 4, False, 0.03, 0.25, 0.01, 0.35, 0.25, 450)
    voiced = sum(1 for t in valid if not math.isnan(pitch.get_value_at_time(t)))
    return voiced / phonation if phonation > 0 else float("nan")


def praat(path):
    t0 = time.perf_counter()
    snd = parselmouth.Sound(path)
    pitch = snd.to_pitch_ac(pitch_floor=75.0, pitch_ceiling=600.0)
    times = pitch.xs()
    f0 = pitch.selected_array["frequency"]
    pp = call([snd, pitch], "To PointProcess (cc)")
    jit = call(pp, "Get jitter (local)", 0, 0, 0.0001, 0.02, 1.3)
    shim = call([snd, pp], "Get shimmer (local)", 0, 0, 0.0001, 0.02, 1.3, 1.6)
    harm = call(snd, "To Harmonicity (ac)", 0.01, 75, 0.1, 4.5)
    hnr = call(harm, "Get mean", 0, 0)
    inten = snd.to_intensity(100)
    core = time.perf_counter() - t0
    rate = dejong_articulation_rate(snd)
    elapsed = (core, time.perf_counter() - t0)
    # Mean intensity over Praat-voiced frames, energy-averaged like ours.
    iv = [inten.get_value(t) for t, f in zip(times, f0) if f > 0]
    iv = [v for v in iv if v is not None and not math.isnan(v)]
    imean = 10 * math.log10(np.mean([10 ** (v / 10) for v in iv])) if iv else float("nan")
    return dict(times=times, f0=f0, jitter=jit, shimmer=shim, hnr=hnr, intensity=imean, rate=rate), elapsed


def smile(path, extractor):
    t0 = time.perf_counter()
    df = extractor.process_file(path)
    return df.iloc[0].to_dict(), time.perf_counter() - t0


def praat_median(f0):
    voiced = f0[f0 > 0]
    return float(np.median(voiced)) if len(voiced) >= 20 else None


def ranks(v):
    order = sorted(range(len(v)), key=lambda i: v[i])
    r = [0.0] * len(v)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return r


def spearman(a, b):
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None and not math.isnan(x) and not math.isnan(y)]
    if len(pairs) < 3:
        return float("nan"), len(pairs)
    ra, rb = ranks([p[0] for p in pairs]), ranks([p[1] for p in pairs])
    return float(np.corrcoef(ra, rb)[0, 1]), len(pairs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary", help="sonorad, or the analyze example binary")
    ap.add_argument("--template", default="{bin} --json --frames {file}",
                    help="command line; {bin} and {file} are substituted")
    ap.add_argument("--keep", help="write the recordings into this folder and keep them")
    ap.add_argument("--per-file", action="store_true", help="print a line per recording")
    args = ap.parse_args()
    for tool in ("espeak-ng", "sox"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is required")

    d = args.keep or tempfile.mkdtemp(prefix="sonora-compare-")
    os.makedirs(d, exist_ok=True)
    files = generate(d)
    extractor = None
    if opensmile is not None:
        extractor = opensmile.Smile(feature_set=opensmile.FeatureSet.eGeMAPSv02,
                                    feature_level=opensmile.FeatureLevel.Functionals)

    cents, gross, agree, total_frames = [], 0, 0, 0
    rows = []
    t_ours, t_ours_int, t_praat, t_smile = [], [], [], []
    for name, path in files:
        rep, wall, internal = ours(args.binary, args.template, path)
        pr, tp = praat(path)
        sm, ts = smile(path, extractor) if extractor else ({}, float("nan"))
        t_ours.append(wall)
        if internal is not None:
            t_ours_int.append(internal)
        t_praat.append(tp)
        t_smile.append(ts)
        frames = rep.get("frames") or []
        ptimes, pf0 = pr["times"], pr["f0"]
        dtp = ptimes[1] - ptimes[0] if len(ptimes) > 1 else 0.01
        fc, fg, fa, fn = [], 0, 0, 0
        for fr in frames:
            k = int(round((fr["t"] - ptimes[0]) / dtp)) if len(ptimes) else -1
            if k < 0 or k >= len(ptimes) or abs(ptimes[k] - fr["t"]) > 0.0051:
                continue
            ov, pv = fr["f0"] is not None, pf0[k] > 0
            fn += 1
            fa += ov == pv
            if ov and pv:
                c = 1200 * math.log2(fr["f0"] / pf0[k])
                fc.append(abs(c))
                fg += abs(fr["f0"] / pf0[k] - 1) > 0.2
        cents += fc
        gross += fg
        agree += fa
        total_frames += fn
        rows.append(dict(name=name, ours=rep, praat=pr, smile=sm,
                         med_cents=statistics.median(fc) if fc else float("nan"),
                         gpe=fg / len(fc) if fc else float("nan"), vagree=fa / fn if fn else float("nan")))
        if args.per_file:
            q = rep["quality"]
            print(f"{name:34s} ok={q['ok']!s:5} cents={rows[-1]['med_cents']:5.1f} gpe={rows[-1]['gpe']*100:4.1f}% "
                  f"voicing={rows[-1]['vagree']*100:5.1f}% jit {rep['jitter_local']}/{pr['jitter']:.4f} "
                  f"shim {rep['shimmer_local']}/{pr['shimmer']:.4f} hnr {rep['hnr_db']}/{pr['hnr']:.1f} "
                  f"rate {rep['speech_rate_syl_s']}/{pr['rate']:.2f} int {rep['intensity_mean_db']}/{pr['intensity']:.1f}"
                  + (f" {q['reason']}" if not q["ok"] else ""))

    both = len(cents)
    print(f"\n{len(files)} recordings, {total_frames} aligned 10 ms frames, {both} voiced in both")
    print(f"F0 median absolute error vs Praat: {statistics.median(cents):.2f} cents (target <= 20)")
    print(f"F0 90th percentile absolute error:  {np.percentile(cents, 90):.2f} cents")
    print(f"Gross pitch error (>20%):           {100 * gross / both:.2f} % (target <= 2)")
    print(f"Voicing agreement:                   {100 * agree / total_frames:.2f} % (target >= 92)")
    diffs = [r["ours"]["intensity_mean_db"] - r["praat"]["intensity"] for r in rows
             if r["ours"]["intensity_mean_db"] is not None and not math.isnan(r["praat"]["intensity"])]
    print(f"Intensity (voiced mean) offset vs Praat: {np.mean(diffs):+.2f} dB, SD {np.std(diffs):.2f} dB")

    def col(key):
        return [r["ours"][key] for r in rows]

    print("\nSpearman rank correlation across recordings (target >= 0.8):")
    for label, mine, theirs in [
        ("jitter (local) vs Praat", col("jitter_local"), [r["praat"]["jitter"] for r in rows]),
        ("shimmer (local) vs Praat", col("shimmer_local"), [r["praat"]["shimmer"] for r in rows]),
        ("HNR vs Praat", col("hnr_db"), [r["praat"]["hnr"] for r in rows]),
        ("speech rate vs Praat (de Jong)", col("speech_rate_syl_s"), [r["praat"]["rate"] for r in rows]),
        ("F0 median vs Praat", col("f0_median_hz"), [praat_median(r["praat"]["f0"]) for r in rows]),
    ]:
        rho, n = spearman(mine, theirs)
        print(f"  {label:34s} rho = {rho:.3f} (n={n})")
    if extractor:
        for label, key, skey in [
            ("alpha ratio vs openSMILE", "alpha_ratio_db", "alphaRatioV_sma3nz_amean"),
            ("HNR vs openSMILE", "hnr_db", "HNRdBACF_sma3nz_amean"),
            ("jitter vs openSMILE", "jitter_local", "jitterLocal_sma3nz_amean"),
            ("F0 median vs openSMILE", "f0_median_hz", "F0semitoneFrom27.5Hz_sma3nz_percentile50.0"),
        ]:
            rho, n = spearman(col(key), [r["smile"].get(skey) for r in rows])
            print(f"  {label:34s} rho = {rho:.3f} (n={n})")

    durs = [parselmouth.Sound(p).duration for _, p in files]
    print(f"\nTiming per file (median over {len(files)} files, median length {statistics.median(durs):.1f} s):")
    if t_ours_int:
        print(f"  sonora analyse (in-process, all measures): {1e3 * statistics.median(t_ours_int):8.2f} ms")
    print(f"  sonora (whole process incl. start-up):     {1e3 * statistics.median(t_ours):8.2f} ms")
    print(f"  Praat (pitch, cc points, jitter, shimmer, HNR, intensity): "
          f"{1e3 * statistics.median([t[0] for t in t_praat]):8.2f} ms")
    print(f"  Praat incl. de Jong syllable script (Python-driven):       "
          f"{1e3 * statistics.median([t[1] for t in t_praat]):8.2f} ms")
    if extractor:
        print(f"  openSMILE eGeMAPSv02 functionals:          {1e3 * statistics.median(t_smile):8.2f} ms")
    if not args.keep:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()

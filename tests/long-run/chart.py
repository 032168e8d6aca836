#!/usr/bin/env python3
"""Summary and chart of a long real-time run: `chart.py samples.csv chart.png`.

Prints the figures docs/reliability.md quotes (CPU, RSS, descriptors, threads, underruns, and how
RSS moved between the first and the last quarter of the run, which is what a leak would show).
The chart needs matplotlib; without it only the summary is printed.
"""
import csv
import statistics
import sys


def main(csv_path, png_path):
    rows = list(csv.DictReader(open(csv_path)))
    if not rows:
        print("no samples")
        return 1
    minute = [float(r["minute"]) for r in rows]
    level = [float(r["level_dbfs"]) for r in rows]
    cpu = [float(r["cpu_pct"]) for r in rows]
    rss = [int(r["rss_kib"]) / 1024 for r in rows]
    fds = [int(r["fds"]) for r in rows]
    threads = [int(r["threads"]) for r in rows]
    under = [int(r["underruns"]) for r in rows]
    q = max(1, len(rows) // 4)
    outcomes = sorted({r["outcome"] for r in rows})
    packs = sorted({r["pack"] for r in rows if r["pack"] != "-"})
    print(f"samples: {len(rows)} over {minute[-1]:.0f} minutes; outcomes {', '.join(outcomes)}; "
          f"packs heard {len(packs)} ({', '.join(packs)})")
    print(f"CPU % of one core: median {statistics.median(cpu):.2f}, max {max(cpu):.2f}")
    print(f"RSS MiB: min {min(rss):.1f}, max {max(rss):.1f}; median of first quarter "
          f"{statistics.median(rss[:q]):.1f}, of last quarter {statistics.median(rss[-q:]):.1f}")
    print(f"open descriptors: min {min(fds)}, max {max(fds)}; threads: min {min(threads)}, max {max(threads)}")
    print(f"sink level dBFS (1 s a minute): min {min(level):.1f}, median {statistics.median(level):.1f}, max {max(level):.1f}")
    print(f"underruns: {under[-1] - under[0]} during the run ({under[-1]} since the daemon started)")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(no chart: matplotlib is not installed)")
        return 0
    fig, ax = plt.subplots(5, 1, figsize=(9, 11), sharex=True)
    ax[0].plot(minute, cpu, color="tab:blue")
    ax[0].set_ylabel("CPU %\n(one core)")
    ax[0].set_ylim(bottom=0)
    ax[1].plot(minute, rss, color="tab:green")
    ax[1].set_ylabel("RSS MiB")
    ax[1].set_ylim(0, max(rss) * 1.3)
    ax[2].plot(minute, fds, label="descriptors", color="tab:orange")
    ax[2].plot(minute, threads, label="threads", color="tab:purple")
    ax[2].set_ylim(0, max(max(fds), max(threads)) * 1.3)
    ax[2].legend(loc="lower right")
    ax[3].plot(minute, level, color="tab:gray")
    ax[3].set_ylabel("sink level\ndBFS")
    ax[4].step(minute, under, where="post", color="tab:red")
    ax[4].set_ylabel("underruns\n(cumulative)")
    ax[4].set_ylim(bottom=0, top=max(1, under[-1]) * 1.3)
    ax[4].set_xlabel("minutes")
    # Shade each outcome so a change of session is visible in every panel.
    colours = {"calm": "#e3f2fd", "focus": "#fff3e0", "sleep": "#ede7f6"}
    # A sample describes the interval since the one before it.
    for i, r in enumerate(rows):
        c = colours.get(r["outcome"])
        if c:
            for a in ax:
                a.axvspan(minute[i - 1] if i else 0, minute[i], color=c, lw=0)
    ax[0].set_title("Sonora long real-time run (shading: calm blue, focus orange, sleep violet)")
    fig.tight_layout()
    fig.savefig(png_path, dpi=80)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

"""Pictures where people would rather look than read (matplotlib, in the report environment).

  survival.png/.svg   writer TF x reader TF: share of working paths that survive the version change
  apis.png/.svg       save API x load API: share of cells that pass
  trend.png/.svg      pass share per (writer TF, reader TF) pair over the runs in reports/history/
"""
import os
from typing import Dict, List, Optional

import matplotlib

matplotlib.use("Agg")  # no screen: files only
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def _heatmap(frame: pd.DataFrame, title: str, xlabel: str, ylabel: str, out: str) -> List[str]:
    if frame.empty:
        return []
    share = frame.apply(lambda col: col.map(lambda v: v[0] / v[1] if v and v[1] else float("nan")))
    width = max(4.0, 0.9 * len(frame.columns) + 2.5)
    height = max(3.0, 0.5 * len(frame.index) + 1.8)
    fig, ax = plt.subplots(figsize=(width, height), dpi=100)
    image = ax.imshow(share.values.astype(float), cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(frame.columns)))
    ax.set_xticklabels([str(c) for c in frame.columns], rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(frame.index)))
    ax.set_yticklabels([str(i) for i in frame.index], fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    small = len(frame.index) * len(frame.columns) <= 100
    for y, row in enumerate(frame.index):
        for x, col in enumerate(frame.columns):
            v = frame.at[row, col]
            if v and small:
                ax.text(x, y, "%d/%d" % v, ha="center", va="center", fontsize=7)
    fig.colorbar(image, ax=ax, fraction=0.04, label="share passing")
    fig.tight_layout()
    written = []
    for ext in ("png", "svg"):
        path = "%s.%s" % (out, ext)
        fig.savefig(path)
        written.append(path)
    plt.close(fig)
    return written


def survival(frame: pd.DataFrame, folder: str) -> List[str]:
    return _heatmap(frame, "Paths that survive the version change", "read by TF", "written by TF",
                    os.path.join(folder, "survival"))


def apis(frame: pd.DataFrame, folder: str) -> List[str]:
    return _heatmap(frame, "Save API × load API (passed / verdicts, every TF pair)", "load API (consumer)",
                    "save API (producer)", os.path.join(folder, "apis"))


def trend(points: List[Dict], folder: str, limit: Optional[int] = 12) -> List[str]:
    """points: {"run", "pair", "share"} for each run of the history (oldest first)."""
    if not points:
        return []
    frame = pd.DataFrame(points)
    runs = list(dict.fromkeys(frame["run"]))
    pairs = frame.groupby("pair")["share"].min().sort_values().index[:limit]  # the pairs that ever dipped most
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    for pair in pairs:
        part = frame[frame["pair"] == pair].set_index("run").reindex(runs)
        ax.plot(range(len(runs)), part["share"].values, marker="o", label=pair)
    ax.set_xticks(range(len(runs)))
    ax.set_xticklabels([r[:15] for r in runs], rotation=45, ha="right", fontsize=7)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("share of working paths that pass")
    ax.set_title("Pass share per (writer TF → reader TF) over the runs", fontsize=10)
    ax.legend(fontsize=7, loc="lower left", ncol=2)
    fig.tight_layout()
    written = []
    for ext in ("png", "svg"):
        path = os.path.join(folder, "trend.%s" % ext)
        fig.savefig(path)
        written.append(path)
    plt.close(fig)
    return written

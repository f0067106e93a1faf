"""PNG charts of a comparison (matplotlib, Agg backend): each function returns the PNG bytes.

Groups are drawn in the summary's order, top to bottom: most negative net stance first (by date:
the earliest period first), so the top row of every chart is the answer to "who is most negative".
"""

from __future__ import annotations

import io
import math
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from mediaframe.compare.comparison import Comparison
from mediaframe.numbers import signed

NEGATIVE, POSITIVE, UNSURE = "#c0392b", "#1f77b4", "#7f8c8d"
DOT = {"probabilities": "mean P(favor) \u2212 P(against)", "labels": "favor share \u2212 against share"}


def png_bytes(fig: Figure, dpi: int) -> bytes:
    """Render a figure to PNG bytes and close it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def point_color(row: dict[str, Any], stat: str) -> str:
    """Red when the whole interval is below 0, blue when above, grey when it spans 0."""
    if row[f"{stat}_high"] < 0:
        return NEGATIVE
    if row[f"{stat}_low"] > 0:
        return POSITIVE
    return UNSURE


def dot_whisker(comparison: Comparison, stat: str, title: str, xlabel: str, dpi: int) -> bytes:
    """Dot-and-whisker chart of one statistic per group with its interval, values written beside."""
    rows = comparison.summary
    fig, ax = plt.subplots(figsize=(8.0, 1.4 + 0.42 * len(rows)))
    for y, row in enumerate(rows):
        color, value = point_color(row, stat), row[stat]
        low, high = row[f"{stat}_low"], row[f"{stat}_high"]
        if math.isfinite(value):
            draw_point(ax, y, value, (low, high), color, hollow=bool(row["flag"]))
        label = f"{signed(value)}  [{signed(low)}, {signed(high)}]  n={row['n_articles']}"
        ax.text(1.04, y, label, va="center", ha="left", fontsize=9, color=color, transform=ax.get_yaxis_transform())
    names = [group_label(row, comparison.by) for row in rows]
    ax.set_yticks(range(len(rows)), names)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    if rows and comparison.by != "date":
        ax.get_yticklabels()[0].set_fontweight("bold")
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlim(-1.05, 1.05)
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left", fontsize=11)
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return png_bytes(fig, dpi)


def draw_point(ax: Any, y: float, value: float, bounds: tuple[float, float], color: str, hollow: bool) -> None:
    """One dot with its whisker; a flagged group gets a hollow dot and a dashed whisker."""
    ax.plot(list(bounds), [y, y], color=color, linewidth=2.4, linestyle=(0, (2, 1.5)) if hollow else "-")
    face, edge = ("white", color) if hollow else (color, "white")
    ax.plot(value, y, "o", markersize=9, markerfacecolor=face, markeredgecolor=edge, markeredgewidth=2 if hollow else 1)


def group_label(row: dict[str, Any], by: str) -> str:
    """The y-axis name of a group, marked when it is flagged."""
    return f"{row[by]} (!)" if row["flag"] else str(row[by])


def net_stance_chart(comparison: Comparison, dpi: int) -> bytes:
    """Net stance (favor share - against share) per group with its 95% interval."""
    target = comparison.target or "the target"
    level = round(comparison.settings["confidence"] * 100)
    order = "in time order" if comparison.by == "date" else "most negative on top"
    title = (
        f"Net stance toward {target} by {comparison.by}, {order}\n"
        f"dot = {DOT[comparison.settings.get('net_stance', 'labels')]}; bar = {level}% CI (article bootstrap); "
        "red/blue: CI excludes 0; hollow, dashed, (!): few articles"
    )
    return dot_whisker(comparison, "net_stance", title, "net stance (\u22121 all against \u2026 +1 all favor)", dpi)


def sentiment_chart(comparison: Comparison, dpi: int) -> bytes:
    """Mean sentiment (negative -1, neutral 0, positive +1) per group with its interval."""
    level = round(comparison.settings["confidence"] * 100)
    title = (
        f"Mean sentiment by {comparison.by}\n"
        f"dot = mean (negative \u22121, neutral 0, positive +1); bar = {level}% CI"
    )
    return dot_whisker(comparison, "sentiment_mean", title, "mean sentiment", dpi)


def frame_chart(comparison: Comparison, top_frames: int, dpi: int) -> bytes:
    """Stacked horizontal bars of frame shares per group; frames past `top_frames` pooled as one segment."""
    rows, frames = comparison.summary, list(comparison.frames)
    shown, rest = frames[:top_frames], frames[top_frames:]
    fig, ax = plt.subplots(figsize=(8.0, 1.6 + 0.42 * len(rows)))
    colors = plt.get_cmap("tab10" if len(shown) + bool(rest) <= 10 else "tab20").colors  # type: ignore[attr-defined]
    left = [0.0] * len(rows)
    segments = [(f, [nan_to_zero(r[f"frame_{f}_share"]) for r in rows]) for f in shown]
    if rest:
        segments.append(("remaining frames", [sum(nan_to_zero(r[f"frame_{f}_share"]) for f in rest) for r in rows]))
    for i, (name, widths) in enumerate(segments):
        ax.barh(range(len(rows)), widths, left=left, color=colors[i % len(colors)], label=name.replace("_", " "))
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set_yticks(range(len(rows)), [group_label(row, comparison.by) for row in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of frame-labeled sentences")
    ax.set_title(f"Frames by {comparison.by}", loc="left", fontsize=11)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return png_bytes(fig, dpi)


def nan_to_zero(value: float) -> float:
    return value if math.isfinite(value) else 0.0


def time_series_chart(comparison: Comparison, dpi: int) -> bytes:
    """Net stance and mean sentiment per period, with their intervals as bands."""
    rows = [r for r in comparison.summary if r["date"] != "(missing)"]
    fig, ax = plt.subplots(figsize=(8.0, 3.6))
    x = list(range(len(rows)))
    for stat, color, name in (("net_stance", NEGATIVE, "net stance"), ("sentiment_mean", POSITIVE, "sentiment")):
        ax.fill_between(x, [r[f"{stat}_low"] for r in rows], [r[f"{stat}_high"] for r in rows], color=color, alpha=0.15)
        ax.plot(x, [r[stat] for r in rows], "o-", color=color, label=name)
    ax.set_xticks(x, [r["date"] for r in rows], rotation=45 if len(rows) > 6 else 0, ha="right")
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_ylim(-1.05, 1.05)
    ax.set_title(f"Net stance and sentiment per {comparison.period} (bands: CI)", loc="left", fontsize=11)
    ax.legend(fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return png_bytes(fig, dpi)


def all_charts(comparison: Comparison, top_frames: int, dpi: int) -> dict[str, bytes]:
    """Every chart of the report, by file name."""
    charts = {"net_stance.png": net_stance_chart(comparison, dpi), "sentiment.png": sentiment_chart(comparison, dpi)}
    if comparison.frames:
        charts["frames.png"] = frame_chart(comparison, top_frames, dpi)
    if comparison.by == "date":
        charts["time_series.png"] = time_series_chart(comparison, dpi)
    return charts

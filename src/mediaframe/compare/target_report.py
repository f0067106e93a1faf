"""Render a comparison of several targets: targets.csv, differences.csv, a side-by-side chart, report.md and
report.html at the top, and each target's own full report in a subfolder named after it."""

from __future__ import annotations

import html
import math
import re
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from mediaframe.compare.charts import draw_point, png_bytes
from mediaframe.compare.reporting import CORRECTION_NAMES, CSS, cell, csv_bytes, img, interval, render_report
from mediaframe.compare.targets import TargetComparison
from mediaframe.config import ReportConfig
from mediaframe.numbers import signed

COLOURS = ("#1f77b4", "#d35400", "#27ae60", "#8e44ad", "#7f8c8d")


def render_target_report(result: TargetComparison, cfg: ReportConfig) -> dict[str, bytes]:
    """Every output file, by path relative to the output folder, as bytes."""
    files: dict[str, bytes] = {
        "targets.csv": csv_bytes(side_by_side(result), ["target", result.by, "n_articles", "n_sentences", "net_stance",
                                                        "net_stance_low", "net_stance_high", "sentiment_mean", "flag"]),
        "differences.csv": csv_bytes(result.differences, [result.by, "target_a", "target_b", "n_articles", "net_stance_a",
                                                          "net_stance_b", "difference", "difference_low", "difference_high",
                                                          "p_value", "p_adjusted", "significant", "smallest_p", "flag"]),
        "targets.png": targets_chart(result, cfg.dpi),
    }
    files["report.md"] = markdown(result).encode("utf-8")
    files["report.html"] = page(result, files["targets.png"]).encode("utf-8")
    for target, folder in folders(result.targets).items():
        files.update({f"{folder}/{name}": content for name, content in render_report(result.comparisons[target], cfg).items()})
    return files


def folders(targets: tuple[str, ...]) -> dict[str, str]:
    """Each target's subfolder: its name in lower-case ASCII words, numbered where two would share one."""
    out: dict[str, str] = {}
    for target in targets:
        base = re.sub(r"[^a-z0-9]+", "-", target.lower()).strip("-") or "target"
        name, n = base, 1
        while name in out.values():
            n += 1
            name = f"{base}-{n}"
        out[target] = name
    return out


def side_by_side(result: TargetComparison) -> list[dict[str, Any]]:
    """One row per target and group, from each target's summary."""
    return [{"target": target, **row} for target, comparison in result.comparisons.items() for row in comparison.summary]


def groups_in_order(result: TargetComparison) -> list[str]:
    """Groups ordered by the first target's net stance (most negative first), then any only other targets have."""
    seen: dict[str, None] = {}
    for comparison in result.comparisons.values():
        seen.update(dict.fromkeys(str(row[result.by]) for row in comparison.summary))
    return list(seen)


def headline(result: TargetComparison) -> tuple[str, str]:
    """The answer (which groups treat the targets differently) and its evidence."""
    differing = sorted((d for d in result.differences if d["significant"]), key=lambda d: d["p_adjusted"])
    if not differing:
        return (f"No {result.by} treats {' and '.join(result.targets)} significantly differently.",
                f"{len(result.differences)} paired tests, {CORRECTION_NAMES[result.settings['correction']]}-adjusted.")
    parts = [difference_text(d, result.by) for d in differing[:5]]
    return f"{len(differing)} {result.by} comparison(s) differ between targets.", " ".join(parts)


def difference_text(d: dict[str, Any], by: str) -> str:
    return (f"{d[by]}: {d['target_a']} {signed(d['net_stance_a'])} vs {d['target_b']} {signed(d['net_stance_b'])} "
            f"(difference {signed(d['difference'])} [{signed(d['difference_low'])}, {signed(d['difference_high'])}], "
            f"adjusted p = {d['p_adjusted']:.3g}, {d['n_articles']} articles).")


def table(result: TargetComparison) -> tuple[list[str], list[list[str]]]:
    """One row per group: each target's net stance with its interval, and the paired differences."""
    level = round(result.settings["confidence"] * 100)
    summaries = {t: {str(r[result.by]): r for r in c.summary} for t, c in result.comparisons.items()}
    header = [result.by, *(f"{t} [{level}% CI]" for t in result.targets), "difference (adjusted p)"]
    rows = []
    for group in groups_in_order(result):
        cells = [interval(summaries[t][group], "net_stance") if group in summaries[t] else "-" for t in result.targets]
        diffs = [f"{d['target_a']} \u2212 {d['target_b']} {signed(d['difference'])} (p {d['p_adjusted']:.2g})"
                 + (" *" if d["significant"] else "") for d in result.differences if str(d[result.by]) == group]
        rows.append([group, *cells, "; ".join(diffs)])
    return header, rows


def targets_chart(result: TargetComparison, dpi: int) -> bytes:
    """Net stance per group, one dot and interval per target, side by side."""
    groups = groups_in_order(result)
    fig, ax = plt.subplots(figsize=(8.0, 1.6 + 0.55 * len(groups)))
    offset = 0.6 / max(1, len(result.targets))
    for t_index, (target, comparison) in enumerate(result.comparisons.items()):
        colour = COLOURS[t_index % len(COLOURS)]
        for row in comparison.summary:
            y = groups.index(str(row[result.by])) + (t_index - (len(result.targets) - 1) / 2) * offset
            if math.isfinite(row["net_stance"]):
                draw_point(ax, y, row["net_stance"], (row["net_stance_low"], row["net_stance_high"]), colour,
                           hollow=bool(row["flag"]))
        ax.plot([], [], "o", color=colour, label=target)
    ax.set_yticks(range(len(groups)), groups)
    ax.set_ylim(len(groups) - 0.5, -0.5)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlim(-1.05, 1.05)
    ax.set_xlabel("net stance (\u22121 all against \u2026 +1 all favor)")
    level = round(result.settings["confidence"] * 100)
    ax.set_title(f"Net stance toward each target by {result.by}; bar = {level}% CI; hollow: few articles",
                 loc="left", fontsize=11)
    ax.legend(loc="lower right", fontsize=9, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return png_bytes(fig, dpi)


def method_note(result: TargetComparison) -> str:
    s = result.settings
    return (f"Each target's figures as in its own report. Differences between two targets within a {result.by} are "
            f"measured on the articles scored toward both: {s['permutations']} sign-flip permutations of the articles' "
            f"two stance counts, {s['bootstrap_samples']} paired article bootstrap resamples for the interval, "
            f"{CORRECTION_NAMES[s['correction']]} correction over all pairs, alpha {s['alpha']}. Seed {s['seed']}.")


def title(result: TargetComparison) -> str:
    return f"Coverage of {', '.join(result.targets)} by {result.by}"


def markdown(result: TargetComparison) -> str:
    header, rows = table(result)
    answer, evidence = headline(result)
    lines = [f"# {title(result)}", "", f"**{answer}** {evidence}", "", "![net stance per target](targets.png)", ""]
    lines += ["| " + " | ".join(cell(c) for c in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    lines += ["", "## Each target's report", ""] + [f"- [{t}]({f}/report.md)" for t, f in folders(result.targets).items()]
    return "\n".join(lines + ["", "## Method", "", method_note(result), ""])


def page(result: TargetComparison, chart: bytes) -> str:
    """report.html: self-contained, as the single-target report."""
    esc = html.escape
    header, rows = table(result)
    answer, evidence = headline(result)
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    links = "".join(f'<li><a href="{esc(f)}/report.html">{esc(t)}</a></li>' for t, f in folders(result.targets).items())
    sections = [f"<h1>{esc(title(result))}</h1>",
                f'<p class="headline"><strong>{esc(answer)}</strong> {esc(evidence)}</p>', img("targets.png", chart),
                "<h2>Side by side</h2>", f'<table id="targets"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>',
                "<h2>Each target's report</h2>", f"<ul>{links}</ul>",
                "<h2>Method</h2>", f'<p class="method">{esc(method_note(result))}</p>']
    return ('<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="icon" href="data:,"><title>{esc(title(result))}</title><style>{CSS}</style></head>'
            f"<body>{''.join(sections)}</body></html>\n")

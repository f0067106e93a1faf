"""Render a comparison: summary.csv, pairwise.csv, report.md, a self-contained report.html, PNG charts.

`render_report` builds every file in memory (nothing is written if anything fails); `write_report`
then puts each in place atomically. report.html embeds its charts as base64 PNG and fetches nothing.
"""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path
from typing import Any

from mediaframe.compare.charts import all_charts
from mediaframe.compare.comparison import Comparison
from mediaframe.compare.evidence import marked_text
from mediaframe.config import ReportConfig
from mediaframe.numbers import percent, signed

PLURAL = {"outlet": "outlets", "author": "authors", "date": "periods"}
CORRECTION_NAMES = {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg"}
MAX_PAIRS_SHOWN = 30
NET_STANCE_NOTES = {
    "probabilities": "Net stance = mean P(favor) \u2212 mean P(against) over the sentences, and the against / neutral / "
                     "favor shares are mean probabilities (expected shares): on the Narrative Frames roles test "
                     "(development fold 4) this score told heroes from villains better than label shares (AUC 0.749 "
                     "against 0.702; comparison.net_stance).",
    "labels": "Net stance = favor share \u2212 against share of the stance-labeled sentences (comparison.net_stance).",
}
CSS = """body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;max-width:74rem;margin:2rem auto;
padding:0 1rem;color:#222;line-height:1.45}h1{font-size:1.6rem;margin-bottom:.3rem}h2{margin-top:2rem;
border-bottom:1px solid #ddd}.headline{font-size:1.15rem;background:#fdf2f0;border-left:5px solid #c0392b;
padding:.7rem 1rem}img{max-width:100%;height:auto}table{border-collapse:collapse;font-size:.88rem;width:100%}
th,td{border-bottom:1px solid #e3e3e3;padding:.3rem .45rem;text-align:right;white-space:nowrap}th:first-child,
td:first-child,th:last-child,th:nth-last-child(2),td:nth-last-child(2){text-align:left}td:first-child,
td:nth-last-child(2),td.flag{white-space:normal}td.flag{color:#a35b00;
text-align:left}blockquote{margin:.3rem 0 .6rem 1rem;color:#333}
.conf{color:#777;font-size:.85rem}mark{background:#ffe28a;padding:0 .1rem}.method{color:#555;font-size:.9rem}"""


def render_report(comparison: Comparison, cfg: ReportConfig) -> dict[str, bytes]:
    """Every output file of a comparison, by file name, as bytes."""
    charts = all_charts(comparison, cfg.top_frames, cfg.dpi)
    return {
        "summary.csv": summary_csv(comparison),
        "pairwise.csv": pairwise_csv(comparison),
        "report.md": render_markdown(comparison, list(charts)).encode("utf-8"),
        "report.html": render_html(comparison, charts).encode("utf-8"),
        **charts,
    }


def write_report(files: dict[str, bytes], out: Path) -> list[Path]:
    """Write rendered files (names relative to `out`) as the folder `out`, staged and put in place whole (a full disk
    leaves no half report); return their paths."""
    from mediaframe.files import staged_folder

    with staged_folder(out) as stage:
        for name, content in files.items():
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            (stage / name).write_bytes(content)
    return [out / name for name in files]


def csv_bytes(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    import pandas as pd

    buffer = io.StringIO()
    pd.DataFrame(rows, columns=columns).round(6).to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def summary_csv(comparison: Comparison) -> bytes:
    """One row per group; the key column is named after --by."""
    columns = list(comparison.summary[0]) if comparison.summary else [comparison.by]
    return csv_bytes(comparison.summary, columns)


def pairwise_csv(comparison: Comparison) -> bytes:
    by = comparison.by
    columns = [f"{by}_a", f"{by}_b", "net_stance_a", "net_stance_b", "difference", "p_value", "p_adjusted",
               "significant", "smallest_p"]
    return csv_bytes(comparison.pairwise, columns)


def headline(comparison: Comparison) -> str:
    """A few plain sentences: who is most negative, by how much, and how sure that is."""
    return " ".join(part for part in headline_parts(comparison) if part)


def headline_parts(comparison: Comparison) -> tuple[str, str]:
    """The answer ('Most negative toward T: G') and the evidence (net stance, interval, tests, caution)."""
    by, rows = comparison.by, [r for r in comparison.summary if math.isfinite(r["net_stance"])]
    if not rows:
        return "No sentence has a stance label, so no group can be ranked.", ""
    worst = min(rows, key=lambda r: r["net_stance"])
    level = round(comparison.settings["confidence"] * 100)
    answer = f"Most negative toward {comparison.target or 'the target'}: {worst[by]}."
    text = (
        f"Net stance {signed(worst['net_stance'])} ({level}% CI {signed(worst['net_stance_low'])} to "
        f"{signed(worst['net_stance_high'])}; {plural(worst['n_articles'], 'article')}, "
        f"{plural(worst['n_stance'], 'sentence')})."
    )
    text += " Its interval lies entirely below 0." if worst["net_stance_high"] < 0 else " Its interval includes 0."
    if by != "date" and len(rows) > 1:
        pairs = [p for p in comparison.pairwise if worst[by] in (p[f"{by}_a"], p[f"{by}_b"])]
        wins = [p for p in pairs if p["significant"]]
        text += (
            f" It is significantly more negative than {len(wins)} of {len(rows) - 1} other {PLURAL[by]} "
            f"({CORRECTION_NAMES[comparison.settings['correction']]}-adjusted permutation tests, "
            f"p < {comparison.settings['alpha']})."
        )
        if pairs and all(p["smallest_p"] >= comparison.settings["alpha"] for p in pairs):
            text += " With so few articles per group, no such test can reach significance."
    return answer, text + (f" Caution: {worst['flag']}." if worst["flag"] else "")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def interval(row: dict[str, Any], stat: str) -> str:
    return f"{signed(row[stat])} [{signed(row[stat + '_low'])}, {signed(row[stat + '_high'])}]"


def top_frame(row: dict[str, Any], frames: tuple[str, ...]) -> str:
    shares = [(row[f"frame_{f}_share"], f) for f in frames if math.isfinite(row[f"frame_{f}_share"])]
    if not shares:
        return ""
    share, frame = max(shares)
    return f"{frame.replace('_', ' ')} ({share:.0%})"


def table(comparison: Comparison) -> tuple[list[str], list[list[str]]]:
    """The readable summary table: header and rows of text cells."""
    level = round(comparison.settings["confidence"] * 100)
    header = [comparison.by, "articles", "sentences", f"net stance [{level}% CI]", "against", "neutral", "favor",
              f"sentiment [{level}% CI]", "top frame", "flag"]
    rows = [
        [str(r[comparison.by]), str(r["n_articles"]), str(r["n_sentences"]), interval(r, "net_stance"),
         percent(r["against_share"]), percent(r["neutral_share"]), percent(r["favor_share"]), interval(r, "sentiment_mean"),
         top_frame(r, comparison.frames), r["flag"]]
        for r in comparison.summary
    ]
    return header, rows


def pair_lines(comparison: Comparison) -> list[str]:
    """Pairwise differences, most significant first, as sentences."""
    by = comparison.by
    pairs = sorted(comparison.pairwise, key=lambda p: (not math.isfinite(p["p_adjusted"]), p["p_adjusted"]))
    return [
        f"{p[f'{by}_a']} \u2212 {p[f'{by}_b']}: {signed(p['difference'])} (p = {p['p_value']:.3g}, adjusted "
        f"{p['p_adjusted']:.3g}){' significant' if p['significant'] else ''}"
        for p in pairs[:MAX_PAIRS_SHOWN]
    ]


def method_note(comparison: Comparison) -> str:
    s = comparison.settings
    scope = "target-mentioning sentences only" if s["mentions_only"] else "all sentences"
    return (
        f"{s['sentences']} sentences ({scope}). Intervals: {s['bootstrap_samples']} article-level bootstrap "
        f"resamples (percentile, {round(s['confidence'] * 100)}%). Pairwise: {s['permutations']} article-label "
        f"permutations, {CORRECTION_NAMES[s['correction']]} correction, alpha {s['alpha']}. Groups under "
        f"{s['min_articles']} articles are flagged. Seed {s['seed']}. {NET_STANCE_NOTES[s.get('net_stance', 'labels')]} "
        "Sentiment: negative \u22121, neutral 0, positive +1."
    )


def cell(text: object) -> str:
    """A Markdown table cell: pipes escaped, on one line."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(comparison: Comparison, chart_names: list[str]) -> str:
    """report.md: headline, charts (PNG files beside it), table, pairwise tests, example sentences."""
    header, rows = table(comparison)
    answer, evidence = headline_parts(comparison)
    lines = [f"# {title(comparison)}", "", f"**{answer}** {evidence}".rstrip(), ""]
    lines += [f"![{name.removesuffix('.png').replace('_', ' ')}]({name})" for name in chart_names] + [""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    lines += ["", "## Pairwise differences in net stance", ""] + [f"- {line}" for line in pair_lines(comparison)]
    lines += ["", "## Characteristic sentences", ""]
    for group, sides in quoted_groups(comparison):
        lines.append(f"### {group}")
        for label in ("against", "favor"):
            for ex in sides.get(label, []):
                link = f" ([{ex['title'] or ex['article_id']}]({ex['url']}))" if safe_url(ex["url"]) else ""
                quote = marked_text(ex["text"], ex.get("evidence", []), lambda w: f"**{cell(w)}**", cell)
                lines.append(f"- *{label}* ({ex['confidence']:.2f}): \"{quote}\"{link}")
        lines.append("")
    return "\n".join(lines + ["## Method", "", method_note(comparison), ""])


def quoted_groups(comparison: Comparison) -> list[tuple[str, dict[str, list[dict[str, Any]]]]]:
    """Groups with at least one quoted sentence, in the summary's order."""
    keys = [str(row[comparison.by]) for row in comparison.summary]
    return [(k, comparison.examples[k]) for k in keys if any(comparison.examples.get(k, {}).values())]


def title(comparison: Comparison) -> str:
    per = f" per {comparison.period}" if comparison.by == "date" else ""
    return f"Coverage of {comparison.target or 'the target'} by {comparison.by}{per}"


def safe_url(url: str) -> bool:
    return url.startswith(("http://", "https://"))


def img(name: str, png: bytes) -> str:
    alt = html.escape(name.removesuffix(".png").replace("_", " ") + " chart")
    return f'<figure><img src="data:image/png;base64,{base64.b64encode(png).decode()}" alt="{alt}"></figure>'


def html_table(header: list[str], rows: list[list[str]], table_id: str) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td{' class=flag' if i == len(row) - 1 else ''}>{esc(c)}</td>" for i, c in enumerate(row))
        + "</tr>" for row in rows
    )
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def html_examples(comparison: Comparison) -> str:
    parts = []
    for group, sides in quoted_groups(comparison):
        parts.append(f"<h3>{html.escape(group)}</h3>")
        for label in ("against", "favor"):
            for ex in sides.get(label, []):
                name = html.escape(ex["title"] or ex["article_id"])
                link = f' <a href="{html.escape(ex["url"])}">{name}</a>' if safe_url(ex["url"]) else f" {name}"
                quote = marked_text(ex["text"], ex.get("evidence", []), lambda w: f"<mark>{html.escape(w)}</mark>",
                                    html.escape)
                parts.append(f'<blockquote><b>{label}</b> <span class="conf">({ex["confidence"]:.2f})</span> '
                              f'\u201c{quote}\u201d \u2014{link}</blockquote>')
    if any(ex.get("evidence") for _, sides in quoted_groups(comparison) for items in sides.values() for ex in items):
        parts.insert(0, '<p class="method">Highlighted: the words that carry each sentence\'s stance (removing them '
                        "lowers the model's probability of that stance most).</p>")
    return "".join(parts) or "<p>No sentence is labeled against or favor.</p>"


def headline_html(comparison: Comparison) -> str:
    answer, evidence = headline_parts(comparison)
    return f'<p class="headline"><strong>{html.escape(answer)}</strong> {html.escape(evidence)}</p>'


def render_html(comparison: Comparison, charts: dict[str, bytes]) -> str:
    """report.html: one self-contained page (inline CSS, charts as base64 PNG, no script, no fetch)."""
    header, rows = table(comparison)
    esc = html.escape
    sections = [f"<h1>{esc(title(comparison))}</h1>", headline_html(comparison),
                img("net_stance.png", charts["net_stance.png"]), "<h2>Summary</h2>",
                html_table(header, rows, "summary")]
    for name, heading in (("sentiment.png", "Sentiment"), ("frames.png", "Frames"), ("time_series.png", "Over time")):
        if name in charts:
            sections += [f"<h2>{heading}</h2>", img(name, charts[name])]
    pairs = "".join(f"<li>{esc(line)}</li>" for line in pair_lines(comparison))
    sections += ["<h2>Pairwise differences in net stance</h2>", f"<ul>{pairs}</ul>",
                 "<h2>Characteristic sentences</h2>", html_examples(comparison),
                 "<h2>Method</h2>", f'<p class="method">{esc(method_note(comparison))}</p>']
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="icon" href="data:,"><title>{esc(title(comparison))}</title><style>{CSS}</style></head>'
        f"<body>{''.join(sections)}</body></html>\n"
    )

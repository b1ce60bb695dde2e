"""P8 (QUALITY.md): the mediation agreement's PDF.

1. A 2-page agreement in Chinese (WenQuanYi Micro Hei) against the same template with Latin text and a
   Latin font (DejaVu Sans), rendered interleaved in several blocks: target median ratio ≤ 1.5. The
   Latin twin is the template's own source with every run of Chinese in it (labels, clauses) replaced
   by Latin words of about the same width, so that the Latin PDF holds no CJK glyph at all.
2. Renders 20-29 against renders 2-11 of the Chinese agreement in one process (render 1 loads fonts):
   target median ratio ≤ 1.1, i.e. nothing grows from one render to the next. The series of 30 runs in
   several fresh processes, one after the other; the figure is the median of their ratios.

Times are CPU times of the rendering process (time.process_time). Both render the real template
through disputes.pdf from an in-memory context, so no database is touched.
Run: DATABASE_URL=postgresql://... .venv/bin/python bench/agreement_pdf.py
Writes bench/results/agreement_pdf.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yaoyao_mediation.settings")

import django  # noqa: E402

django.setup()

from django.template import engines  # noqa: E402
from django.template.loader import get_template  # noqa: E402
from django.utils import translation  # noqa: E402

from disputes import pdf  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "agreement_pdf.json"
RATIO_TARGET = 1.5
WARM_TARGET = 1.1

# The Latin twin: the same template and stylesheet, with a Latin font and a Latin page footer. WeasyPrint
# applies these as a user stylesheet, which beats the template's author stylesheet only with !important.
LATIN_CSS = """
html { font-family: "DejaVu Sans", sans-serif !important; }
@page {
  font-family: "DejaVu Sans", sans-serif !important;
  @bottom-center { content: string(doc-number) "    Page " counter(page) " of " counter(pages) !important; }
}
"""

CHINESE_TERMS = [
    "赵建军于2026年4月30日前向宁波某建材公司支付货款人民币叁万元整，以银行转账方式付至乙方指定账户；",
    "余款人民币贰万元由赵建军分四期支付，每期伍仟元，分别于2026年5月至8月每月最后一日前付清；",
    "赵建军按期足额履行上述付款义务的，宁波某建材公司放弃对逾期付款违约金及利息的主张；",
    "赵建军任何一期未按约定履行的，宁波某建材公司有权就全部未付款项申请人民法院恢复执行；",
    "宁波某建材公司收到第一期款项后三日内向余姚市人民法院申请对赵建军解除限制高消费措施；",
    "双方确认本协议履行完毕后，就本案货款纠纷再无其他争议，任何一方不得再就同一事实主张权利；",
    "赵建军的母亲赵某自愿为上述付款义务提供担保，并在本协议上签字确认，担保期间为六个月；",
    "本协议履行过程中发生争议的，双方应先行协商；协商不成的，可以向余姚市人民法院提起诉讼；",
    "双方同意共同向余姚市人民法院申请司法确认，并配合法院审查，如实陈述调解过程和协议内容；",
    "本协议未尽事宜，由双方另行协商并签订补充协议，补充协议与本协议具有同等效力。",
]
LATIN_TERMS = [
    "Mr Zhao shall pay Ningbo Building Materials Co. the sum of thirty thousand yuan before 30 April 2026.",
    "The balance of twenty thousand yuan is paid in four instalments of five thousand yuan, May to August.",
    "If every instalment is paid on time, the company waives its claims for late-payment penalties and interest.",
    "Should any instalment remain unpaid, the company may ask the court to resume enforcement of the whole.",
    "Within three days of the first payment the company asks the court to lift the consumption restrictions.",
    "Once this agreement is performed, neither party raises any further claim arising from the same facts.",
    "Mr Zhao's mother guarantees the payments above for six months and signs this agreement to confirm it.",
    "Disputes about the performance of this agreement are first negotiated, then brought before the court.",
    "Both parties jointly apply to the court for judicial confirmation and cooperate with its examination.",
    "Matters not covered here are settled by a supplementary agreement of equal force signed by both parties.",
]
CHINESE_NUMERALS = "一二三四五六七八九十"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
LOREM = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore "


def latin_words(run: re.Match) -> str:
    """About as wide as the Chinese it replaces: a CJK character is as wide as two Latin letters."""
    width = 2 * len(run[0])
    return (LOREM * (width // len(LOREM) + 1))[:width].strip() or "x"


def latin_template():
    source = Path(get_template(pdf.TEMPLATE).origin.name).read_text(encoding="utf-8")
    return engines["django"].from_string(CJK.sub(latin_words, source))


def context(latin: bool) -> dict:
    Line = pdf.Line
    if latin:
        terms = "\n".join(f"{n}. {text}" for n, text in enumerate(LATIN_TERMS, start=1))
        facts = (
            "Mr Zhao owes Ningbo Building Materials Co. fifty thousand yuan for goods delivered in 2024; the "
            "company sued, won the case and applied to the court for enforcement. During his detention, Mr Zhao "
            "said he was willing to pay but could not pay the whole sum at once. "
        )
        parties = [Line("Party A", "Zhao Jianjun"), Line("Party B", "Ningbo Building Materials Co.")]
        signatories = [*parties, Line("Mediator", "Zhang Ming"), Line("Witness", "Zhao Mei")]
        return {
            "number": "330281-JLS-2026-7",
            "organization": "Yuyao Detention Centre",
            "category": "Court enforcement",
            "parties": parties,
            "facts": facts,
            "terms": terms,
            "agreed_amount": "¥50,000.00",
            "paid_amount": "¥10,000.00",
            "signatories": signatories,
            "signed_on": "11 March 2026",
        }
    terms = "\n".join(f"{CHINESE_NUMERALS[n]}、{text}" for n, text in enumerate(CHINESE_TERMS))
    facts = (
        "赵建军于2024年向宁波某建材公司购买建筑材料，尚欠货款人民币伍万元未付。宁波某建材公司起诉后，"
        "余姚市人民法院判决赵建军支付货款，判决生效后赵建军未履行，宁波某建材公司申请强制执行。"
        "调解中赵建军表示愿意还款，但一次性支付确有困难，请求分期履行。"
    )
    parties = [Line("甲方", "赵建军"), Line("乙方", "宁波某建材公司")]
    signatories = [*parties, Line("调解员", "张明"), Line("见证人", "赵梅")]
    return {
        "number": "330281-JLS调〔2026〕7号",
        "organization": "余姚市拘留所",
        "category": "法院执行",
        "parties": parties,
        "facts": facts,
        "terms": terms,
        "agreed_amount": "¥50,000.00",
        "paid_amount": "¥10,000.00",
        "signatories": signatories,
        "signed_on": "2026年3月11日",
    }


LATIN_TEMPLATE = latin_template()


def render(latin: bool) -> bytes:
    if not latin:
        return pdf.render_context(context(latin=False))
    with translation.override("en"):
        html = LATIN_TEMPLATE.render(context(latin=True))
    assert not CJK.search(html), "the Latin twin still holds Chinese"
    return pdf.render_html(html, extra_css=LATIN_CSS)


def timed(latin: bool) -> float:
    """The CPU time of one render. A render is single-threaded work, and on a shared 2-core machine its
    CPU time varies far less than its wall time, which counts whatever else the machine runs."""
    started = time.process_time()
    render(latin)
    return time.process_time() - started


def page_count(content: bytes) -> int:
    if shutil.which("pdfinfo"):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
            file.write(content)
            file.flush()
            info = subprocess.run(["pdfinfo", file.name], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", info, re.M)[1])
    return len(re.findall(rb"/Type\s*/Page\b", content))


def fonts(content: bytes) -> list[str]:
    if not shutil.which("pdffonts"):
        return []
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        listing = subprocess.run(["pdffonts", file.name], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in listing.splitlines()[2:] if line.strip()]


SERIES_LENGTH = 30


def series_in_a_fresh_process() -> dict:
    """Renders 1-30 of the Chinese agreement in a new Python process (render 1 is the cold one)."""
    output = subprocess.run(
        [sys.executable, __file__, "--series-only"], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    series = json.loads(output.strip().splitlines()[-1])
    early, late = statistics.median(series[1:11]), statistics.median(series[19:29])
    return {
        "series": series,
        "early_median_renders_2_11": early,
        "late_median_renders_20_29": late,
        "ratio": late / early,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blocks", type=int, default=7, help="interleaved blocks (default 7)")
    parser.add_argument("--per-block", type=int, default=3, help="renders of each document per block (default 3)")
    parser.add_argument("--processes", type=int, default=5, help="fresh processes for the series (default 5)")
    parser.add_argument("--series-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # WeasyPrint logs each step at INFO; that is not what is measured.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    if args.series_only:
        print(json.dumps([timed(latin=False) for _ in range(SERIES_LENGTH)]))
        return 0

    # 2. Early and late renders of one process, in fresh processes.
    processes = [series_in_a_fresh_process() for _ in range(args.processes)]
    warm = statistics.median(process["ratio"] for process in processes)
    early = statistics.median(process["early_median_renders_2_11"] for process in processes)
    late = statistics.median(process["late_median_renders_20_29"] for process in processes)
    cold = statistics.median(process["series"][0] for process in processes)

    # 1. Chinese against Latin, interleaved, the order alternating from block to block.
    blocks = []
    for block in range(args.blocks):
        samples: dict[str, list[float]] = {"zh": [], "latin": []}
        for _ in range(args.per_block):
            order = (False, True) if block % 2 == 0 else (True, False)
            for latin in order:
                samples["latin" if latin else "zh"].append(timed(latin))
        zh, latin = statistics.median(samples["zh"]), statistics.median(samples["latin"])
        blocks.append({"zh": samples["zh"], "latin": samples["latin"], "ratio": zh / latin})
    ratio = statistics.median(block["ratio"] for block in blocks)

    zh_pdf, latin_pdf = render(latin=False), render(latin=True)
    result = {
        "id": "P8",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "documents": {
            "zh": {"pages": page_count(zh_pdf), "bytes": len(zh_pdf), "fonts": fonts(zh_pdf)},
            "latin": {"pages": page_count(latin_pdf), "bytes": len(latin_pdf), "fonts": fonts(latin_pdf)},
        },
        "zh_vs_latin": {
            "blocks": blocks,
            "median_ratio": ratio,
            "target": RATIO_TARGET,
            "pass": ratio <= RATIO_TARGET,
        },
        "late_vs_early": {
            "processes": processes,
            "median_ratio": warm,
            "target": WARM_TARGET,
            "pass": warm <= WARM_TARGET,
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    docs = result["documents"]
    rows = [
        ("P8 Chinese / Latin (median of block medians)", f"{ratio:.2f}x", f"≤ {RATIO_TARGET}x", ratio <= RATIO_TARGET),
        ("P8 renders 20-29 / renders 2-11 (medians)", f"{warm:.2f}x", f"≤ {WARM_TARGET}x", warm <= WARM_TARGET),
    ]
    for key, label in (("zh", "Chinese"), ("latin", "Latin")):
        doc = docs[key]
        print(f"{label:<8} {doc['pages']} pages, {doc['bytes']} bytes, fonts {', '.join(doc['fonts'])}")
    print(f"CPU time, medians over {len(processes)} processes: render 1 (cold) {cold * 1000:.0f} ms, ", end="")
    print(f"renders 2-11 {early * 1000:.0f} ms, renders 20-29 {late * 1000:.0f} ms")
    zh_ms = statistics.median(t for block in blocks for t in block["zh"]) * 1000
    latin_ms = statistics.median(t for block in blocks for t in block["latin"]) * 1000
    print(f"CPU time, interleaved: Chinese {zh_ms:.0f} ms, Latin {latin_ms:.0f} ms (medians of all samples)")
    print()
    print(f"| {'check':<46} | {'measured':>8} | {'target':>8} | pass |")
    print(f"|{'-' * 48}|{'-' * 10}|{'-' * 10}|------|")
    for name, measured, target, passed in rows:
        print(f"| {name:<46} | {measured:>8} | {target:>8} | {'yes' if passed else 'NO':<4} |")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return 0 if all(row[3] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())

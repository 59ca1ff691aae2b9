"""Plots (PNG) and the results tables in docs/performance.md, from ``results/*.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

from bench.files import files_table
from bench.ratios import ratios_table

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
SERVERS = ("uvicorn", "hypercorn", "granian")


def _load(out: Path) -> dict[str, Any]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(out.glob("*.json"))}


def _fanouts(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    stacks = {
        f"chat_svc ({server})": data["fanout"]
        for server, data in results.get("servers", {}).items()
        if isinstance(data, dict) and "fanout" in data
    }
    if "peer" in results:
        stacks["peer: Starlette + sse-starlette + Redis (uvicorn)"] = results["peer"]["fanout"]
    return stacks


def _issue15_fanouts(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``--only fanout``: one replica posting and streaming, and the fan-out alone."""
    measured = results.get("fanout", {})
    labels = {
        "one_replica": "chat_svc (uvicorn), one replica posting and streaming",
        "alone": "chat_svc (uvicorn), the fan-out alone (published straight to NATS)",
    }
    found = {label: measured[key] for key, label in labels.items() if key in measured}
    if stored := measured.get("stored_in_room"):
        one = labels["one_replica"]
        if one in found:  # its room holds the mode's history (issue 28)
            found[f"{one}, {stored['messages']:,} messages stored"] = found.pop(one)
    # ``--only cores``: the same streams on one process, then split between two on two cores.
    cores = results.get("cores", {})
    on_cores = {
        "fanout_one_process": "the fan-out alone, one process on one core",
        "fanout_two_processes": "the same streams split between two processes on two cores"
        " (server CPU: both, added)",
    }
    for key, label in on_cores.items():
        if key in cores:
            found[f"chat_svc (uvicorn), {label}"] = cores[key]
    return found


def plot_fanout(results: dict[str, Any], out: Path) -> Path | None:
    stacks = _fanouts(results)
    if not stacks:
        return None
    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(12, 4.5))
    for label, fanout in stacks.items():
        steps = fanout["steps"]
        rates = [s["rate"] for s in steps]
        line = latency.plot(rates, [s["p99_ms"] for s in steps], marker="o", label=label)[0]
        throughput.plot(rates, [s["deliveries_per_s"] for s in steps], marker="o", label=label)
        # A step that lost or reordered a message is marked with a cross: not a valid result.
        broken = [s for s in steps if not s["complete"]]
        for axis, key in ((latency, "p99_ms"), (throughput, "deliveries_per_s")):
            axis.scatter(
                [s["rate"] for s in broken], [s[key] for s in broken],
                marker="x", s=120, color=line.get_color(), zorder=5,
            )  # fmt: skip
    all_rates = sorted({s["rate"] for f in stacks.values() for s in f["steps"]})
    subscribers = next(iter(stacks.values()))["subscribers"]
    latency.axhline(50, color="red", linestyle="--", label="target p99 50 ms")
    latency.set(xscale="log", yscale="log", xlabel="messages/s (open loop)", ylabel="p99 ms")
    latency.set_title(f"Post-to-delivery p99, {subscribers} subscribers on another replica")
    throughput.axhline(60_000, color="red", linestyle="--", label="target 60,000/s")
    throughput.set(xscale="log", xlabel="messages/s (open loop)", ylabel="SSE deliveries/s")
    throughput.set_title("Deliveries per second, one process")
    for axis in (latency, throughput):
        axis.set_xticks(all_rates, [f"{r:g}" for r in all_rates])
        axis.minorticks_off()
    latency.legend(fontsize=7, title="x = a message lost or out of order", title_fontsize=7)
    throughput.legend(fontsize=7)
    figure.tight_layout()
    path = out / "fanout.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def plot_page_and_connections(results: dict[str, Any], out: Path) -> Path | None:
    pages = {
        server: data["page"]
        for server, data in results.get("servers", {}).items()
        if isinstance(data, dict) and "requests_per_s" in data.get("page", {})
    }
    levels = results.get("connections", {}).get("levels", [])
    if not pages and not levels:
        return None
    figure, (page_axis, memory_axis) = plt.subplots(1, 2, figsize=(12, 4.5))
    names = list(pages)
    page_axis.bar(names, [pages[n]["requests_per_s"] for n in names], color="tab:blue")
    page_axis.errorbar(
        names,
        [pages[n]["requests_per_s"] for n in names],
        yerr=[
            [pages[n]["requests_per_s"] - pages[n]["requests_per_s_spread"][0] for n in names],
            [pages[n]["requests_per_s_spread"][1] - pages[n]["requests_per_s"] for n in names],
        ],
        fmt="none",
        color="black",
        capsize=4,
    )
    page_axis.axhline(2000, color="red", linestyle="--", label="target 2,000/s")
    for index, name in enumerate(names):
        page_axis.annotate(
            f"p99 {pages[name]['p99_ms']:.0f} ms\n{pages[name]['server_cpu_pct']:.0f}% CPU",
            (index, pages[name]["requests_per_s"]),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    page_axis.set(ylabel="requests/s (median, min-max bars)", title="Chat page GET /")
    page_axis.legend(fontsize=8)
    if levels:
        clients = [level["clients"] for level in levels]
        memory_axis.plot(clients, [lv["kb_per_client"] for lv in levels], marker="o", label="KB")
        memory_axis.axhline(25, color="red", linestyle="--", label="target 25 KB")
        memory_axis.set(xlabel="idle SSE clients", ylabel="RSS KB per client")
        memory_axis.set_title("Memory per open stream, one chat_svc process")
        memory_axis.legend(fontsize=8)
    figure.tight_layout()
    path = out / "page_and_connections.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _spread(data: dict[str, Any], key: str, digits: int = 0) -> str:
    low, high = data.get(f"{key}_spread", [data[key], data[key]])
    return f"{data[key]:,.{digits}f} ({low:,.{digits}f}-{high:,.{digits}f})"


def connected(fanout: dict[str, Any]) -> str:
    """Results saved before the ramp timed its opening (2026-12-07) have no such figure."""
    seconds = fanout.get("connect_seconds")
    return (
        "opening not timed in that run" if seconds is None else f"connected at once in {seconds} s"
    )


def per_cpu_second(step: dict[str, Any]) -> float:
    """Deliveries per second of the stream process's CPU: the capacity of one process,
    whatever else shared its core during the step."""
    return float(step["deliveries_per_s"]) / max(float(step["server_cpu_pct"]) / 100, 0.01)


def tables(results: dict[str, Any]) -> str:
    lines: list[str] = []
    meta = results.get("meta", {})
    lines.append(
        f"Run {meta.get('date', '?')} on commit `{meta.get('commit', '?')}`, mode "
        f"`{meta.get('mode', '?')}`, {meta.get('cpus', '?')} cores ({meta.get('cpu_model', '?')}),"
        " a machine shared with other engineers' test runs. Medians of repeated runs with"
        " (min-max) in brackets; CPU is % of one core."
    )
    if "limits" in results:
        lines += ["", "| floor (same machine, same pinning) | p50 ms | p99 ms |", "|---|---|---|"]
        for name, data in results["limits"].items():
            if isinstance(data, dict) and "p50_ms" in data:
                lines.append(f"| {name.replace('_', ' ')} | {data['p50_ms']} | {data['p99_ms']} |")
        send = results["limits"].get("socket_send")
        if isinstance(send, dict):
            lines += [
                "",
                f"One bare socket send of a 300-byte chunk to each of {send['sockets']:,} "
                f"loopback streams (bench/send_floor.py): {send['us_per_send']} µs of CPU, "
                f"{send['sends_per_cpu_second']:,} sends per CPU-second: the fan-out's floor "
                "per delivery written alone.",
            ]
    servers = results.get("servers", {})
    if servers:
        lines += [
            "",
            "| ASGI server | page req/s | page p99 ms | page CPU % | req per CPU-s |"
            " bare /healthz req/s |"
            " fan-out max deliveries/s | p50 / p99 ms at 20 msg/s |"
            " highest rate with p99 ≤ 50 ms |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for server in SERVERS:
            data = servers.get(server)
            if not isinstance(data, dict):
                continue
            page, fanout = data["page"], data["fanout"]
            at_20 = fanout.get("at_20_per_s") or {}
            page_cells = (
                f"{_spread(page, 'requests_per_s')} | {_spread(page, 'p99_ms', 1)} | "
                f"{page['server_cpu_pct']:.0f} | "
                f"{page['requests_per_s'] / max(page['server_cpu_pct'], 1) * 100:,.0f}"
                if "requests_per_s" in page
                else "skipped | | |"
            )
            bare = data.get("healthz", {})
            bare_cell = _spread(bare, "requests_per_s") if "requests_per_s" in bare else "-"
            lines.append(
                f"| {server} | {page_cells} | {bare_cell} | "
                f"{fanout['max_deliveries_per_s']:,.0f} | "
                f"{at_20.get('p50_ms', float('nan')):.1f} / {at_20.get('p99_ms', float('nan')):.1f}"
                f" | {fanout['max_rate_within_p99_target']:.0f} msg/s"
                f"{' (then lost/reordered!)' if fanout['dropped'] else ''} |"
            )
    for label, fanout in (_fanouts(results) | _issue15_fanouts(results)).items():
        lines += [
            "",
            f"Fan-out, {label}, {fanout['subscribers']} subscribers ({connected(fanout)}):",
            "",
            "| msg/s | deliveries/s | per CPU-s | p50 ms | p99 ms | max ms | POST p50 ms |"
            " server CPU % | poster+NATS+Redis CPU % | load client CPU % | complete |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for step in fanout["steps"]:
            lines.append(
                f"| {step['rate']:.0f} | {_spread(step, 'deliveries_per_s')} | "
                f"{per_cpu_second(step):,.0f} | "
                f"{_spread(step, 'p50_ms', 1)} | {_spread(step, 'p99_ms', 1)} | "
                f"{step['max_ms']:.1f} | {step['post_p50_ms']:.1f} | {step['server_cpu_pct']:.0f} |"
                f" {step['poster_nats_redis_cpu_pct']:.0f} | {step['load_client_cpu_pct']:.0f} |"
                f" {'yes' if step['complete'] else 'NO: ' + '; '.join(step['problems'][:2])} |"
            )
    chat = servers.get("uvicorn", {}).get("fanout") if servers else None
    if chat and "peer" in results:
        peer = results["peer"]["fanout"]
        ours, theirs = chat.get("at_20_per_s") or {}, peer.get("at_20_per_s") or {}
        lines += ["", "| ours ÷ peer (uvicorn both) | ratio |", "|---|---|"]
        lines.append(
            "| max deliveries/s | "
            f"{chat['max_deliveries_per_s'] / max(peer['max_deliveries_per_s'], 1):.2f} |"
        )
        if ours and theirs:
            # At the same rate: saturated steps batch writes and are not comparable.
            lines.append(
                "| deliveries per CPU-second of the stream process at 20 msg/s | "
                f"{per_cpu_second(ours) / max(per_cpu_second(theirs), 1):.2f} |"
            )
        if ours and theirs:
            lines.append(f"| p99 at 20 msg/s (lower is better) | "
                         f"{ours['p99_ms'] / max(theirs['p99_ms'], 1e-9):.2f} |")  # fmt: skip
        lines.append(
            "| highest rate with p99 ≤ 50 ms | "
            f"{chat['max_rate_within_p99_target']:.0f} vs "
            f"{peer['max_rate_within_p99_target']:.0f} msg/s |"
        )
    if "connections" in results:
        lines += [
            "",
            f"Idle streams on one chat_svc process (baseline RSS "
            f"{results['connections']['baseline_rss_mb']} MB):",
            "",
            "| clients | RSS MB | KB per client | /healthz p50 / p99 ms | one message to all: "
            "median / last ms | CPU % during it |",
            "|---|---|---|---|---|---|",
        ]
        for level in results["connections"]["levels"]:
            health = level["healthz"]
            lines.append(
                f"| {level['clients']:,} | {level['rss_mb']} | {level['kb_per_client']} | "
                f"{health['p50_ms']:.1f} / {health['p99_ms']:.1f} | "
                f"{level['broadcast_median_ms']} / {level['broadcast_all_ms']} | "
                f"{level['broadcast_cpu_pct']} |"
            )
    if "sign_in" in results:
        data = results["sign_in"]
        sign_in, raw = data["sign_in"], data["raw_argon2id"]
        lines += [
            "",
            "| sign-in | value |",
            "|---|---|",
            f"| sign-ins/s ({data['browsers']} browsers) | "
            f"{_spread(sign_in, 'sign_ins_per_s', 1)} |",
            f"| sign-in p50 / p99 ms | {sign_in['p50_ms']:.0f} / {sign_in['p99_ms']:.0f} |",
            f"| auth_svc CPU % | {sign_in['server_cpu_pct']:.0f} |",
            f"| raw argon2id verifies/s (one thread, {raw['memory_kib']} KiB, {raw['passes']} "
            f"passes, {raw['lanes']} lane) | {_spread(raw, 'verifies_per_s', 1)} |",
            f"| sign-ins ÷ raw rate | {data['share_of_raw_rate']:.0%} |",
        ]
        if "auth_cpu_ms_per_sign_in" in sign_in:
            lines += [
                f"| CPU ms per sign-in: auth_svc / database, Valkey, NATS | "
                f"{_spread(sign_in, 'auth_cpu_ms_per_sign_in', 1)} / "
                f"{_spread(sign_in, 'infrastructure_cpu_ms_per_sign_in', 1)} |",
                f"| CPU ms per raw argon2id verify | {_spread(raw, 'cpu_ms_per_verify', 1)} |",
                f"| one verify's CPU ÷ the server core's CPU per sign-in | "
                f"{data['share_of_raw_cpu']:.0%} |",
            ]
    if "fanout" in results:
        lines += ratios_table(results["fanout"])
    if "page" in results:
        lines += page_table(results["page"])
    if "cores" in results and "one_process" in results["cores"]:
        lines += cores_table(results["cores"])
    if "overload" in results:
        lines += overload_table(results["overload"])
    if "history" in results:
        lines += history_table(results["history"])
    if "typing" in results:
        lines += typing_table(results["typing"])
    if "files" in results:
        lines += files_table(results["files"])
    return "\n".join(lines) + "\n"


def typing_table(data: dict[str, Any]) -> list[str]:
    """General's fan-out with and without people typing: issue 14's budget."""
    quiet, typing = data["quiet"], data["typing"]
    verdict = "within" if data["within_budget"] else "over"
    return [
        "",
        f"Typing: {data['subscribers']:,} streams of general at {data['rate']:.0f} msg/s, then "
        f"with {data['typists']} people typing (each page asks every second, the server lets "
        f"one signal a person through every 3 s). Budget: typing costs the message fan-out "
        f"less than {data['budget_share']:.0%} of its deliveries per CPU-second.",
        "",
        "| general's fan-out | deliveries/s | stream replica CPU % | deliveries per CPU-second |"
        " typing frames per stream | p99 ms |",
        "|---|---|---|---|---|---|",
        f"| nobody typing | {_spread(quiet, 'deliveries_per_s')} | "
        f"{_spread(quiet, 'server_cpu_pct')} | {_spread(quiet, 'deliveries_per_cpu_second')} | "
        f"{quiet['typing_frames_per_stream']:.0f} | {quiet['p99_ms']:.1f} |",
        f"| {data['typists']} typing | {_spread(typing, 'deliveries_per_s')} | "
        f"{_spread(typing, 'server_cpu_pct')} | "
        f"{_spread(typing, 'deliveries_per_cpu_second')} | "
        f"{typing['typing_frames_per_stream']:.0f} | {typing['p99_ms']:.1f} |",
        "",
        f"Cost of typing: {data['cost_share']:.1%} of the deliveries per CPU-second "
        f"({verdict} the {data['budget_share']:.0%} budget).",
    ]


def _per_cpu_second(run: dict[str, Any]) -> float:
    return float(run["requests_per_s"]) / max(float(run["server_cpu_pct"]) / 100, 0.01)


def page_table(data: dict[str, Any]) -> list[str]:
    """Issue 15's request targets: the room page against /healthz, and the POST."""
    page, bare = data.get("page", {}), data.get("healthz", {})
    lines = ["", "| room page and POST (uvicorn, one process) | value |", "|---|---|"]
    if "requests_per_s" in page and "requests_per_s" in bare:
        lines += [
            f"| room page req/s (CPU %) | {_spread(page, 'requests_per_s')} "
            f"({page['server_cpu_pct']:.0f}) |",
            f"| room page req per CPU-second | {_per_cpu_second(page):,.0f} |",
            f"| bare /healthz req/s (CPU %) | {_spread(bare, 'requests_per_s')} "
            f"({bare['server_cpu_pct']:.0f}) |",
            f"| page ÷ /healthz, per CPU-second | "
            f"{_per_cpu_second(page) / _per_cpu_second(bare):.0%} |",
        ]
    many = data.get("page_viewers", {})
    if "requests_per_s" in many:
        lines.append(
            f"| room page, each request another of {many['viewers']:,} people: req/s (CPU %), "
            f"per CPU-second | {_spread(many, 'requests_per_s')} "
            f"({many['server_cpu_pct']:.0f}), {_per_cpu_second(many):,.0f} |"
        )
    posting = data.get("posting", {})
    step = posting.get("at_20_per_s") if isinstance(posting, dict) else None
    if step:
        lines.append(
            f"| POST p50 / p99 ms at 20 msg/s, {posting['subscribers']:,} subscribers "
            f"| {step['post_p50_ms']:.1f} / {step['post_p99_ms']:.1f} |"
        )
    elif posting.get("failed"):
        lines.append(f"| POST at 20 msg/s | failed: {posting['failed']} |")
    return lines


def cores_table(data: dict[str, Any]) -> list[str]:
    """The room page on one chat process, then on two on two cores."""
    lines = [
        "",
        "| room page, chat processes | req/s | chat CPU % each | req per chat CPU-second |"
        " Valkey CPU ms per 1,000 pages | p99 ms |",
        "|---|---|---|---|---|---|",
    ]
    for label, key in (("one", "one_process"), ("two, on two cores", "two_processes")):
        run = data[key]
        cpu = " + ".join(f"{pct:.0f}" for pct in run["chat_cpu_pct"])
        lines.append(
            f"| {label} | {_spread(run, 'requests_per_s')} | {cpu} | "
            f"{_spread(run, 'per_cpu_second')} | {_spread(run, 'valkey_cpu_ms_per_1000')} | "
            f"{run['p99_ms']:.1f} |"
        )
    return lines


def overload_table(data: dict[str, Any]) -> list[str]:
    """POST /messages at five times the sustainable rate: every answer by status."""
    statuses = ", ".join(f"{status}: {n:,}" for status, n in data["statuses"].items())
    health = data["healthz"]
    return [
        "",
        "| overload (POST /messages) | value |",
        "|---|---|",
        f"| sustainable (closed loop) posts/s | {data['sustainable_posts_per_s']:,.0f} "
        f"({data['sustainable_cpu_pct']:.0f}% CPU) |",
        f"| offered for {data['offer_seconds']:.0f} s, posts/s (achieved) | "
        f"{data['offered_posts_per_s']:,.0f} ({data['achieved_offer_per_s']:,.0f}) |",
        f"| answers by status | {statuses} |",
        f"| failures (500, dropped connections) | {data['failures']} |",
        f"| /healthz p50 / p99 ms while overloaded | {health['p50_ms']:.1f} / "
        f"{health['p99_ms']:.1f} ({health['samples']} probes, {health['errors']} errors) |",
        f"| chat_svc CPU % while overloaded | {data['server_cpu_pct']:.0f} |",
    ]


def history_table(data: dict[str, Any]) -> list[str]:
    """POST latency before and after the database holds many messages (FerretDB)."""
    rows = [
        "",
        f"Posting at {data['rate_per_s']:.0f} msg/s ({data['posts_per_run']} posts a run, no "
        f"subscribers), with an empty database and with {data['stored_messages']:,} stored "
        "messages:",
        "",
        "| database holds | POST p50 ms | POST p99 ms | database CPU ms per message |"
        " chat_svc CPU ms per message |",
        "|---|---|---|---|---|",
    ]
    for label, key in (
        ("nothing", "post_empty"),
        (f"{data['stored_messages']:,}", "post_after_history"),
    ):
        run = data[key]
        rows.append(
            f"| {label} | {_spread(run, 'p50_ms', 1)} | {_spread(run, 'p99_ms', 1)} | "
            f"{_spread(run, 'database_cpu_ms_per_message', 2)} | "
            f"{_spread(run, 'chat_cpu_ms_per_message', 2)} |"
        )
    older = data["older_page_after_history"]
    rows += [
        "",
        f'"Load older" (`GET /messages?before=`, a sorted query FerretDB answers by reading '
        f"the whole collection) with {data['stored_messages']:,} stored: "
        f"p50 {older['p50_ms']:.0f} ms.",
    ]
    return rows


def write_report(out: Path, update_doc: bool) -> None:
    results = _load(out)
    plot_fanout(results, out)
    plot_page_and_connections(results, out)
    text = tables(results)
    (out / "summary.md").write_text(text)
    if update_doc and DOC.exists():
        document = DOC.read_text()
        if START in document and END in document:
            head, rest = document.split(START, 1)
            _, tail = rest.split(END, 1)
            DOC.write_text(f"{head}{START}\n{text}{END}{tail}")

"""GET /metrics: what the service answered, counted in Prometheus's text format (prometheus-client lives here).

Every label value comes from a closed set: a route the service serves (any other path is "other"), a status code,
a reply's kind and rule, a safety rule's id, a not-covered subject's id, a pack's id and a slide's number. No message,
word of one, client address, request id or state token is ever a label. Under `serve`, each worker process writes
its counts to a file of the metrics folder and GET /metrics sums them all (prometheus-client's multiprocess mode).
A request only notes what it adds; the notes are written once the requests ready at that moment are answered
(under load, many requests' at once), so a scrape sees every reply already sent.
"""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response

from mbcbot.model import Knowledge, Reply

PATH = "/metrics"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)  # seconds: replies take ms
NOT_STORED = {"Cache-Control": "no-store"}
M = TypeVar("M", Counter, Histogram)


class Series(Generic[M]):
    """A labelled counter or histogram whose child for each label set is made once, then kept (the sets are closed)."""

    def __init__(self, metric: M) -> None:
        self.metric: M = metric
        self.children: dict[tuple[str, ...], M] = {}

    def __call__(self, *values: str) -> M:
        """The child of these label values: its `inc` or `observe` counts."""
        child = self.children.get(values)
        if child is None:
            child = self.children[values] = self.metric.labels(*values)
        return child


class Metrics:
    """The service's counters, and the endpoint that reports them (every worker's, when the workers share a folder)."""

    def __init__(self, knowledge: Knowledge, folder: str = "") -> None:
        """`folder`: where every worker process writes its counts, or "" when one process serves."""
        disable_created_metrics()  # a `_created` series per label set doubles the output and means nothing summed
        self.folder = folder
        self.crisis = {rule.id: str(rule.crisis).lower() for rule in knowledge.safety.emergency}
        self.registry = CollectorRegistry()

        def counter(name: str, meaning: str, *labels: str) -> Series[Counter]:
            return Series(Counter(name, meaning, labels, registry=self.registry))

        meaning = "HTTP requests answered and the seconds each took, by route and status."
        latency = Histogram(
            "mbcbot_http_request_duration_seconds", meaning, ("route", "status"), registry=self.registry, buckets=LATENCY_BUCKETS
        )
        self.latency = Series(latency)
        self.requests = counter("mbcbot_http_requests", "HTTP requests answered, by route and status.", "route", "status")
        self.replies = counter("mbcbot_replies", "Chat replies, by kind and rule.", "kind", "rule")
        self.emergencies = counter("mbcbot_emergencies", "Emergency replies, by safety rule and crisis.", "rule", "crisis")
        self.advice = counter("mbcbot_advice_declined", "Requests for personal advice declined, by rule.", "rule")
        self.not_covered = counter("mbcbot_not_covered", "Subjects not covered that messages named, by id.", "topic")
        self.slides = counter("mbcbot_slides_answered", "Answers quoting a slide, by pack and slide.", "pack", "slide")
        self.resets = Counter("mbcbot_state_resets", "Chat states refused (expired, altered or stale).", registry=self.registry)
        self.rate_limited = Counter("mbcbot_rate_limited", "Requests refused for their rate (429).", registry=self.registry)
        self.counted: dict[Counter, int] = {}  # what requests added, not yet written: by series
        self.timed: dict[Histogram, list[float]] = {}  # the seconds of requests not yet written: by series
        self.due: asyncio.AbstractEventLoop | None = None  # the event loop a write is on its way in, if any
        self._zeroed(knowledge)

    def _zeroed(self, knowledge: Knowledge) -> None:
        """Every series of a closed set shown from the start, at zero: a slide or subject never asked about is counted too."""
        for rule_id, crisis in self.crisis.items():
            self.emergencies(rule_id, crisis)
        for rule in knowledge.safety.advice:
            self.advice(rule.id)
        for topic_id in knowledge.lexicon.topics:
            self.not_covered(topic_id)
        for slide in knowledge.slides:
            self.slides(slide.pack, str(slide.number))

    def requested(self, route: str, status: int, seconds: float) -> None:
        """Count one request: its route (a served route's path, else "other"), its status and how long it took."""
        self._add(self.requests(route, str(status)))
        series = self.latency(route, str(status))
        times = self.timed.get(series)
        if times is None:
            self.timed[series] = [seconds]
        else:
            times.append(seconds)
        if status == 429:
            self._add(self.rate_limited)
        loop = asyncio.get_running_loop()
        if self.due is not loop:
            self.due = loop
            loop.call_soon(self.write)  # once the requests ready now are answered: under load, many at once

    def replied(self, reply: Reply, reset: bool) -> None:
        """Count one chat reply: its kind and rule, the safety rule it fired, the subjects not covered it named,
        the slides it quotes; and whether the state sent with the message was refused."""
        add = self._add
        add(self.replies(reply.kind, reply.rule))
        group, _, rule_id = reply.rule.partition(":")
        if reply.kind == "emergency" and group == "emergency":
            add(self.emergencies(rule_id, self.crisis.get(rule_id, "false")))
        elif reply.kind == "advice" and group == "advice":
            add(self.advice(rule_id))
        for topic_id in reply.uncovered:
            add(self.not_covered(topic_id))
        if reply.kind == "answer":
            for source in reply.sources:
                add(self.slides(source.pack, str(source.slide)))
        if reset:
            add(self.resets)

    def _add(self, counter: Counter) -> None:
        self.counted[counter] = self.counted.get(counter, 0) + 1

    def write(self) -> None:
        """Write what requests added since the last write (under `serve`, to this worker's file)."""
        self.due = None
        counted, self.counted = self.counted, {}
        timed, self.timed = self.timed, {}
        for counter, count in counted.items():
            counter.inc(count)
        for histogram, times in timed.items():
            for seconds in times:
                histogram.observe(seconds)

    async def endpoint(self, request: Request) -> Response:
        """GET /metrics: every count, in the format the scraper asks for (Prometheus's text format by default)."""
        self.write()  # this worker's own, at once; the others' were written as each answered
        registry = self.registry
        if self.folder:  # every worker's counts, read from their files
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=self.folder)
        encode, media_type = choose_encoder(request.headers.get("accept", ""))
        return Response(encode(registry), media_type=media_type, headers=NOT_STORED)

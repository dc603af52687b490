"""Radio work: one exclusive job on the radio at a time.

The twin of hostap's radio_add_work(): scanning and connecting both need the
radio to themselves, so they queue here and each starts only when the one
before it called done().  A work item is a name ("scan", "connect", ...) and a
start callback; the callback receives the RadioWork so that it can finish it,
possibly much later, from an event handler.
"""

import logging

log = logging.getLogger("wispd.radio")


class RadioWork:
    __slots__ = ("queue", "kind", "start", "started", "finished", "data")

    def __init__(self, queue, kind, start, data=None):
        self.queue = queue
        self.kind = kind
        self.start = start
        self.data = data
        self.started = False
        self.finished = False

    def done(self):
        self.queue.done(self)

    def __repr__(self):
        return "RadioWork(%s%s)" % (self.kind, ", started" if self.started else "")


class RadioWorkQueue:
    def __init__(self, eloop):
        self.eloop = eloop
        self.items = []

    @property
    def current(self):
        return self.items[0] if self.items and self.items[0].started else None

    def pending(self, kind):
        """Is work of this kind queued or running?"""
        return any(w.kind == kind for w in self.items)

    def add(self, kind, start, data=None, front=False):
        work = RadioWork(self, kind, start, data)
        if front and self.items and not self.items[0].started:
            self.items.insert(0, work)
        elif front and self.items:
            self.items.insert(1, work)
        else:
            self.items.append(work)
        self._schedule()
        return work

    def done(self, work):
        if work.finished:
            return
        work.finished = True
        if work in self.items:
            self.items.remove(work)
        self._schedule()

    def remove(self, kind=None):
        """Drop queued (and running) work of a kind, or everything."""
        for work in list(self.items):
            if kind is None or work.kind == kind:
                work.finished = True
                self.items.remove(work)
        self._schedule()

    def _schedule(self):
        # Start from the eloop rather than from inside add()/done(), so a start
        # callback never runs in the middle of its caller's bookkeeping.
        if self.items and not self.items[0].started:
            if not self.eloop.is_timeout_registered(self._start_next):
                self.eloop.register_timeout(0, self._start_next)

    def _start_next(self):
        if not self.items or self.items[0].started:
            return
        work = self.items[0]
        work.started = True
        log.debug("radio work: start %s", work.kind)
        try:
            work.start(work)
        except Exception:
            log.exception("radio work %s failed to start", work.kind)
            self.done(work)

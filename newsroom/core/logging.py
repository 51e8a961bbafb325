import json
import logging

from newsroom.core.middleware import request_id_var

_STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id, for log shippers."""

    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _request_id(record),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRIBUTES})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _request_id(record):
    """The id of the request being served; Django logs 4xx/5xx answers (django.request) after the
    middleware has finished, so those records carry the request itself instead."""
    current = request_id_var.get()
    if current == "-":
        return getattr(getattr(record, "request", None), "request_id", current)
    return current

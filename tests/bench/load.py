"""Load generators, each in its own process: wrk (Debian's `wrk` package) when installed, else a
small Python generator that sends a fixed number of requests over keep-alive connections.

Both cycle through a list of paths with fixed headers and report the same figures: requests/s,
p50 and p99 latency in ms, and errors (connection failures, timeouts, and answers >= 400); the
Python one also counts answers by status (the fault tests use it). Given ``count_header``, both
also count the answers by that header's value ("hit"/"miss" for the newsroom day's page cache).

    python -m tests.bench.load '{"base": "http://127.0.0.1:8000", "paths": ["/"], "concurrency": 4, "requests": 400}'
"""

import http.client
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import urlsplit

# wrk runs each thread in its own Lua state. setup() gives each its own offset into the one
# sequence of paths, and each takes every n-th request (as the Python generator's connections do):
# threads all starting at the first path would send every path n times in a row, so a page read
# once would find its copy in the page cache just made by its twin.
WRK_SCRIPT = """
local paths = %(paths)s
for name, value in pairs(%(headers)s) do wrk.headers[name] = value end
local threads = {}
function setup(thread)
  thread:set("offset", #threads)
  thread:set("stride", %(threads)d)
  table.insert(threads, thread)
end
local n = 0
function request()
  local path = paths[((offset + n * stride) %% #paths) + 1]
  n = n + 1
  return wrk.format("GET", path)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
  %(done_counting)s
end
"""
# With ``count_header``: each thread counts the header's values (hit, miss) in its own Lua state;
# done() adds them up over setup()'s list of threads. Defining response() costs wrk some speed, so only then.
WRK_COUNTING = """
function init(args) hits = 0; misses = 0; others = 0 end
function response(status, headers, body)
  local value = headers[%(header)s]
  if value == "hit" then hits = hits + 1 elseif value == "miss" then misses = misses + 1 else others = others + 1 end
end
"""
WRK_DONE_COUNTING = """
  local h, m, o = 0, 0, 0
  for _, thread in ipairs(threads) do h = h + thread:get("hits"); m = m + thread:get("misses"); o = o + thread:get("others") end
  io.write(string.format('WRKCOUNT {"hit": %d, "miss": %d, "none": %d}\\n', h, m, o))
"""


def generator_name():
    return "wrk" if shutil.which("wrk") else "python"


def drive(base, paths, headers, concurrency, seconds, requests, count_header=None):
    """Load ``base`` + ``paths`` at ``concurrency``; wrk runs for ``seconds``, the Python
    generator sends ``requests`` requests. With ``count_header``, the result's "counted" holds how
    many answers had each of its values."""
    if shutil.which("wrk"):
        result = _wrk(base, paths, headers, concurrency, seconds, count_header)
    else:
        spec = {"base": base, "paths": paths, "headers": headers, "concurrency": concurrency, "requests": requests}
        if count_header:
            spec["count_header"] = count_header
        completed = subprocess.run(
            [sys.executable, "-m", "tests.bench.load", json.dumps(spec)], capture_output=True, text=True, check=True
        )
        result = json.loads(completed.stdout)
    if result["requests"] == 0:  # nothing finished in time: a failure, not a quiet zero
        result["errors"] = max(result["errors"], concurrency)
    return result


def _lua(values):
    if isinstance(values, dict):
        return "{" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in values.items()) + "}"
    return "{" + ", ".join(json.dumps(v) for v in values) + "}"


def _wrk(base, paths, headers, concurrency, seconds, count_header=None):
    counting = WRK_COUNTING % {"header": json.dumps(count_header)} if count_header else ""
    done_counting = WRK_DONE_COUNTING if count_header else ""
    threads = min(concurrency, 2)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        values = {"paths": _lua(paths), "headers": _lua(headers), "threads": threads, "done_counting": done_counting}
        script.write(counting + WRK_SCRIPT % values)
        script.flush()
        command = ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "5s"]
        result = subprocess.run([*command, "-s", script.name, base], capture_output=True, text=True, check=True)
    result_lines = result.stdout.splitlines()
    line = next(line for line in result_lines if line.startswith("WRKJSON "))
    raw = json.loads(line.removeprefix("WRKJSON "))
    result = {
        "requests": raw["requests"],
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": raw["connect"] + raw["read"] + raw["write"] + raw["status"] + raw["timeout"],
    }
    if count_header:
        counted = next(line for line in result_lines if line.startswith("WRKCOUNT "))
        result["counted"] = json.loads(counted.removeprefix("WRKCOUNT "))
    return result


def _python(spec):
    parts = urlsplit(spec["base"])
    paths, headers = spec["paths"], spec["headers"]
    share, extra = divmod(spec["requests"], spec["concurrency"])
    latencies, errors, statuses, lock = [], [0], {}, threading.Lock()
    count_header, counted = spec.get("count_header"), {}

    def connection_loop(offset):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=spec.get("timeout", 5))
        mine, seen, values = [], {}, {}
        for n in range(share + (offset < extra)):
            path = paths[(offset + n * spec["concurrency"]) % len(paths)]
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                failed, status = response.status >= 400, str(response.status)
                if count_header:
                    value = response.getheader(count_header) or "none"
                    values[value] = values.get(value, 0) + 1
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException) as error:
                failed, status = True, type(error).__name__
                connection.close()
            mine.append(time.perf_counter() - started)
            seen[status] = seen.get(status, 0) + 1
            if failed:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)
            for status, count in seen.items():
                statuses[status] = statuses.get(status, 0) + count
            for value, count in values.items():
                counted[value] = counted.get(value, 0) + count

    threads = [threading.Thread(target=connection_loop, args=(i,)) for i in range(spec["concurrency"])]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    result = {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": cuts[49] * 1000,
        "p99_ms": cuts[98] * 1000,
        "errors": errors[0],
        "statuses": statuses,
    }
    if count_header:
        result["counted"] = counted
    return result


if __name__ == "__main__":
    print(json.dumps(_python(json.loads(sys.argv[1]))))

"""A big CSV import through the admin while another editor saves a vehicle record every second
(issue 13), against a running server and task worker: `make run`, or the SQLite app of the
fault test. Prints what it measured as JSON.

    python -m tests.faults.csv_import http://127.0.0.1:8000 20000 importer:password desk:password

The importer uploads ROWS powertrains of the models "Load model 0" to "Load model 99" of the make
"Load test" (`prepare()` creates them; "Load engine <n>" names make each file new), waits for the
check, starts the import and follows its page until it is done. Meanwhile the other editor opens
a vehicle model's change form (the Camry) and saves it, every second, as a browser would (every field as the
form shows it, the segment changed), and logs in again every tenth time. Every answer that is not
the expected redirect is an error; each save's time is recorded.
"""

import html.parser
import http.cookiejar
import json
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

MODELS = 100
HEADER = "make,model,name,engine_type,fuel_type,displacement_cc,cylinders,power_kw,torque_nm,transmission\n"


def prepare():
    """Run inside Django (manage.py shell): the make and models the file names."""
    from vehicles.models import Make, VehicleModel

    make, _ = Make.objects.get_or_create(name="Load test", defaults={"slug": "load-test"})
    for number in range(MODELS):
        VehicleModel.objects.get_or_create(
            make=make,
            name=f"Load model {number}",
            defaults={"slug": f"load-model-{number}", "vehicle_type": "passenger_car", "body_class": "Sedan"},
        )


def powertrains_csv(rows, run):
    lines = (
        f"Load test,Load model {number % MODELS},Load engine {run} {number},ice,gasoline,1998,4,"
        f"{100 + number % 400},{200 + number % 300},6-speed manual\n"
        for number in range(rows)
    )
    return HEADER + "".join(lines)


class FormFields(html.parser.HTMLParser):
    """The fields a browser would submit from the form with this id on a page."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id = form_id
        self.fields, self._form, self._done, self._select, self._textarea = [], False, False, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id and not self._done:
            self._form = True
        if not self._form:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file", "image"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.fields.append((name, attrs.get("value") or ("on" if attrs.get("type") == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.fields.append((name, text.removeprefix("\n")))  # as browsers read a textarea
            self._textarea = None
        elif tag == "form" and self._form:
            self._form, self._done = False, True


class Browser:
    """An editor's browser: cookies, the CSRF token, redirects not followed (they are answers)."""

    class _NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), self._NoRedirects)

    def request(self, path, data=None, content_type=None, timeout=120):
        """(status, location, body)."""
        headers = {"Referer": self.base + path}
        if data is not None:
            headers["Content-Type"] = content_type or "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.headers.get("Location"), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location"), error.read().decode(errors="replace")

    def csrf(self):
        return next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")

    def post(self, path, fields):
        fields = [(name, value) for name, value in fields if name != "csrfmiddlewaretoken"]
        body = urllib.parse.urlencode([*fields, ("csrfmiddlewaretoken", self.csrf())]).encode()
        return self.request(path, body)

    def upload(self, path, field, file_name, content):
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{self.csrf()}\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{file_name}"\r\n'
            "Content-Type: text/csv\r\n\r\n",
        ]
        body = "".join(parts).encode() + content + f"\r\n--{boundary}--\r\n".encode()
        return self.request(path, body, f"multipart/form-data; boundary={boundary}")

    def log_in(self, username, password):
        self.cookies.clear()
        self.request("/admin/login/")
        status, location, _ = self.post("/admin/login/", [("username", username), ("password", password)])
        return status


def follow_import(browser, page, wanted, timeout):
    """Reloads the import's page (as its meta refresh does) until its status is one of `wanted`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, _, body = browser.request(page)
        match = re.search(r'data-status="(\w+)"', body) if status == 200 else None
        if match and match.group(1) in wanted:
            return match.group(1), body
        time.sleep(1)
    raise TimeoutError(f"{page} did not reach {wanted} in {timeout} s")


class DeskEditor(threading.Thread):
    """Saves a vehicle model every second (and logs in again every tenth time), timing each."""

    def __init__(self, base, username, password):
        super().__init__(daemon=True)
        self.browser, self.username, self.password = Browser(base), username, password
        self.saves, self.errors, self.stop = [], [], threading.Event()

    def run(self):
        self.browser.log_in(self.username, self.password)
        _, _, listing = self.browser.request("/admin/vehicles/vehiclemodel/?q=Camry")
        change = re.search(r'href="(/admin/vehicles/vehiclemodel/\d+/change/)', listing).group(1)
        number = 0
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                if number % 10 == 9:
                    status = self.browser.log_in(self.username, self.password)
                    ok = status == 302
                else:
                    form = FormFields("vehiclemodel_form")
                    form.feed(self.browser.request(change)[2])
                    fields = [
                        (name, f"Segment {number}" if name == "segment" else value) for name, value in form.fields
                    ]
                    status, location, body = self.browser.post(change, fields)
                    ok = status == 302
            except OSError as error:
                status, ok = type(error).__name__, False
            seconds = time.monotonic() - started
            self.saves.append(seconds)
            if not ok:
                self.errors.append({"status": status, "seconds": round(seconds, 2)})
            number += 1
            self.stop.wait(max(0, 1 - seconds))


def run(base, rows, importer, desk, timeout=3600):
    run_id = uuid.uuid4().hex[:6]
    content = powertrains_csv(rows, run_id).encode()
    editor = DeskEditor(base, *desk)
    editor.start()
    browser = Browser(base)
    assert browser.log_in(*importer) == 302, "the importer could not log in"
    started = time.monotonic()
    status, page, body = browser.upload("/admin/vehicles/powertrain/import/", "import_file", "load.csv", content)
    assert status == 302, body[-2000:]
    uploaded = time.monotonic()
    state, body = follow_import(browser, page, {"ready", "refused"}, timeout)
    assert state == "ready", re.sub(r"<[^>]+>", " ", body)[-3000:]
    checked = time.monotonic()
    assert browser.post(page, [])[0] == 302
    state, body = follow_import(browser, page, {"done", "stopped"}, timeout)
    finished = time.monotonic()
    editor.stop.set()
    editor.join(timeout=120)
    saves = sorted(editor.saves)
    return {
        "rows": rows,
        "upload_seconds": round(uploaded - started, 1),
        "check_seconds": round(checked - uploaded, 1),
        "import_seconds": round(finished - checked, 1),
        "total_seconds": round(finished - started, 1),
        "state": state,
        "result": re.sub(r"\s+", " ", re.search(r'class="import-result">(.*?)</p>', body, re.S).group(1)).strip(),
        "editor_requests": len(saves),
        "editor_errors": editor.errors,
        "editor_longest_seconds": round(saves[-1], 2) if saves else None,
        "editor_p50_seconds": round(saves[len(saves) // 2], 3) if saves else None,
    }


if __name__ == "__main__":
    base, rows, importer, desk = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    print(json.dumps(run(base, rows, importer.split(":", 1), desk.split(":", 1)), indent=2))

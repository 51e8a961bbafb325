"""An editor at work while readers load the site: for ``seconds``, moves every article one step
along the workflow (submit, approve, publish, update; now and then withdraw and back to draft),
through ``articles.workflow`` exactly as the admin does, and updates the lead story, which stays
live. Prints what it did as JSON.

    python -m tests.faults.publisher 20
"""

import json
import signal
import sys
import time

import django

PREFERENCE = ["publish", "approve", "submit", "redraft", "unschedule", "update"]


def main(seconds):
    django.setup()
    from django.contrib.auth import get_user_model

    from articles import workflow
    from articles.models import Article
    from demo.stories import TOYOTA_STORY_SLUG

    admin = get_user_model().objects.get(username="admin")
    done, refused, cycle = {}, 0, 0
    deadline = time.monotonic() + seconds
    stop = []  # SIGINT ends the shift after the current step, and the report is still printed
    signal.signal(signal.SIGINT, lambda *args: stop.append(True))
    while time.monotonic() < deadline and not stop:
        for article in Article.objects.order_by("id"):
            names = {action.name for action in workflow.allowed_actions(admin, article)}
            if article.slug == TOYOTA_STORY_SLUG:
                names &= {"update", "correct"}  # the story readers are loading stays live
            choice = "withdraw" if cycle % 5 == 4 and "withdraw" in names else None
            choice = choice or next((name for name in PREFERENCE if name in names), None)
            if choice is None:
                continue
            reason = "Taken down during a fault test." if choice == "withdraw" else ""
            try:
                workflow.perform(choice, article, admin, comment="Fault test.", public_reason=reason)
            except workflow.WorkflowError:
                refused += 1
            else:
                done[choice] = done.get(choice, 0) + 1
        cycle += 1
        time.sleep(2)  # an editor takes a step every couple of seconds
    print(json.dumps({"done": done, "refused": refused}))


if __name__ == "__main__":
    main(float(sys.argv[1]))

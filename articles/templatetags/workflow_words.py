"""Workflow steps in words for the admin's logs: ``{{ transition.action|step_done }}`` is
"Submitted", "Sent back", "Returned to draft" (``workflow.past_tense``), never "send_back"."""

from django import template
from django.utils.text import capfirst

from articles import workflow

register = template.Library()


@register.filter
def step_done(action_name):
    action = workflow.ACTIONS.get(action_name)
    if action is None:  # a step on pending changes: "Schedule changes"
        return workflow.CHANGE_STEP_LABELS.get(action_name, action_name)
    return capfirst(workflow.past_tense(action))

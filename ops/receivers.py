"""The SLA sweep's duration and reminders, taken from the Celery task that runs it (the beat's
``sla.tasks.sweep_sla``), so the sweep itself knows nothing of metrics."""

import time

from celery.signals import task_postrun, task_prerun

from ops.metrics import sweep_record

SWEEP_TASK = "sla.tasks.sweep_sla"
_started: dict[str, float] = {}


@task_prerun.connect
def _sweep_started(sender=None, task_id=None, task=None, **kwargs) -> None:
    if task is not None and task.name == SWEEP_TASK:
        _started[task_id] = time.monotonic()


@task_postrun.connect
def _sweep_finished(sender=None, task_id=None, task=None, retval=None, state=None, **kwargs) -> None:
    started = _started.pop(task_id, None)
    if started is None or state != "SUCCESS" or not isinstance(retval, dict):
        return
    sweep_record(seconds=time.monotonic() - started, reminded=int(retval.get("reminded", 0)))

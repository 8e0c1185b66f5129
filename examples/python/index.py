# SCF Python handlers: handler(event, context) with `event` the trigger's JSON and `context` a plain dict
# (request_id, function_name, namespace, memory_limit_in_mb, time_limit_in_ms, environment, ...).
import json
import os
import time


def hello(event, context):
    """Returns a value: SCF sends it back JSON-encoded."""
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    print("hello invoked with", json.dumps(event))
    return {"message": "%s, %s, from %s" % (os.environ.get("GREETING", "Hello"), name, context["function_name"])}


def fail(event, context):
    """Raises: the invocation fails with the exception's type and message, its traceback in the log."""
    print("about to fail")
    reason = event.get("reason", "something broke") if isinstance(event, dict) else "something broke"
    raise ValueError(reason)


def slow(event, context):
    """Takes event["seconds"] seconds (default 1): past the function's timeout, the run is cut off."""
    seconds = float(event.get("seconds", 1)) if isinstance(event, dict) else 1.0
    time.sleep(seconds)
    return {"slept": seconds}


def echo(event, context):
    """The event, the context and the environment the handler sees."""
    return {
        "event": event,
        "context": {key: context[key] for key in sorted(context)},
        "environment": json.loads(context["environment"]),
        "env": {key: os.environ.get(key) for key in ("SCF_FUNCTIONNAME", "SCF_NAMESPACE", "SCF_RUNTIME", "STAGE", "GREETING", "IS_LOCAL", "TZ")},
    }

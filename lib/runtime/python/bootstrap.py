# Runs one SCF Python 3 invocation in this process, started by lib/runtime for each invocation (run with -u, so
# print output reaches the log as it is written). Reads the job, one JSON line, from stdin; imports the
# handler's module from the code directory; calls handler(event, context) with SCF's context as a plain dict;
# writes one answer, a JSON line, to fd 3, so stdout and stderr stay the function's log. Written for Python 3.6
# and later.
import importlib.util
import json
import os
import signal
import sys
import threading
import traceback

ANSWER_FD = 3


def read_job():
    data = b""
    while b"\n" not in data:
        chunk = os.read(0, 65536)
        if not chunk:
            os._exit(1)
        data += chunk
    return json.loads(data.split(b"\n", 1)[0].decode("utf-8"))


def parent_gone():
    # stdin reaches its end only when the parent is gone: end this process and everything it started.
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    try:
        if "--group-leader" in sys.argv and os.getpgrp() == os.getpid():
            os.killpg(os.getpid(), signal.SIGKILL)
    finally:
        os._exit(1)


def max_rss_bytes():
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024
    except Exception:
        return 0


def address_space_bytes():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def limit_memory(megabytes):
    # The handler may use `megabytes` of address space on top of what the interpreter already holds.
    try:
        import resource
    except ImportError:
        return
    used = address_space_bytes()
    if not used:
        return
    limit = used + megabytes * 1024 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY and hard < limit:
        limit = hard
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        pass


def answer(payload):
    payload["maxRssBytes"] = max_rss_bytes()
    data = (json.dumps(payload) + "\n").encode("utf-8")
    view = memoryview(data)
    while view:
        written = os.write(ANSWER_FD, view)
        view = view[written:]


def finish(payload):
    try:
        answer(payload)
    except OSError:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    # Threads the handler left behind do not hold the invocation open: SCF freezes them too.
    os._exit(0)


def failure(kind, error_type, message, stack=""):
    return {"ok": False, "kind": kind, "errorType": error_type, "errorMessage": message, "stackTrace": stack}


def user_traceback(error):
    # Without this bootstrap's frames nor the import machinery's: the traceback starts in the user's code.
    tb = error.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name != __file__ and not name.startswith("<frozen importlib"):
            break
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))


class HandlerMissing(Exception):
    pass


def load_handler(code_dir, handler_file, handler_export):
    path = os.path.join(code_dir, *handler_file.split("/")) + ".py"
    if not os.path.isfile(path):
        raise HandlerMissing("No module named '%s': %s does not exist" % (handler_file.replace("/", "."), path))
    name = os.path.basename(handler_file)
    for directory in (code_dir, os.path.dirname(path)):
        if directory not in sys.path:
            sys.path.insert(0, directory)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    handler = getattr(module, handler_export, None)
    if not callable(handler):
        raise HandlerMissing("'module' object has no attribute '%s'" % handler_export)
    return handler


def serialise(value, max_bytes):
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as error:
        return failure("unserialisable", type(error).__name__, "The return value cannot be serialised to JSON: %s." % error)
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        return failure(
            "too-large",
            "ResponseSizeTooLarge",
            "The return value is %d bytes of JSON: SCF returns at most %d bytes (6 MB)." % (size, max_bytes),
        )
    return {"ok": True, "retMsg": text}


def main():
    # Not the bootstrap's directory on the import path: a user module may share a name with this file.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or ".") != here]
    try:
        os.set_inheritable(ANSWER_FD, False)
    except OSError:
        pass
    job = read_job()
    watcher = threading.Thread(target=parent_gone, name="scf-parent-watch")
    watcher.daemon = True
    watcher.start()
    limit_memory(int(job["memoryLimitMb"]))

    try:
        handler = load_handler(job["codeDir"], job["handlerFile"], job["handlerExport"])
    except HandlerMissing as error:
        finish(failure("handler", "ImportError" if "No module" in str(error) else "AttributeError", str(error)))
    except MemoryError as error:
        finish(failure("memory", "MemoryError", str(error)))
    except SystemExit:
        raise
    except BaseException as error:
        finish(failure("load", type(error).__name__, str(error), user_traceback(error)))

    try:
        result = handler(job["event"], job["context"])
    except MemoryError as error:
        finish(failure("memory", "MemoryError", str(error)))
    except SystemExit:
        raise
    except BaseException as error:
        finish(failure("error", type(error).__name__, str(error), user_traceback(error)))
    try:
        finish(serialise(result, int(job["maxReturnBytes"])))
    except MemoryError as error:
        finish(failure("memory", "MemoryError", str(error)))


if __name__ == "__main__":
    try:
        main()
    except SystemExit as exit_request:
        # sys.exit() in the handler ends the process as SCF sees it: without an answer.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        code = exit_request.code
        if code is not None and not isinstance(code, int):
            sys.stderr.write("%s\n" % code)
            sys.stderr.flush()
        os._exit(code if isinstance(code, int) else (0 if code is None else 1))

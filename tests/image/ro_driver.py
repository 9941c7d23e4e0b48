"""Runs inside test_build_stage's read-only-root mount namespace, with the image's venv python.

Starts the API and a worker as the chart does, probes them, prints one JSON summary line.
Standard library only: it must not import the tests (or anything outside the image).
"""

import json
import os
import subprocess
import time
import urllib.request

scratch = os.environ["SCRATCH"]
result = {}


def fetch(address):
    with urllib.request.urlopen(address, timeout=5) as response:
        return response.status, response.read()


def log(name):
    return open(os.path.join(scratch, name), "w")


def read(name):
    with open(os.path.join(scratch, name)) as handle:
        return handle.read()


def wait(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except Exception:
            pass
        time.sleep(0.2)
    return False


try:
    with open("/opt-probe-write", "w"):
        pass
    result["root_writable"] = True
except OSError:
    result["root_writable"] = False
url = "http://127.0.0.1:" + os.environ["API_PORT"]
api_argv = ["uvicorn", "api.asgi:app", "--host=127.0.0.1", "--port=" + os.environ["API_PORT"]]
api = subprocess.Popen(api_argv, stdout=log("api.log"), stderr=subprocess.STDOUT)
result["healthz"] = wait(lambda: fetch(url + "/healthz")[0] == 200, 60)
result["readyz"] = wait(lambda: fetch(url + "/readyz")[0] == 200, 30)
worker_argv = [
    "celery", "--app=workers.main", "worker", "--loglevel=INFO", "--pool=threads", "--concurrency=2",
    "--queues=scan.analyse,scan.post,batch,default", "--without-gossip", "--without-mingle",
]  # fmt: skip
worker = subprocess.Popen(worker_argv, stdout=log("worker.log"), stderr=subprocess.STDOUT)
heartbeat = os.environ["WASTE_HEARTBEAT_FILE"]
result["worker_heartbeat"] = wait(lambda: time.time() - os.stat(heartbeat).st_mtime < 5, 60)
metrics = "http://127.0.0.1:" + os.environ["WASTE_WORKER_METRICS_PORT"] + "/metrics"
result["worker_metrics"] = wait(lambda: b"waste_worker_consuming" in fetch(metrics)[1], 30)
result["worker_ready"] = wait(lambda: " ready." in read("worker.log"), 60)
for proc in (worker, api):
    proc.terminate()
    proc.wait(timeout=30)
result["worker_exit"] = worker.returncode
print(json.dumps(result))

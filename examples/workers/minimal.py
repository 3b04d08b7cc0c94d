#!/usr/bin/env python3
"""A minimal worker: reads spec.json, "trains", reports events (protocol 1)."""
import json, os, socket, sys, time

spec = json.load(open(os.environ["SWEEP_SPEC"]))
events = open(os.environ["SWEEP_EVENTS"], "a", buffering=1)  # one line per write

def emit(event, **fields):
    fields.update(t=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), event=event)
    events.write(json.dumps(fields) + "\n")

emit("start", pid=os.getpid(), host=socket.gethostname())
lr = spec["hparams"].get("lr", 0.1)
loss = 1.0
for step in range(1, 11):
    loss *= 1 - lr
    emit("metric", step=step, values={"loss": loss})
emit("eval", step=10, split="validation", values={"score": 1 - loss})
emit("done", status="ok")

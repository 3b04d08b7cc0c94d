#!/bin/sh
# A minimal worker in shell: the runner sets SWEEP_EVENTS; one JSON line per event.
set -e
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
echo "{\"t\":\"$(now)\",\"event\":\"start\",\"pid\":$$}" >>"$SWEEP_EVENTS"
for step in 1 2 3; do
  echo "{\"t\":\"$(now)\",\"event\":\"metric\",\"step\":$step,\"values\":{\"loss\":0.$((4 - step))}}" >>"$SWEEP_EVENTS"
done
echo "{\"t\":\"$(now)\",\"event\":\"done\",\"status\":\"ok\"}" >>"$SWEEP_EVENTS"

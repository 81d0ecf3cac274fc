"""Loads an HTML report in headless Chromium and checks the drawn page.

Usage: check_html.py PAGE.html REPORT.json|- KEY SCREENSHOT.png
Prints "ok: N layer rows for M entries, no script errors[, roofline with K
points]" when the page drew (data-status "ok") with one row per entry of
REPORT.json's KEY list; otherwise what went wrong.
"""
import json
import re
import subprocess
import sys

page, report, key, shot = sys.argv[1:5]
flags = ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
         "--hide-scrollbars", "--window-size=1200,1600"]
dom = subprocess.run(flags + ["--dump-dom", page], capture_output=True,
                     text=True, timeout=120).stdout
subprocess.run(flags + ["--screenshot=" + shot, page], capture_output=True,
               timeout=120)
status = re.search(r'<body data-status="([^"]*)"', dom)
if not status or status.group(1) != "ok":
    sys.exit("page did not draw: %s" % (status.group(1) if status else dom[:300]))
rows = len(re.findall(r'<tr class="layer (npu|cpu)"', dom))
text = "ok: %d layer rows" % rows
if report != "-":
    entries = len(json.load(open(report))[key])
    if rows != entries:
        sys.exit("%d layer rows for %d entries" % (rows, entries))
    text += " for %d entries" % entries
text += ", no script errors"
points = len(re.findall(r'class="point"', dom))
if points:
    text += ", roofline with %d points" % points
if "SRAM residency over the run" in dom:
    text += ", SRAM residency chart"
print(text)

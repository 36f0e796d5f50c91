#!/usr/bin/env python3
# seccomp_profile.py PROFILE CONFIG: resolves a containers/Docker seccomp profile (the
# "includes"/"excludes" of capabilities and architectures, as Docker and Podman do when they
# write config.json) for x86-64 and CONFIG's bounding capabilities, and writes it into
# CONFIG's linux.seccomp.
import json
import sys

profile = json.load(open(sys.argv[1]))
cfg = json.load(open(sys.argv[2]))
caps = set(cfg["process"].get("capabilities", {}).get("bounding", []))
arch = "amd64"


def applies(rule):
    inc = rule.get("includes") or {}
    exc = rule.get("excludes") or {}
    if inc.get("arches") and arch not in inc["arches"]:
        return False
    if inc.get("caps") and not set(inc["caps"]) <= caps:
        return False
    if exc.get("arches") and arch in exc["arches"]:
        return False
    if exc.get("caps") and set(exc["caps"]) & caps:
        return False
    return True


rules = []
for r in profile["syscalls"]:
    if not applies(r):
        continue
    out = {"names": r["names"], "action": r["action"]}
    if r.get("errnoRet") is not None:
        out["errnoRet"] = r["errnoRet"]
    if r.get("args"):
        out["args"] = r["args"]
    rules.append(out)
sc = {"defaultAction": profile["defaultAction"],
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
      "syscalls": rules}
if profile.get("defaultErrnoRet") is not None:
    sc["defaultErrnoRet"] = profile["defaultErrnoRet"]
cfg.setdefault("linux", {})["seccomp"] = sc
json.dump(cfg, open(sys.argv[2], "w"), indent=1)

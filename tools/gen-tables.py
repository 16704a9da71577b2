#!/usr/bin/env python3
"""Regenerates knox's embedded BSM tables from ../shared/tables (facts from OpenBSM and xnu,
BSD licensed). Run from the repository root: python3 tools/gen-tables.py"""
import csv, os, sys

SRC = os.environ.get("KNOX_TABLES", "../shared/tables")
OUT = "bsm-format/src/tables"
ATTR = ("Facts from the OpenBSM and Apple xnu sources (BSD licence), "
        "reformatted by tools/gen-tables.py.")

def events(name):
    lines = [f"# {ATTR}", "# number:AUE_name:description:classes"]
    for line in open(os.path.join(SRC, name), encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        lines.append(line)
    open(os.path.join(OUT, name.replace(".", "_") + ".txt"), "w").write("\n".join(lines) + "\n")

def classes():
    lines = [f"# {ATTR}", "# mask:name:description"]
    for line in open(os.path.join(SRC, "audit_class"), encoding="utf-8"):
        line = line.rstrip("\n")
        if line and not line.startswith("#"):
            lines.append(line)
    open(os.path.join(OUT, "audit_class.txt"), "w").write("\n".join(lines) + "\n")

def rs_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

def tsv(name):
    with open(os.path.join(SRC, name), encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))

def code():
    out = [f"// {ATTR}", "// Generated: do not edit by hand.", ""]
    out.append("/// BSM errno: number, name, BSD description.")
    out.append("pub(crate) static ERRNO: &[(u8, &str, &str)] = &[")
    for r in tsv("bsm_errno.tsv"):
        out.append(f"    ({r['bsm_errno']}, {rs_str(r['name'])}, {rs_str(r['description'])}),")
    out.append("];\n")
    out.append("/// BSM socket types: number, name.")
    out.append("pub(crate) static SOCKET_TYPES: &[(u16, &str)] = &[")
    for r in tsv("bsm_socket_type.tsv"):
        out.append(f"    ({r['bsm_value']}, {rs_str(r['name'])}),")
    out.append("];\n")
    out.append("/// BSM protocol families: number, name.")
    out.append("pub(crate) static DOMAINS: &[(u16, &str)] = &[")
    for r in tsv("bsm_domain.tsv"):
        out.append(f"    ({r['bsm_value']}, {rs_str(r['name'])}),")
    out.append("];")
    open(os.path.join(OUT, "generated.rs"), "w").write("\n".join(out) + "\n")

events("audit_event.openbsm")
events("audit_event.macos")
classes()
code()
print("tables written to", OUT)

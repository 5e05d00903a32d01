/* SPDX-License-Identifier: MIT */
/*
 * probe.h - `pmmf probe` (probe.c), called by the tool's main (pmmf.c).
 */
#ifndef PMMF_TOOL_PROBE_H
#define PMMF_TOOL_PROBE_H

/* argv: the arguments after "probe" (at most a directory). Returns the
 * tool's exit code. */
int pmmf_tool_probe(int argc, char **argv);

#endif

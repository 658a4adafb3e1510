/** Capability names normalized as dockerd does (NormalizeLegacyCapabilities): upper-case, no `CAP_`, `ALL` kept. */
export const normalizeCap = (cap: string): string => {
  const up = cap.trim().toUpperCase()
  if (up === "ALL") return "ALL"
  return up.startsWith("CAP_") ? up.slice(4) : up
}

export const normalizeCaps = (caps: ReadonlyArray<string>): Array<string> =>
  caps.flatMap((c) => c.split(",")).map(normalizeCap).filter((c) => c !== "")

/** Docker's default capability set for containers. */
export const DEFAULT_CAPS: ReadonlyArray<string> = [
  "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
  "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"
]

/**
 * `audit forward --syslog udp|tcp://HOST:PORT`: RFC 5424 messages, one per decision.
 * UDP: one datagram per message. TCP: octet-counting framing (RFC 6587 §3.4.1, `LEN SP MSG`).
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram"
import { connect, type Socket } from "node:net"
import { hostname } from "node:os"
import type { DecisionRow } from "../../domain/audit-views.ts"
import { syslogMessage } from "./formats.ts"

export interface SyslogTarget {
  readonly protocol: "udp" | "tcp"
  readonly host: string
  readonly port: number
}

/** Parse `udp://host:port` / `tcp://host:port` (IPv6 in brackets). */
export const parseSyslogUrl = (url: string): SyslogTarget => {
  const m = /^(udp|tcp):\/\/(\[[^\]]+\]|[^:/\s]+):(\d{1,5})\/?$/.exec(url.trim())
  const port = Number(m?.[3])
  if (m === null || !(port > 0 && port < 65536)) {
    throw new Error(`--syslog "${url}" must look like udp://HOST:PORT or tcp://HOST:PORT (e.g. udp://127.0.0.1:514)`)
  }
  return { protocol: m[1] as "udp" | "tcp", host: (m[2] ?? "").replace(/^\[|\]$/g, ""), port }
}

export interface SyslogSender {
  readonly send: (row: DecisionRow) => Promise<void>
  readonly close: () => Promise<void>
}

/** Open a sender; TCP connects first (rejects if the collector is unreachable). */
export const openSyslog = async (t: SyslogTarget): Promise<SyslogSender> => {
  const host = hostname()
  if (t.protocol === "udp") {
    const sock: UdpSocket = createSocket(t.host.includes(":") ? "udp6" : "udp4")
    return {
      send: (row) => new Promise((resolve, reject) => {
        sock.send(Buffer.from(syslogMessage(row, host)), t.port, t.host, (err) => (err ? reject(err) : resolve()))
      }),
      close: () => new Promise((resolve) => sock.close(() => resolve()))
    }
  }
  const sock: Socket = await new Promise((resolve, reject) => {
    const s = connect({ host: t.host, port: t.port }, () => { s.off("error", reject); resolve(s) })
    s.once("error", reject)
  })
  return {
    send: (row) => new Promise((resolve, reject) => {
      const msg = Buffer.from(syslogMessage(row, host))
      sock.write(Buffer.concat([Buffer.from(`${msg.length} `), msg]), (err) => (err ? reject(err) : resolve()))
    }),
    close: () => new Promise((resolve) => sock.end(() => resolve()))
  }
}

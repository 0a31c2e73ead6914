import { hostProfile } from "./host-profile.js";
import { DEFAULT_PERIOD, type Scenario } from "../scenario/schema.js";
import { HEADERS } from "../workloads/tcp.js";

/**
 * Rough cost of a run, so that a scenario that would run for days is refused before it
 * starts rather than discovered after. Measured on the paper scenarios (docs/performance.md):
 * about 3.5 simulated events per packet crossing the IDD, and 2–10 million events per
 * second of wall time per core depending on the scenario and the machine's moment; the
 * estimate takes a rate near the slow end.
 */
export const EVENTS_PER_PACKET = 4;
export const EVENTS_PER_WALL_SECOND = 3e6;

/**
 * Packets per second the workloads of one run offer (an upper bound where they adapt),
 * and no more than the net-IDDs can handle: every packet costs one at least the cheaper
 * of a receive and a transmit, within its CPU share (a whole CPU with extratime).
 */
function packetRate(sc: Scenario): number {
  const profile = hostProfile(sc);
  const mss = profile.web.mss.value;
  // A greedy transfer fills the link with full segments, plus an ACK for every second one.
  const bulkPackets = (profile.linkRate.value / ((mss + HEADERS) * 8)) * 1.5;
  let rate = 0;
  for (const d of sc.domains) {
    const w = d.workload;
    if (w?.type === "udp") rate += w.rate;
    // A web exchange: handshake, request, close (about 8 packets) and the reply's segments with ACKs.
    // Closed-loop clients open at most one connection each per think time and round trip (1 ms or more).
    const connections = w?.type !== "web" ? 0 : (w.rate ?? (w.clients! * 1e9) / ((w.thinkTime ?? 0) + 1e6));
    if (w?.type === "web") rate += connections * (8 + 1.5 * Math.ceil(w.fileSize / mss));
    // A disk request crosses the IDD twice (submit and completion), a packet's worth of steps each:
    // at its rate, or at most as fast as the disk serves requests back to back.
    if (w?.type === "disk") {
      const disk = profile.disk;
      const service = (w.access === "random" ? disk.positioning.value : 0) + (w.size * 1e9) / disk.transferRate.value;
      rate += 2 * (w.rate ?? 1e9 / service);
    }
    if (w?.type === "bulk") {
      const active = Math.max(0, Math.min(sc.duration, w.start + (w.duration ?? Infinity)) - w.start);
      rate += (bulkPackets * active) / sc.duration;
    }
  }
  const idds = sc.domains.filter((d) => d.idd);
  if (idds.length === 0) return rate;
  const share = idds.reduce((a, idd) => a + (idd.extratime ? 1 : (idd.share ?? (idd.slice ?? 0) / (idd.period ?? DEFAULT_PERIOD))), 0);
  const capacity = (share * 1e9) / Math.max(1, Math.min(profile.iddRx.value, profile.iddTx.value));
  return Math.min(rate, capacity);
}

/** Events of one run: per packet, plus every domain's scheduling periods and XenMon's samples. */
export function estimateEvents(sc: Scenario): number {
  const seconds = sc.duration / 1e9;
  const scheduling = sc.domains.reduce((a, d) => a + 2e9 / (d.period ?? 10e6), 0);
  return seconds * (EVENTS_PER_PACKET * packetRate(sc) + scheduling + 1e9 / sc.xenmon.interval);
}

/** Estimated wall time (seconds) of `events` spread over `workers` threads running `runs` runs. */
export function estimateWallSeconds(events: number, runs: number, workers: number): number {
  return events / EVENTS_PER_WALL_SECOND / Math.max(1, Math.min(workers, runs));
}

/** A human reading of a duration: "3.2 days", "7.5 hours", "12 minutes", "40 s". */
export function humanDuration(seconds: number): string {
  if (seconds >= 2 * 86400) return `${(seconds / 86400).toFixed(1)} days`;
  if (seconds >= 2 * 3600) return `${(seconds / 3600).toFixed(1)} hours`;
  if (seconds >= 120) return `${Math.round(seconds / 60)} minutes`;
  return `${Math.max(1, Math.round(seconds))} s`;
}

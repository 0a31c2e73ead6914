import { PROFILES, type HostProfile, type Param } from "../profiles/profiles.js";
import type { HostOverrides, Scenario } from "../scenario/schema.js";

const OVERRIDE = "scenario override (host:)";

/** The profile's parameter, or the override in its place (same unit, its source saying so). */
function param(base: Param, value: number | undefined): Param {
  return value === undefined ? base : { ...base, value, source: OVERRIDE };
}

/** The host a scenario runs on: its named profile with the scenario's `host:` overrides applied. */
export function hostProfile(sc: Scenario): HostProfile {
  const base = PROFILES[sc.profile];
  const o = sc.host;
  if (o === undefined) return base;
  const w = o.web ?? {};
  const k = o.disk ?? {};
  return {
    ...base,
    iddRx: param(base.iddRx, o.iddRx),
    iddTx: param(base.iddTx, o.iddTx),
    iddBatchCost: param(base.iddBatchCost, o.iddBatchCost),
    iddRxDriverShare: param(base.iddRxDriverShare, o.iddRxDriverShare),
    guestRx: param(base.guestRx, o.guestRx),
    guestTx: param(base.guestTx, o.guestTx),
    nicRxRing: param(base.nicRxRing, o.nicRxRing),
    netdevBudget: param(base.netdevBudget, o.netdevBudget),
    netfrontRing: param(base.netfrontRing, o.netfrontRing),
    linkRate: param(base.linkRate, o.linkRate),
    linkPropagation: param(base.linkPropagation, o.linkPropagation),
    runVariation: param(base.runVariation, o.runVariation),
    web: {
      ...base.web,
      requestBase: param(base.web.requestBase, w.requestBase),
      requestPerKB: param(base.web.requestPerKB, w.requestPerKB),
      listenBacklog: param(base.web.listenBacklog, w.listenBacklog),
      maxClients: param(base.web.maxClients, w.maxClients),
      quickAckSegments: param(base.web.quickAckSegments, w.quickAckSegments),
    },
    disk: {
      iddSubmit: param(base.disk.iddSubmit, k.iddSubmit),
      iddPerPage: param(base.disk.iddPerPage, k.iddPerPage),
      iddComplete: param(base.disk.iddComplete, k.iddComplete),
      guestPerRequest: param(base.disk.guestPerRequest, k.guestPerRequest),
      ring: param(base.disk.ring, k.ring),
      maxPending: param(base.disk.maxPending, k.maxPending),
      positioning: param(base.disk.positioning, k.positioning),
      transferRate: param(base.disk.transferRate, k.transferRate),
      elevator: k.elevator === undefined ? base.disk.elevator : { value: k.elevator, source: OVERRIDE },
      cfqSlice: param(base.disk.cfqSlice, k.cfqSlice),
      cfqSliceIdle: param(base.disk.cfqSliceIdle, k.cfqSliceIdle),
      cfqQuantum: param(base.disk.cfqQuantum, k.cfqQuantum),
      cfqSliceAsync: param(base.disk.cfqSliceAsync, k.cfqSliceAsync),
      cfqSliceAsyncRq: param(base.disk.cfqSliceAsyncRq, k.cfqSliceAsyncRq),
    },
  };
}

/** A variant's overrides over the base's, key by key (and within `web` and `disk`, key by key). */
export function mergeHost(base: HostOverrides | undefined, over: HostOverrides | undefined): HostOverrides | undefined {
  if (over === undefined) return base;
  if (base === undefined) return over;
  const web = base.web || over.web ? { ...base.web, ...over.web } : undefined;
  const disk = base.disk || over.disk ? { ...base.disk, ...over.disk } : undefined;
  return { ...base, ...over, ...(web ? { web } : {}), ...(disk ? { disk } : {}) };
}

// ShareGuard's aim reached through the guest's CPU instead of its packets. For each guest
// in `limits`, the last interval shows how much IDD time it causes per unit of its own
// CPU (idd / cpu). Its SEDF share is set to what would cause its limit at that rate,
// limit · cpu / idd, with no extratime, so the share is a hard cap: the guest makes
// fewer packets rather than having them dropped. When the rate allows its own share
// again (or it causes no IDD work at all), it gets back the share and extratime it had.
// No cooperation from the guest is needed: the share is the host's to set.
//
// scheduler: { type: sedf, sharePolicy: ../policies/source-cap.mjs, shareOptions: { limits: { Domain-3: 0.05 } } }

/** @param {import("../../dist/model/share-policy.js").SharePolicyContext} context */
export default function sourceCap({ options, domains }) {
  const limits = options?.limits;
  if (typeof limits !== "object" || limits === null || Object.keys(limits).length === 0) throw new Error("options.limits must give a limit per guest, e.g. { Domain-3: 0.05 }");
  for (const [name, limit] of Object.entries(limits)) {
    const d = domains[name];
    if (d === undefined || d.iddName === undefined) throw new Error(`options.limits: ${name} is not a guest with a net-IDD`);
    if (!d.scheduler.startsWith("sedf")) throw new Error(`options.limits: ${name} runs under ${d.scheduler}; this rule needs SEDF's extratime`);
    if (typeof limit !== "number" || !(limit > 0 && limit <= 1)) throw new Error(`options.limits.${name} must be a share of a CPU, e.g. 0.05`);
  }
  /** Each limited guest's share and extratime as the scenario gives them, from the first reading. */
  const own = {};
  return {
    /** @param {import("../../dist/model/share-policy.js").ShareReading} reading */
    evaluate({ domains: seen }) {
      const actions = [];
      for (const [domain, limit] of Object.entries(limits)) {
        const d = seen[domain];
        own[domain] ??= { share: d.share, extratime: d.extratime };
        const { share, extratime } = own[domain];
        const capped = d.idd > 0 && d.cpu > 0 ? Math.min(share, (limit * d.cpu) / d.idd) : share;
        actions.push(capped < share ? { domain, share: capped, extratime: false } : { domain, share, extratime });
      }
      return actions;
    },
  };
}

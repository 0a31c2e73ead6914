// ShareGuard that lets a guest over its limit be while the driver domain has CPU to
// spare, and acts only once the IDD is busy: when the guests together took at least
// `busy` of a CPU in it over the last interval (XenMon hands out all of the IDD's CPU
// to its guests, so their shares add up to the IDD's use). Then it is the paper's rule
// (imported from shareguard.mjs). The paper's ShareGuard enforces limits whatever the
// load; this one enforces them only when a guest's use can cost the others. Assumes
// one net-IDD (on a host with several, sum per IDD).
//
// shareguard: { interval: 500ms, limits: { Domain-3: 5% }, policy: ../policies/work-conserving.mjs, options: { busy: 0.55 } }
import shareGuard from "./shareguard.mjs";

/** @param {import("../../dist/shareguard/policy.js").PolicyContext} context */
export default function workConserving(context) {
  const busy = context.options?.busy;
  if (typeof busy !== "number" || !(busy > 0 && busy <= 1)) throw new Error("options.busy must be a share of a CPU, e.g. 0.55 (for an IDD capped at 60 %)");
  const paper = shareGuard(context);
  return {
    /** @param {import("../../dist/shareguard/policy.js").PolicyReading} reading */
    evaluate(reading) {
      const total = Object.values(reading.guests).reduce((sum, g) => sum + g.idd, 0);
      return total < busy ? [] : paper.evaluate(reading);
    },
  };
}

// ShareGuard that lets a guest over its limit be while its driver domain has CPU to
// spare, and acts only once that IDD is busy: when the guests it serves together took at
// least `busy` of a CPU in it over the last interval (XenMon hands out all of an IDD's
// CPU to its guests, so their shares add up to the IDD's use). Then it is the paper's
// rule (imported from shareguard.mjs). The paper's ShareGuard enforces limits whatever
// the load; this one enforces them only when a guest's use can cost the others. On a
// host with several net-IDDs each is judged on its own.
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
      /** What each IDD's guests took of it. */
      const used = {};
      for (const g of Object.values(reading.guests)) used[g.iddName] = (used[g.iddName] ?? 0) + g.idd;
      return paper.evaluate(reading).filter(({ guest }) => used[reading.guests[guest].iddName] >= busy);
    },
  };
}

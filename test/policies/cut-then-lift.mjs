// Cuts every limited guest for 10 s at the first evaluation it sees it sending, and
// lifts the cut one interval later (test/policy.test.ts).
export default function ({ limits }) {
  const cutAt = new Map();
  return {
    evaluate({ time, guests }) {
      const actions = [];
      for (const guest of Object.keys(limits)) {
        if (!cutAt.has(guest) && guests[guest].sent > 0) {
          cutAt.set(guest, time);
          actions.push({ guest, cut: 10 });
        } else if (cutAt.get(guest) !== undefined && time > cutAt.get(guest) && guests[guest].cut) actions.push({ guest, cut: 0 });
      }
      return actions;
    },
  };
}
